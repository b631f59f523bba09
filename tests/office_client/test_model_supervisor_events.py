"""The shared office model applies a supervisor's events as every app needs them: a
reinstated no-show waits again at its place, a moved ticket goes to the front or keeps its
place, the calendar, a settings reload's fresh welcome, and services with a pause reason,
a holiday and today's quota. Plain model, scripted events (as the server sends them)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from counter_console.desk import Desk
from display_board.board import Board
from office_client.model import Applied, OfficeModel

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 WIB


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def ticket(tid: str, number: str, minutes_ago: float, service: str = "paspor-baru",
           lane: str = "reguler", **kw) -> dict:
    return {"id": tid, "number": number, "service": service, "stage": "berkas", "lane": lane,
            "status": "waiting", "issued_at": iso(minutes_ago),
            "queued_at": iso(kw.pop("queued", minutes_ago)), "called_at": None,
            "counter": None, "recalls": 0, "to_counter": kw.pop("to_counter", None), **kw}


def service(sid: str, prefix: str, waiting: int, **extra) -> dict:
    base = {"id": sid, "prefix": prefix, "name": {"id": sid, "en": sid},
            "lanes": ["reguler", "lansia"], "stages": ["berkas"], "open": True,
            "closed_reason": None, "waiting": waiting, "estimated_wait_s": 600,
            "quota": {}, "issued": {}, "info": None, "issuing_paused": None, "holiday": None,
            "quota_today": {}}
    base.update(extra)
    return base


def counter(cid: str, services: list[str], tk: dict | None = None) -> dict:
    return {"id": cid, "name": cid, "services": services, "lanes": ["reguler", "lansia"],
            "stages": None, "zone": "lantai-1", "status": "open", "officer": "budi",
            "officer_name": "Budi", "pause_reason": None, "ticket": tk, "stats": None}


WAITING = [ticket("t1", "A001", 30), ticket("t2", "A002", 20),
           ticket("t9", "B001", 15, service="paspor-ganti"), ticket("t3", "A003", 10)]
SNAPSHOT = {
    "office": {"id": "k", "name": "Kanim", "timezone": "Asia/Jakarta", "day": "2026-11-23"},
    "lanes": [{"id": "reguler", "name": {"id": "Umum", "en": "General"}, "priority": False},
              {"id": "lansia", "name": {"id": "Lansia", "en": "Elderly"}, "priority": True}],
    "services": [service("paspor-baru", "A", 3), service("paspor-ganti", "B", 1)],
    "counters": [counter("loket-1", ["paspor-baru", "paspor-ganti"]),
                 counter("loket-2", ["paspor-ganti"])],
    "waiting": WAITING, "recent_calls": [], "announcement": None, "alerts": [],
    "device_status": [],
    "holidays": [{"date": "2026-12-25", "name": {"id": "Hari Natal", "en": "Christmas"}}],
}


def loaded(seq: int = 10, **changes) -> OfficeModel:
    model = OfficeModel()
    snap = copy.deepcopy(SNAPSHOT)
    snap.update(changes)
    model.load_welcome({"type": "welcome", "seq": seq, "snapshot": snap})
    return model


def event(model: OfficeModel, name: str, data: dict) -> None:
    outcome = model.apply({"type": "event", "seq": model.seq + 1, "name": name,
                           "at": NOW.isoformat(), "data": data})
    assert outcome is Applied.APPLIED


def numbers(tickets: list[dict]) -> list[str]:
    return [tk["number"] for tk in tickets]


def test_a_reinstated_no_show_waits_again_at_its_place_and_leaves_the_counter() -> None:
    # A000 was called at loket-1 (issued 40 minutes ago) and marked no-show; it came back.
    called = ticket("t0", "A000", 40, status="no_show", counter="loket-1")
    model = loaded(counters=[counter("loket-1", ["paspor-baru", "paspor-ganti"], called),
                             counter("loket-2", ["paspor-ganti"])])
    back = {**called, "status": "waiting", "counter": None, "called_at": None}
    event(model, "ticket_reinstated", {
        "ticket": back, "by": "kepala",
        "service_stats": {"service": "paspor-baru", "waiting": 4, "estimated_wait_s": 900}})
    assert numbers(model.waiting) == ["A000", "A001", "A002", "B001", "A003"]
    assert model.counters["loket-1"]["ticket"] is None
    assert model.services["paspor-baru"]["waiting"] == 4
    desk = Desk(model, lambda *a: "cmd", clock=lambda: NOW)
    desk.counter_id = "loket-1"
    assert numbers(desk.waiting_list())[0] == "A000"


def test_a_public_reinstated_ticket_without_queued_at_sorts_by_its_issue_time() -> None:
    model = loaded()
    public = {k: v for k, v in ticket("t0", "A000", 25).items()
              if k in ("id", "number", "service", "stage", "lane", "status", "counter",
                       "issued_at", "called_at")}
    event(model, "ticket_reinstated", {"ticket": public})
    assert numbers(model.waiting) == ["A001", "A000", "A002", "B001", "A003"]


def test_a_move_to_the_front_of_another_service_goes_first_and_both_counts_follow() -> None:
    model = loaded()
    # The server makes its queued_at come just before the new line's first (B001: 15 min).
    moved = ticket("t3", "A003", 10, service="paspor-ganti", queued=15.001)
    event(model, "ticket_transferred", {
        "ticket": moved, "from": {"service": "paspor-baru", "stage": "berkas",
                                  "counter": None, "lane": "reguler", "queued_at": iso(10),
                                  "called_at": None, "started_at": None},
        "to_counter": None, "note": None, "officer": "kepala", "by": "kepala",
        "position": "front"})
    ganti = [tk for tk in model.waiting if tk["service"] == "paspor-ganti"]
    assert numbers(ganti) == ["A003", "B001"]
    assert model.services["paspor-baru"]["waiting"] == 2
    assert model.services["paspor-ganti"]["waiting"] == 2
    desk = Desk(model, lambda *a: "cmd", clock=lambda: NOW)
    desk.counter_id = "loket-2"
    assert numbers(desk.waiting_list()) == ["A003", "B001"]
    board = Board(model)
    rows = {row.service: row.waiting for row in board.waiting_rows()}
    assert rows == {"paspor-baru": 2, "paspor-ganti": 2}


def test_a_move_that_keeps_its_place_and_reserves_a_counter() -> None:
    model = loaded()
    moved = ticket("t1", "A001", 30, to_counter="loket-2", service="paspor-ganti")
    event(model, "ticket_transferred", {"ticket": moved, "to_counter": "loket-2",
                                        "position": "keep", "by": "kepala"})
    assert numbers(model.waiting) == ["A001", "A002", "B001", "A003"]
    desk = Desk(model, lambda *a: "cmd", clock=lambda: NOW)
    desk.counter_id = "loket-1"
    assert "A001" not in numbers(desk.waiting_list())  # reserved for loket-2
    desk.counter_id = "loket-2"
    assert numbers(desk.waiting_list())[0] == "A001"


def test_a_cancelled_ticket_leaves_the_count_of_its_service() -> None:
    model = loaded()
    event(model, "ticket_cancelled", {"ticket": {**WAITING[1], "status": "cancelled"},
                                      "reason": "duplikat", "by": "kepala"})
    assert numbers(model.waiting) == ["A001", "B001", "A003"]
    assert model.services["paspor-baru"]["waiting"] == 2


def test_service_changed_carries_the_pause_reason_holiday_and_todays_quota() -> None:
    model = loaded()
    paused = service("paspor-baru", "A", 3, open=False, closed_reason="paused",
                     issuing_paused={"id": "Kuota blangko habis", "en": "Out of blanks"},
                     quota_today={"reguler": 40})
    event(model, "service_changed", {"service": paused})
    svc = model.services["paspor-baru"]
    assert (svc["open"], svc["closed_reason"]) == (False, "paused")
    assert svc["issuing_paused"]["id"] == "Kuota blangko habis"
    assert svc["quota_today"] == {"reguler": 40}
    board = Board(model)
    assert {r.service: r.open for r in board.waiting_rows()}["paspor-baru"] is False


def test_the_calendar_follows_calendar_changed_and_a_public_empty_one_changes_nothing() -> None:
    model = loaded()
    assert model.holidays[0]["date"] == "2026-12-25"
    days = [{"date": "2026-12-24", "name": {"id": "Cuti bersama", "en": "Collective leave"}}]
    event(model, "calendar_changed", {"days": days})
    assert model.holidays == days
    public = loaded(holidays=None)
    event(public, "calendar_changed", {})  # public roles get {}: the seq counts, nothing else
    assert public.holidays == [] and public.seq == 11


def test_config_reloaded_then_the_fresh_welcome_replaces_services_and_counters() -> None:
    model = loaded()
    seen: list[str] = []
    model.listeners.append(lambda name, _payload: seen.append(name))
    event(model, "config_reloaded", {})
    assert model.seq == 11 and "paspor-ganti" in model.services  # nothing applied yet
    snap = copy.deepcopy(SNAPSHOT)
    snap["services"] = [service("paspor-baru", "A", 3,
                                name={"id": "Paspor Baru (48 hal)", "en": "New Passport"}),
                        service("visa", "V", 0)]
    snap["counters"] = [counter("loket-1", ["paspor-baru", "visa"])]
    snap["waiting"] = WAITING[:2]
    model.load_welcome({"type": "welcome", "seq": 11, "snapshot": snap})
    assert seen == ["config_reloaded", "welcome"]
    assert set(model.services) == {"paspor-baru", "visa"}
    assert model.services["paspor-baru"]["name"]["id"] == "Paspor Baru (48 hal)"
    assert set(model.counters) == {"loket-1"}
    assert model.seq == 11
    event(model, "ticket_issued", {"ticket": ticket("t5", "V001", 0, service="visa"),
                                   "service_stats": {"service": "visa", "waiting": 1,
                                                     "estimated_wait_s": 60}})
    assert model.services["visa"]["waiting"] == 1
