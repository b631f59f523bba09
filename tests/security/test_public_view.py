"""Public roles (display, observer, kiosk, tablet) get a WHITELIST projection of every
event and of the snapshot: what a hall screen shows and nothing more. Free text (survey
comments, where applicants write NIK and phone numbers; pause, cancel and close reasons;
transfer notes), device names and details, officer identities and ticket tokens never
reach them. Every event is still sent (its seq keeps the stream gap-free), as `{}` when a
hall screen has no use for it. And nothing the board, the web board, the kiosk or the
phone page uses disappears: fed the public stream, their views equal those fed the full
one."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from display_board.board import Board
from kiosk.flow import KioskFlow
from office_client.model import Applied, OfficeModel
from protocol import PUBLIC_ROLES, Event, public_event, public_snapshot
from server.engine import Actor
from tests.engine.engine_helpers import ADMIN, Desk, at, officer

NIK = "3201234567890001"
PHONE = "081234567890"
DEVICE = "kiosk-ruang-kepala"  # a device's name says where it stands
SECRETS = {
    "survey comment": f"NIK {NIK} HP {PHONE}",
    "pause reason": "izin dokter anak 7711",
    "cancel reason": "salah isi data 7722",
    "close reason": "pulang cepat 7733",
    "transfer note": "berkas kurang 7744",
    "device detail": "printer serial SN-7755",
    "device name": DEVICE,
    "officer id": "budi",
    "officer name": "Budi Santoso",
    "second officer": "Sari Dewi",
    "ticket token": "tok0000",  # the Desk's tokens: tok00000001, ...
    "status url": "/t/",
    "booking code": "BK-7766",
}

# Exactly what public roles receive, per event (documented in docs/protocol.md).
TICKET = {"id", "number", "service", "stage", "lane", "status", "counter", "issued_at",
          "called_at"}
COUNTER = {"id", "name", "zone", "services", "lanes", "stages", "status", "ticket"}
SERVICE = {"id", "prefix", "name", "lanes", "stages", "open", "closed_reason", "waiting",
           "estimated_wait_s", "quota", "issued", "info",
           # office-written: why a supervisor stopped issuing, today's holiday and quotas
           "issuing_paused", "holiday", "quota_today"}
STATS = {"service", "waiting", "estimated_wait_s"}
PUBLIC_KEYS: dict[str, set[str]] = {
    "ticket_issued": {"ticket", "service_stats"},
    "ticket_called": {"ticket", "counter", "counter_name", "reason", "service_stats"},
    "ticket_recalled": {"ticket", "counter", "counter_name", "recalls"},
    "service_started": {"ticket", "counter"},
    "ticket_finished": {"ticket", "counter", "service_stats"},
    "ticket_no_show": {"ticket", "counter"},
    "ticket_transferred": {"ticket"},
    "ticket_cancelled": {"ticket"},
    "counter_opened": {"counter"},
    "counter_paused": {"counter"},
    "counter_closed": {"counter"},
    "day_rolled_over": {"day", "previous_day"},
    "announcement": {"text", "until"},
    "service_changed": {"service"},
    "ticket_reinstated": {"ticket"},
    "reprint_requested": {"request", "ticket", "kiosk"},  # the kiosk named prints it
}

KIOSK = Actor("kiosk", DEVICE)


def _day(office) -> tuple[Desk, dict, dict, list]:
    """An office day with every kind of free text; returns the desk, the full and public
    snapshots taken at its start, and the events after them."""
    desk = Desk(office, at(9, 0))
    desk.login(2, "loket-2")
    desk.ok("import_bookings", ADMIN, bookings=[
        {"code": SECRETS["booking code"], "service": "paspor-baru",
         "slot_start": "2024-01-08T09:30"}])
    desk.issue()
    desk.call(2, "loket-2")  # a counter with an officer and a ticket in the snapshot
    desk.ok("set_announcement", ADMIN, text={"id": "Waspada calo", "en": "Beware of brokers"})
    start = len(desk.events)
    full_snap, public = desk.engine.snapshot(desk.now, "admin"), {
        role: desk.engine.snapshot(desk.now, role) for role in PUBLIC_ROLES}

    desk.ok("report_device_status", KIOSK, status="paper_near_end",
            detail=SECRETS["device detail"])
    for lane in ("reguler", "lansia", "reguler", "reguler"):
        desk.ok("issue_ticket", KIOSK, service="paspor-baru", lane=lane)
    desk.ok("check_in", KIOSK, booking_code=SECRETS["booking code"])
    desk.login(1, "loket-1")
    desk.advance(2)
    desk.call(1, "loket-1")
    desk.ok("recall", officer(1), counter="loket-1")
    desk.ok("start_service", officer(1), counter="loket-1")
    desk.ok("transfer", officer(1), counter="loket-1", service="paspor-baru",
            note=SECRETS["transfer note"])
    desk.ok("call_ticket", officer(1), counter="loket-1", ticket="A003")  # by hand
    desk.ok("start_service", officer(1), counter="loket-1")
    desk.advance(5)
    desk.ok("finish", officer(1), counter="loket-1")
    token = desk.engine.tickets["t_20240108_A003"].token
    desk.ok("submit_survey", Actor("applicant", "phone"), ticket=token, answers=[4] * 9,
            comment=SECRETS["survey comment"])
    desk.call(1, "loket-1")
    desk.ok("no_show", officer(1), counter="loket-1")
    desk.ok("cancel", ADMIN, ticket="A005", reason=SECRETS["cancel reason"])
    desk.ok("pause", officer(1), counter="loket-1", reason=SECRETS["pause reason"])
    # mid-day: a paused counter, a device's status, waiting tickets with their links
    desk.paused_snapshots = {role: desk.engine.snapshot(desk.now, role)
                             for role in ("admin", *PUBLIC_ROLES)}
    desk.ok("resume", officer(1), counter="loket-1")
    desk.ok("close_counter", officer(1), counter="loket-1", reason=SECRETS["close reason"])
    desk.advance(60)
    desk.events.extend(desk.engine.tick(desk.now))  # service-level alerts
    desk.now = at(8, 0, (2024, 1, 9))
    desk.events.extend(desk.engine.tick(desk.now))  # the day rolls over
    return desk, full_snap, public, desk.events[start:]


@pytest.fixture(scope="module")
def day(office):
    return _day(office)


def _leaks(value: Any) -> list[str]:
    text = json.dumps(value, ensure_ascii=False)
    return [what for what, secret in SECRETS.items() if secret in text]


def test_the_day_had_every_kind_of_secret_in_the_full_stream(day):
    desk, full_snap, _, events = day
    names = {name for name, _ in events}
    assert {"survey_submitted", "device_status", "counter_paused", "ticket_cancelled",
            "counter_closed", "ticket_transferred", "officer_logged_in", "alert",
            "day_rolled_over"} <= names
    assert set(_leaks(events) + _leaks(full_snap)) >= set(SECRETS) - {"booking code"}
    assert {"pause reason", "device detail", "device name", "ticket token",
            "officer name"} <= set(_leaks(desk.paused_snapshots["admin"]))


def test_public_events_carry_no_free_text_officer_or_token(day):
    _, _, _, events = day
    for name, data in events:
        public = public_event(name, data)
        assert _leaks(public) == [], (name, public)


def test_public_events_carry_exactly_the_whitelisted_fields(day):
    _, _, _, events = day
    seen = set()
    for name, data in events:
        public = public_event(name, data)
        assert set(public) <= PUBLIC_KEYS.get(name, set()), (name, public)
        if isinstance(public.get("ticket"), dict):
            assert set(public["ticket"]) <= TICKET, name
        if isinstance(public.get("counter"), dict):
            assert set(public["counter"]) <= COUNTER, name
            if public["counter"].get("ticket"):
                assert set(public["counter"]["ticket"]) <= TICKET
        if isinstance(public.get("service"), dict):
            assert set(public["service"]) <= SERVICE
        if "service_stats" in public:
            assert set(public["service_stats"]) == STATS
        if "reason" in public:
            assert set(public["reason"]) == {"code", "text"}
        seen.add(name)
    for name in Event:  # a hall screen has no use for the others: sent, but empty
        if name not in PUBLIC_KEYS:
            assert public_event(name, {"comment": "x", "officer": "budi"}) == {}
    assert public_event("some_future_event", {"note": SECRETS["transfer note"]}) == {}
    assert public_event("ticket_called", None) == {}  # type: ignore[arg-type]


def test_public_snapshots_carry_no_secrets_and_only_whitelisted_fields(day):
    desk, full_snap, public, _ = day
    assert set(PUBLIC_ROLES) >= {"display", "observer", "kiosk", "tablet"}
    paused = {role: snap for role, snap in desk.paused_snapshots.items() if role != "admin"}
    for role, snap in [*public.items(), *paused.items()]:
        assert _leaks(snap) == [], role
        assert snap["alerts"] == [] and snap["device_status"] == []
        assert all(set(c) <= COUNTER for c in snap["counters"])
        assert all(set(s) <= SERVICE for s in snap["services"])
        assert all(set(tk) <= TICKET for tk in snap["waiting"])
        assert all(set(r) == {"ticket", "counter", "at"} for r in snap["recent_calls"])
    # staff keep the full view
    loket_2 = next(c for c in full_snap["counters"] if c["id"] == "loket-2")
    assert loket_2["officer"] == "sari" and loket_2["officer_name"] == "Sari Dewi"
    assert desk.paused_snapshots["admin"]["waiting"][0]["status_url"]
    assert paused["kiosk"]["waiting"] and "status_url" not in paused["kiosk"]["waiting"][0]


def _feed(snapshot: dict, events: list, project) -> tuple[OfficeModel, Board, list]:
    """An office model and a board fed a snapshot and events as the wire carries them."""
    now = at(9, 30)
    model = OfficeModel()
    welcome = {"type": "welcome", "seq": 0, "server_time": now.isoformat(),
               "snapshot": json.loads(json.dumps(snapshot))}
    model.load_welcome(welcome)
    board = Board(model)
    board.on_welcome(welcome, now)
    views = []
    for seq, (name, data) in enumerate(events, 1):
        msg = {"type": "event", "seq": seq, "at": now.isoformat(), "name": name,
               "data": json.loads(json.dumps(project(name, data)))}
        assert model.apply(msg) is Applied.APPLIED
        announced = board.on_event(msg, now)
        flow = KioskFlow(model)
        flow.set_connection("online")
        views.append((board.view(now), [c.number for c in announced], flow.services(),
                      {sid: flow.lanes_for(sid) for sid in model.services},
                      [tk["id"] for tk in model.waiting],
                      {cid: (c["status"], (c.get("ticket") or {}).get("number"))
                       for cid, c in model.counters.items()}))
    return model, board, views


def test_board_and_kiosk_views_are_the_same_from_the_public_stream(day):
    _, full_snap, public, events = day
    _, _, full_views = _feed(full_snap, events, lambda name, data: data)
    for role in ("display", "observer", "kiosk"):
        _, _, public_views = _feed(public[role], events, public_event)
        for step, (full, pub) in enumerate(zip(full_views, public_views, strict=True)):
            assert pub == full, (role, step, events[step][0])
    # and the board had something to show: calls, counters, waiting counts, running text
    rollover = next(i for i, (name, _) in enumerate(events) if name == "day_rolled_over")
    board_view = full_views[rollover - 1][0]
    assert board_view.latest is not None and board_view.latest.counter == "loket-1"
    assert any(row.waiting for row in board_view.waiting)
    assert board_view.running_text.startswith("Waspada calo")
    assert sum(len(v[1]) for v in full_views) >= 3  # calls and the recall were announced


def test_public_snapshot_of_a_full_snapshot_is_the_engines(day):
    desk, full_snap, public, _ = day
    assert public_snapshot(full_snap) == public["display"] == public["kiosk"]


def test_an_announcement_until_time_survives(office):
    desk = Desk(office, at(9, 0))
    until = (at(9, 0) + timedelta(hours=1)).isoformat()
    desk.ok("set_announcement", ADMIN, text={"id": "Tutup 12.00", "en": "Closes 12:00"},
            until=until)
    public = public_event("announcement", desk.last("announcement"))
    assert public == {"text": {"id": "Tutup 12.00", "en": "Closes 12:00"}, "until": until}
    assert desk.engine.snapshot(desk.now, "display")["announcement"] == public
