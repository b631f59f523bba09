"""Engine: a kiosk's issuing through a LAN outage. Leases (numbers, quota, cap, restart,
rollover) and the sync of offline tickets (their place in line, exactly once, refusals
per entry)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from engine_helpers import DISPLAY, KIOSK, Desk, at, officer

from config import office as office_config
from protocol import public_event
from server.engine import Actor, Engine

KIOSK_2 = Actor("kiosk", "kiosk-2")
_uids = itertools.count(1)


def entry(number: str, when: datetime, service: str = "paspor-baru", lane: str = "reguler",
          kiosk: str = "kiosk-1", **extra: Any) -> dict[str, Any]:
    """One offline ticket as a kiosk's journal sends it."""
    return {"id": f"k_{kiosk}_{next(_uids):08d}-aaaa", "number": number, "service": service,
            "lane": lane, "lang": "id", "issued_at": when.isoformat(), **extra}


def lease(desk: Desk, actor: Actor = KIOSK, service: str = "paspor-baru",
          lane: str = "reguler", count: int = 5) -> list[str]:
    return desk.ok("lease_numbers", actor, service=service, lane=lane, count=count)["numbers"]


def sync(desk: Desk, *entries: dict[str, Any], actor: Actor = KIOSK) -> list[dict[str, Any]]:
    answers = desk.ok("sync_offline", actor, tickets=list(entries))["tickets"]
    assert len(answers) == len(entries)
    return answers


def refused(answer: dict[str, Any], code: str = "invalid_state") -> str:
    assert answer["ok"] is False, answer
    assert answer["error"]["code"] == code, answer
    return answer["error"]["message"]


@pytest.fixture
def desk(office):
    return Desk(office, at(8, 30))


# ------------------------------------------------------------------ leases
def test_a_lease_takes_the_next_numbers_and_regular_numbering_skips_them(desk):
    assert desk.issue()["number"] == "A001"
    leased = desk.ok("lease_numbers", KIOSK, service="paspor-baru", lane="reguler", count=3)
    assert leased == {"service": "paspor-baru", "lane": "reguler", "day": "2024-01-08",
                      "numbers": ["A002", "A003", "A004"], "held": ["A002", "A003", "A004"]}
    assert desk.last("numbers_leased") == {"kiosk": "kiosk-1", "service": "paspor-baru",
                                           "lane": "reguler",
                                           "numbers": ["A002", "A003", "A004"]}
    assert desk.issue(lane="lansia")["number"] == "A005"  # the same prefix, after them
    assert lease(desk, KIOSK_2, lane="lansia", count=2) == ["A006", "A007"]
    assert desk.issue()["number"] == "A008"
    # the lease is staff-only: a hall screen and a kiosk get nothing of it
    assert public_event("numbers_leased", desk.last("numbers_leased")) == {}


def test_a_kiosk_holds_at_most_offline_lease_unused_numbers_and_refills(desk):
    assert desk.engine.config.kiosk.offline_lease == 5
    assert lease(desk, count=3) == ["A001", "A002", "A003"]
    assert lease(desk, count=5) == ["A004", "A005"]  # topped up to 5
    again = desk.ok("lease_numbers", KIOSK, service="paspor-baru", lane="reguler", count=5)
    assert again["numbers"] == [] and len(again["held"]) == 5
    assert desk.names().count("numbers_leased") == 2  # nothing leased, nothing recorded
    # per service and lane, per kiosk
    assert lease(desk, lane="lansia", count=5) == ["A006", "A007", "A008", "A009", "A010"]
    assert lease(desk, KIOSK_2, count=1) == ["A011"]
    # one used (synced): one more may be leased
    assert sync(desk, entry("A001", at(8, 30)))[0]["ok"]
    assert lease(desk, count=5) == ["A012"]


def test_offline_lease_zero_leases_nothing(office):
    data = office.model_dump()
    data["kiosk"] = {"offline_lease": 0}
    desk = Desk(office_config.OfficeConfig.model_validate(data), at(8, 30))
    assert lease(desk) == []
    assert desk.issue()["number"] == "A001"


def test_a_lease_counts_against_the_quota(desk):
    # paspor-hilang: 10 regular tickets a day
    for _ in range(7):
        desk.issue("paspor-hilang")
    assert lease(desk, service="paspor-hilang", count=5) == ["C008", "C009", "C010"]
    assert desk.engine.issued["paspor-hilang/reguler"] == 10
    desk.err("issue_ticket", KIOSK, "quota_reached", service="paspor-hilang", lane="reguler")
    desk.err("lease_numbers", KIOSK_2, "quota_reached", service="paspor-hilang",
             lane="reguler", count=1)
    # the leased numbers are still issued offline, and count only once
    assert all(a["ok"] for a in sync(desk, entry("C008", at(8, 30), "paspor-hilang")))
    assert desk.engine.issued["paspor-hilang/reguler"] == 10


def test_a_closed_service_leases_nothing(office):
    early = Desk(office, at(7, 0))
    early.err("lease_numbers", KIOSK, "service_closed", service="paspor-baru", lane="reguler",
              count=5)
    assert early.engine.leases == {} and early.engine.numbers == {}


def test_bad_lease_arguments_and_roles(desk):
    desk.err("lease_numbers", KIOSK, "not_found", service="visa", lane="reguler", count=1)
    desk.err("lease_numbers", KIOSK, "bad_request", service="paspor-baru", lane="vip", count=1)
    for count in (0, -1, 101, 2.0, "5", True, None):
        desk.err("lease_numbers", KIOSK, "bad_request", service="paspor-baru", lane="reguler",
                 count=count)
    for actor in (officer(1), DISPLAY, Actor("admin", "admin-1"), Actor("observer")):
        desk.err("lease_numbers", actor, "forbidden", service="paspor-baru", lane="reguler",
                 count=1)
        desk.err("sync_offline", actor, "forbidden", tickets=[])
    desk.err("sync_offline", KIOSK, "bad_request", tickets=[{}] * 101)  # batches of 100
    assert desk.engine.leases == {} and desk.engine.tickets == {}


# ------------------------------------------------------------------ sync
def test_an_offline_ticket_joins_its_line_by_its_issue_time(desk):
    assert lease(desk, count=2) == ["A001", "A002"]
    desk.advance(minutes=10)  # 08:40
    a3 = desk.issue()
    desk.advance(minutes=10)  # 08:50
    a4 = desk.issue()
    desk.advance(minutes=10)  # 09:00: back online, the kiosk syncs
    first, second = sync(desk, entry("A002", at(8, 45)), entry("A001", at(8, 35)))
    assert first["ok"] and second["ok"]
    assert first["ticket"]["number"] == "A002" and first["ticket"]["issued_at"].startswith(
        "2024-01-08T08:45:00")
    assert first["ticket"]["id"] == "t_20240108_A002"
    assert desk.waiting_numbers() == ["A001", a3["number"], "A002", a4["number"]]
    issued = [d for n, d in desk.events if n == "ticket_issued" and d.get("offline")]
    assert [d["ticket"]["number"] for d in issued] == ["A002", "A001"]
    assert issued[0]["ahead"] == 1 and issued[1]["ahead"] == 0  # A003; nobody yet
    # boards see it like any other ticket, marked offline
    shown = public_event("ticket_issued", issued[0])
    assert shown["offline"] is True and shown["ticket"]["number"] == "A002"
    # and the counters call it in that turn
    desk.login(1, "loket-1")
    assert [desk.serve(1, "loket-1")["number"] for _ in range(4)] == [
        "A001", a3["number"], "A002", a4["number"]]


def test_an_offline_ticket_is_placed_no_earlier_than_its_lease_nor_later_than_now(desk):
    lease(desk, count=2)  # 08:30
    desk.advance(minutes=5)
    desk.issue()  # A003 at 08:35
    desk.advance(minutes=25)
    early, late = sync(desk, entry("A001", at(8, 0)), entry("A002", at(10, 0)))
    assert early["ticket"]["issued_at"].startswith("2024-01-08T08:30:00")
    assert late["ticket"]["issued_at"].startswith("2024-01-08T09:00:00")
    assert desk.waiting_numbers() == ["A001", "A003", "A002"]


def test_a_synced_ticket_is_kept_exactly_once_however_often_it_is_sent(desk):
    lease(desk, count=2)
    desk.advance(minutes=10)
    one = entry("A001", at(8, 31))
    first = sync(desk, one)[0]
    issued = desk.names().count("ticket_issued")
    again = sync(desk, one, entry("A002", at(8, 32)))
    assert again[0] == {"id": one["id"], "ok": True, "ticket": {
        k: v for k, v in first["ticket"].items() if k not in ("ahead", "estimated_wait_s")}}
    assert again[1]["ok"]
    assert desk.names().count("ticket_issued") == issued + 1  # only A002's
    assert sorted(tk.number for tk in desk.engine.tickets.values()) == ["A001", "A002"]
    # the same id with other content is refused, and logged
    changed = {**one, "issued_at": at(8, 33).isoformat()}
    assert one["id"] in refused(sync(desk, changed)[0])
    refusal = desk.last("offline_ticket_refused")
    assert refusal["id"] == one["id"] and refusal["code"] == "invalid_state"
    assert refusal["kiosk"] == "kiosk-1" and refusal["number"] == "A001"
    assert public_event("offline_ticket_refused", refusal) == {}
    # a ticket that moved on since is still answered as held
    desk.login(1, "loket-1")
    desk.call(1, "loket-1")
    assert sync(desk, one)[0]["ticket"]["status"] == "called"


def test_refusals_are_per_entry_and_lose_nothing_else(desk):
    lease(desk, count=3)
    k2 = lease(desk, KIOSK_2, lane="lansia", count=1)[0]  # A004
    good = [entry("A001", at(8, 30)), entry("A002", at(8, 30)), entry("A003", at(8, 30))]
    bad = [
        entry(k2, at(8, 30), lane="lansia"),  # leased to kiosk-2
        entry("A009", at(8, 30)),  # leased to nobody
        entry("A001", at(8, 30), lane="lansia"),  # leased for another lane
        entry("A002", at(8, 30), service="paspor-ganti"),  # ... another service
        entry("A003", datetime(2024, 1, 7, 12, 0, tzinfo=at(8).tzinfo)),  # another day
        entry("A003", at(8, 30) + timedelta(days=1)),  # tomorrow
    ]
    batch = [bad[0], bad[2], good[0], bad[1], bad[3], good[1], bad[4], bad[5], good[2]]
    answers = sync(desk, *batch)
    assert [a["ok"] for a in answers] == [False, False, True, False, False, True, False,
                                          False, True]
    assert [a["id"] for a in answers] == [e["id"] for e in batch]
    assert "A004" in refused(answers[0])
    assert "paspor-baru/reguler" in refused(answers[1])  # names what it was leased for
    assert "A009" in refused(answers[3])
    assert "paspor-baru/reguler" in refused(answers[4])
    assert "2024-01-08" in refused(answers[6])
    refused(answers[7])
    assert desk.names().count("offline_ticket_refused") == 6
    assert sorted(tk.number for tk in desk.engine.tickets.values()) == ["A001", "A002", "A003"]
    # kiosk-2's number is still its own
    assert sync(desk, entry(k2, at(8, 30), lane="lansia", kiosk="kiosk-2"),
                actor=KIOSK_2)[0]["ok"]
    # a number used is not used twice, by another id
    assert "A001" in refused(sync(desk, entry("A001", at(8, 30)))[0])


def test_malformed_entries_are_refused_each_on_its_own(desk):
    lease(desk, count=1)
    good = entry("A001", at(8, 30))
    without_id = [
        "not an object", None, [], {},
        {**good, "id": "k_kiosk-2_00000001-aaaa"},  # another kiosk's id space
        {**good, "id": "t_20240108_A001"},
        {**good, "id": "k_kiosk-1_" + "x" * 65},
        {**good, "id": "k_kiosk-1_0000/../0001"},
        {**good, "id": 7},
    ]
    malformed = [
        {**good, "number": "A" * 5000},
        {**good, "number": "a001"},
        {**good, "number": 1},
        {**good, "service": "s" * 101},
        {**good, "service": None},
        {**good, "lane": ["reguler"]},
        {**good, "lang": "fr"},
        {**good, "issued_at": "yesterday"},
        {**good, "issued_at": "2024-01-08"},  # a date alone
        {**good, "issued_at": "2024-01-08T08:30:00+20:00"},
        {**good, "issued_at": 1704677400},
        {**good, "token": "short"},
        {**good, "token": "x" * 22 + "\n"},
        {**good, "token": "<script>alert(1)</script>abcdefgh"},
    ]
    answers = sync(desk, *without_id, *malformed, good)
    assert all(refused(a, "bad_request") for a in answers[:-1])
    assert [a["id"] for a in answers[:-1]] == [None] * len(without_id) + [good["id"]] * len(
        malformed)
    assert "'id'" in answers[4]["error"]["message"]  # names the field
    assert "'number'" in answers[len(without_id)]["error"]["message"]
    assert answers[-1]["ok"] and answers[-1]["ticket"]["number"] == "A001"
    assert desk.names().count("offline_ticket_refused") == len(without_id) + len(malformed)
    assert list(desk.engine.tickets) == ["t_20240108_A001"]


def test_the_kiosks_status_token_makes_the_printed_qr_work(desk):
    lease(desk, count=2)
    token = "Abcdefghijklmnopqrstu_-"
    answer = sync(desk, entry("A001", at(8, 30), token=token))[0]
    assert answer["ticket"]["status_url"].endswith(f"/t/{token}")
    assert desk.engine.find_by_token(token).number == "A001"
    # a token already used is refused (each ticket's link is its own)
    assert "A002" in refused(sync(desk, entry("A002", at(8, 30), token=token))[0])
    # without one, the server makes one
    assert sync(desk, entry("A002", at(8, 30)))[0]["ticket"]["status_url"].split("/t/")[1]


def test_an_empty_sync_changes_nothing(desk):
    assert sync(desk) == []
    assert desk.events == []


# ------------------------------------------------------------------ restart and rollover
def restarted(desk: Desk, records: dict[str, dict[str, Any]], meta: list) -> Desk:
    """The engine rebuilt from what the store kept (every drain so far)."""
    changes = desk.engine.drain_changes()
    records.update({rec["id"]: rec for rec in changes.tickets})
    if changes.meta is not None:
        meta[0] = changes.meta
    again = Desk(desk.engine.config, desk.now)
    again.engine = Engine.restore(desk.engine.config, desk.now, meta[0], list(records.values()),
                                  [], [])
    return again


def test_leases_survive_a_restart(desk):
    records: dict[str, dict[str, Any]] = {}
    meta: list = [None]
    desk.issue()
    assert lease(desk, count=3) == ["A002", "A003", "A004"]
    desk = restarted(desk, records, meta)
    assert desk.issue()["number"] == "A005"  # numbering still skips the lease
    desk = restarted(desk, records, meta)
    assert desk.issue()["number"] == "A006"
    assert desk.engine.issued["paspor-baru/reguler"] == 6
    one = entry("A003", at(8, 30))
    assert sync(desk, one)[0]["ok"]
    desk = restarted(desk, records, meta)
    # exactly once across the restart too; the other leases still held
    assert sync(desk, one)[0]["ticket"]["number"] == "A003"
    assert desk.names().count("ticket_issued") == 0
    assert sync(desk, entry("A002", at(8, 30)))[0]["ok"]
    assert desk.engine.issued["paspor-baru/reguler"] == 6
    assert desk.ok("lease_numbers", KIOSK, service="paspor-baru", lane="reguler",
                   count=5)["held"] == ["A004", "A007", "A008", "A009", "A010"]


def test_leases_expire_at_the_days_rollover(desk):
    lease(desk, count=2)
    sync(desk, entry("A001", at(8, 30)))
    late = entry("A002", at(15, 0))
    desk.now = at(8, 30) + timedelta(days=1)  # Tuesday
    desk.issue()
    assert desk.engine.leases == {} and desk.engine.offline_ids == {}
    assert desk.last("ticket_issued")["ticket"]["number"] == "A001"  # a new day's numbers
    assert "2024-01-09" in refused(sync(desk, late)[0])
    assert lease(desk, count=1) == ["A002"]
