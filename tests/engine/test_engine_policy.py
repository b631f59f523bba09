"""Engine: the calling policy — every reason a ticket is picked, and what a counter may call."""

from __future__ import annotations

import pytest
from engine_helpers import ADMIN, KIOSK, Desk, at, officer


@pytest.fixture
def desk(office):
    d = Desk(office, at(9, 0))
    d.login(1, "loket-1")
    return d


def test_priority_lane_before_regular(desk):
    desk.issue()
    desk.advance(1)
    desk.issue(lane="lansia")
    desk.advance(1)
    called = desk.call(1, "loket-1")
    assert called["number"] == "A002" and called["status"] == "called"
    assert called["reason"] == {"code": "priority_lane", "text": "lane lansia (priority)",
                                "params": {"lane": "lansia"}}
    event = desk.last("ticket_called")
    assert event["reason"]["code"] == "priority_lane"
    assert event["counter"] == "loket-1" and event["counter_name"] == "Loket 1"
    assert event["officer"] == "budi"


def test_fifo_within_regular_lane(desk):
    desk.issue()
    desk.advance(1)
    desk.issue()
    first = desk.serve(1, "loket-1")
    assert first["number"] == "A001" and first["reason"]["code"] == "fifo"
    assert desk.call(1, "loket-1")["number"] == "A002"


def test_priority_lanes_share_one_arrival_order(desk):
    desk.issue(lane="ibu-anak")
    desk.advance(1)
    desk.issue(lane="disabilitas")
    assert desk.serve(1, "loket-1")["lane"] == "ibu-anak"


def test_wait_cap_puts_a_long_waiting_regular_first(desk):
    desk.issue()  # 09:00
    desk.advance(40)
    desk.issue(lane="lansia")  # 09:40
    desk.advance(7)  # 09:47: the regular ticket has waited 47 minutes
    called = desk.call(1, "loket-1")
    assert called["number"] == "A001"
    assert called["reason"]["code"] == "wait_cap"
    assert called["reason"]["text"] == "regular waited 47 min > 45"
    assert called["reason"]["params"] == {"waited_min": 47, "cap_min": 45, "lane": "reguler"}


def test_at_exactly_the_cap_priority_still_wins(desk):
    desk.issue()
    desk.advance(44)
    desk.issue(lane="lansia")
    desk.advance(1)  # waited exactly 45: not longer than the cap
    assert desk.call(1, "loket-1")["reason"]["code"] == "priority_lane"


def test_interleave_one_regular_after_three_priority_calls(desk):
    assert desk.engine.config.policy.interleave_after == 3
    desk.issue()  # A001 regular
    for _ in range(5):
        desk.advance(1)
        desk.issue(lane="disabilitas")
    reasons = []
    for _ in range(5):
        desk.advance(1)
        called = desk.serve(1, "loket-1")
        reasons.append((called["number"], called["reason"]["code"]))
    assert reasons == [("A002", "priority_lane"), ("A003", "priority_lane"),
                       ("A004", "priority_lane"), ("A001", "interleave"),
                       ("A005", "priority_lane")]
    text = next(d["reason"]["text"] for n, d in desk.events
                if n == "ticket_called" and d["reason"]["code"] == "interleave")
    assert text == "one regular after 3 priority calls"


def test_interleave_count_is_per_counter(desk):
    desk.login(2, "loket-2")
    desk.issue()
    for _ in range(6):
        desk.issue(lane="lansia")
    desk.serve(1, "loket-1")
    desk.serve(1, "loket-1")
    desk.serve(2, "loket-2")  # loket-2 has made one priority call: no interleave there
    assert desk.serve(2, "loket-2")["reason"]["code"] == "priority_lane"
    assert desk.serve(1, "loket-1")["reason"]["code"] == "priority_lane"  # loket-1's third


def test_manual_calls_do_not_count_toward_interleave(desk):
    desk.issue()
    for _ in range(4):
        desk.issue(lane="lansia")
    desk.serve(1, "loket-1")
    desk.serve(1, "loket-1")
    desk.ok("call_ticket", officer(1), counter="loket-1", ticket="A004")
    desk.ok("no_show", officer(1), counter="loket-1")
    assert desk.call(1, "loket-1")["reason"]["code"] == "priority_lane"  # A005 (3rd auto)


def test_appointment_slot_is_called_near_its_slot(desk):
    desk.ok("import_bookings", ADMIN, bookings=[
        {"code": "BK1", "service": "paspor-baru", "slot_start": "2024-01-08T10:00"}])
    desk.ok("check_in", KIOSK, booking_code="BK1")  # 09:00, slot 10:00
    desk.advance(10)
    desk.issue()  # walk-in at 09:10
    desk.advance(5)
    early = desk.serve(1, "loket-1")  # 09:15: slot window opens 09:45
    assert early["number"] == "A002" and early["reason"]["code"] == "fifo"
    desk.issue()
    desk.now = at(9, 45)
    called = desk.call(1, "loket-1")
    assert called["number"] == "A001" and called["booked"]
    assert called["reason"]["code"] == "appointment_slot"
    assert called["reason"]["text"] == "appointment slot 10:00"


def test_early_appointment_is_called_when_nothing_else_waits(desk):
    desk.ok("import_bookings", ADMIN, bookings=[
        {"code": "BK1", "service": "paspor-baru", "slot_start": "2024-01-08T10:00"}])
    desk.ok("check_in", KIOSK, booking_code="BK1")
    called = desk.call(1, "loket-1")
    assert called["reason"] == {"code": "fifo", "text": "appointment checked in early",
                                "params": {"lane": "reguler"}}


def test_priority_before_appointment(desk):
    desk.ok("import_bookings", ADMIN, bookings=[
        {"code": "BK1", "service": "paspor-baru", "slot_start": "2024-01-08T09:00"}])
    desk.ok("check_in", KIOSK, booking_code="BK1")
    desk.issue(lane="lansia")
    assert desk.serve(1, "loket-1")["reason"]["code"] == "priority_lane"
    assert desk.call(1, "loket-1")["reason"]["code"] == "appointment_slot"


def test_counter_calls_only_its_services_and_lanes(office):
    desk = Desk(office, at(9, 0))
    desk.login(4, "loket-4")  # izin-tinggal only
    desk.issue("paspor-baru")
    desk.err("call_next", officer(4), "queue_empty", counter="loket-4")
    desk.issue("izin-tinggal")
    assert desk.call(4, "loket-4")["number"] == "E001"


def test_counter_lanes_and_stages_limit_calls(office):
    data = office.model_dump()
    data["counters"][0]["lanes"] = ["lansia"]
    data["counters"][1]["stages"] = ["pengambilan"]
    cfg = type(office).model_validate(data)
    desk = Desk(cfg, at(9, 0))
    desk.login(1, "loket-1")
    desk.login(2, "loket-2")
    desk.issue()
    desk.err("call_next", officer(1), "queue_empty", counter="loket-1")
    desk.err("call_next", officer(2), "queue_empty", counter="loket-2")
    desk.issue(lane="lansia")
    assert desk.call(1, "loket-1")["lane"] == "lansia"


def test_transfer_to_a_counter_goes_first_there_and_nowhere_else(desk):
    desk.login(2, "loket-2")
    desk.login(3, "loket-3")
    desk.issue()
    desk.advance(1)
    for _ in range(3):
        desk.issue(lane="lansia")
    first = desk.call(1, "loket-1")
    desk.ok("start_service", officer(1), counter="loket-1")
    moved = desk.ok("transfer", officer(1), counter="loket-1", service="paspor-baru",
                    to_counter="loket-3", note="foto ulang")
    assert moved["number"] == first["number"] and moved["to_counter"] == "loket-3"
    assert moved["stage"] == "foto-wawancara" and moved["status"] == "waiting"
    # loket-2 (same service) does not take it …
    assert desk.call(2, "loket-2")["number"] != first["number"]
    # … loket-3 calls it before the priority lanes
    called = desk.call(3, "loket-3")
    assert called["number"] == first["number"]
    assert called["reason"]["code"] == "transfer"
    assert called["to_counter"] is None  # the reservation is used up


def test_call_ticket_by_hand_is_audited(desk):
    desk.issue()
    desk.issue(lane="lansia")
    called = desk.ok("call_ticket", officer(1), counter="loket-1", ticket="a001")
    assert called["number"] == "A001"
    assert called["reason"] == {"code": "manual", "text": "called by hand",
                                "params": {"officer": "budi"}}
    assert desk.last("ticket_called")["reason"]["code"] == "manual"


def test_call_ticket_refusals(desk):
    desk.issue("informasi")
    desk.issue()
    desk.err("call_ticket", officer(1), "forbidden", counter="loket-1", ticket="F001")
    desk.err("call_ticket", officer(1), "not_found", counter="loket-1", ticket="Z999")
    desk.err("call_ticket", officer(1), "bad_request", counter="loket-1", ticket=7)
    desk.serve(1, "loket-1")
    out = desk.err("call_ticket", officer(1), "invalid_state", counter="loket-1",
                   ticket="A001")
    assert "done" in out.error_message


def test_call_next_needs_an_open_free_counter(desk):
    desk.issue()
    desk.issue()
    desk.call(1, "loket-1")
    out = desk.err("call_next", officer(1), "invalid_state", counter="loket-1")
    assert "A001" in out.error_message  # finish the current one first
    desk.err("call_next", officer(1), "not_found", counter="loket-99")
    desk.err("call_next", officer(1), "forbidden", counter="loket-2")  # not logged in there


def test_queue_empty(desk):
    desk.err("call_next", officer(1), "queue_empty", counter="loket-1")


def test_wait_cap_never_lifts_a_regular_above_an_older_priority_ticket(desk):
    """Overload: everyone is past the cap. The priority ticket that waited longest goes
    first (it is not starved behind every over-cap regular)."""
    desk.issue(lane="lansia")  # 09:00 A001 priority
    desk.advance(1)
    desk.issue()  # 09:01 A002 regular
    desk.advance(59)  # 10:00: both waited more than 45 minutes
    called = desk.call(1, "loket-1")
    assert called["number"] == "A001" and called["reason"]["code"] == "priority_lane"


def test_waiting_order_merges_over_cap_regulars_and_priority_by_wait(desk):
    desk.issue()  # 09:00 A001 regular
    desk.advance(10)
    desk.issue(lane="lansia")  # 09:10 A002
    desk.advance(40)
    desk.issue()  # 09:50 A003 regular, under the cap
    desk.issue(lane="disabilitas")  # 09:50 A004
    order = [tk.number for tk in desk.engine.waiting_order(desk.now)]
    assert order == ["A001", "A002", "A004", "A003"]
