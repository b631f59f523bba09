"""Engine: issuing tickets (numbers, quotas, hours, lanes) and booking check-in."""

from __future__ import annotations

import pytest
from engine_helpers import ADMIN, KIOSK, SATURDAY, Desk, at


@pytest.fixture
def desk(office):
    return Desk(office, at(8, 30))


def test_numbers_run_per_prefix_zero_padded(desk):
    assert desk.issue()["number"] == "A001"
    assert desk.issue(lane="lansia")["number"] == "A002"
    assert desk.issue("paspor-ganti")["number"] == "B001"
    third = desk.issue()
    assert third["number"] == "A003"
    assert third["status"] == "waiting" and third["stage"] == "pemeriksaan-berkas"
    assert third["id"] == "t_20240108_A003"
    assert third["status_url"].endswith("/t/" + desk.engine.tickets[third["id"]].token)
    issued = desk.last("ticket_issued")
    assert issued["ticket"]["number"] == "A003"
    assert issued["service_stats"] == {"service": "paspor-baru", "waiting": 3,
                                       "estimated_wait_s": issued["service_stats"][
                                           "estimated_wait_s"]}


def test_ahead_counts_only_who_is_called_first(desk):
    desk.issue()  # reguler
    desk.issue(lane="lansia")
    reg = desk.issue()
    assert reg["ahead"] == 2  # a regular waits behind everyone
    prio = desk.issue(lane="disabilitas")
    assert prio["ahead"] == 1  # a priority ticket only behind the priority lanes


def test_unknown_service_and_lane_not_offered(desk):
    desk.err("issue_ticket", KIOSK, "not_found", service="visa", lane="reguler")
    out = desk.err("issue_ticket", KIOSK, "bad_request", service="paspor-baru", lane="vip")
    assert "vip" in out.error_message
    desk.err("issue_ticket", KIOSK, "bad_request", service="paspor-baru", lane="reguler",
             lang="fr")
    assert desk.engine.tickets == {}
    assert desk.issue(lang="en")["lang"] == "en"


def test_quota_per_service_and_lane(desk):
    # paspor-hilang: 10 regular tickets a day; the priority lanes have no quota.
    for i in range(10):
        assert desk.issue("paspor-hilang")["number"] == f"C{i + 1:03d}"
    out = desk.err("issue_ticket", KIOSK, "quota_reached", service="paspor-hilang",
                   lane="reguler")
    assert "habis" in out.error_message  # Indonesian text
    assert desk.issue("paspor-hilang", "lansia")["number"] == "C011"
    assert desk.engine.issued["paspor-hilang/reguler"] == 10


def test_quota_on_every_lane_closes_the_service(office):
    desk = Desk(office, at(8, 0))
    svc = desk.engine.service_cfg["paspor-baru"]
    for lane, n in svc.quota.items():
        desk.engine.issued[f"paspor-baru/{lane}"] = n - 1 if lane == "reguler" else n
    desk.issue()
    changed = desk.last("service_changed")["service"]
    assert changed["id"] == "paspor-baru" and changed["open"] is False
    assert changed["closed_reason"] == "quota_reached"
    desk.err("issue_ticket", KIOSK, "quota_reached", service="paspor-baru", lane="lansia")


def test_service_closed_before_opening(office):
    desk = Desk(office, at(7, 59))
    out = desk.err("issue_ticket", KIOSK, "service_closed", service="informasi", lane="reguler")
    assert "belum dibuka" in out.error_message
    desk.advance(minutes=1)
    assert desk.issue("informasi")["number"] == "F001"


def test_service_closed_after_its_cutoff(office):
    desk = Desk(office, at(11, 59))
    desk.issue()
    desk.advance(minutes=1)  # paspor-baru stops issuing at 12:00 …
    out = desk.err("issue_ticket", KIOSK, "service_closed", service="paspor-baru",
                   lane="reguler")
    assert "ditutup" in out.error_message
    assert desk.issue("informasi")["number"] == "F001"  # … information runs until 16:00
    desk.now = at(16, 0)
    desk.err("issue_ticket", KIOSK, "service_closed", service="informasi", lane="reguler")


def test_service_closed_on_a_non_working_day(office):
    desk = Desk(office, at(10, 0, SATURDAY))
    out = desk.err("issue_ticket", KIOSK, "service_closed", service="informasi",
                   lane="reguler")
    assert "tutup hari ini" in out.error_message
    snap = desk.engine.snapshot(desk.now, "admin")
    assert {s["closed_reason"] for s in snap["services"]} == {"not_working_day"}


def test_tick_reports_services_opening_and_closing(office):
    desk = Desk(office, at(7, 0))
    assert desk.engine.tick(at(7, 30)) == [] or all(
        n != "service_changed" for n, _ in desk.engine.tick(at(7, 30)))
    events = desk.engine.tick(at(8, 0))
    opened = {d["service"]["id"] for n, d in events if n == "service_changed"}
    assert opened == {s.id for s in office.services}
    events = desk.engine.tick(at(10, 0))
    closed = [d["service"] for n, d in events if n == "service_changed"]
    assert [(s["id"], s["closed_reason"]) for s in closed] == [("percepatan", "after_cutoff")]


BOOKING = {"code": "bk-001", "service": "paspor-baru", "slot_start": "2024-01-08T10:00"}


def test_import_bookings_and_check_in_on_time(desk):
    assert desk.ok("import_bookings", ADMIN, bookings=[BOOKING])["imported"] == 1
    assert desk.last("bookings_imported") == {"count": 1}
    desk.now = at(9, 0)  # 60 minutes early is allowed
    ticket = desk.ok("check_in", KIOSK, booking_code=" BK-001 ")
    assert ticket["number"] == "A001" and ticket["booked"] is True
    assert ticket["booking_slot"].startswith("2024-01-08T10:00")
    assert desk.last("ticket_issued")["checked_in"] is True
    # used: the code is forgotten (not kept alongside the ticket)
    assert "BK-001" not in desk.engine.bookings
    changes = desk.engine.drain_changes()
    assert changes.removed_bookings == ["BK-001"]
    assert all("BK-001" not in str(rec) for rec in changes.tickets)
    desk.err("check_in", KIOSK, "not_found", booking_code="BK-001")


def test_check_in_too_early_too_late_unknown(desk):
    desk.ok("import_bookings", ADMIN, bookings=[BOOKING, {**BOOKING, "code": "BK-002",
                                                          "slot_end": "2024-01-08T10:30"}])
    desk.now = at(8, 59)
    out = desk.err("check_in", KIOSK, "invalid_state", booking_code="BK-001")
    assert "10:00" in out.error_message
    desk.now = at(11, 1)  # BK-002's slot ended 10:30, +30 min grace
    desk.err("check_in", KIOSK, "invalid_state", booking_code="BK-002")
    desk.now = at(11, 30)  # BK-001 (slot to 11:00 by default) still within its grace
    assert desk.ok("check_in", KIOSK, booking_code="bk-001")["booked"]
    desk.err("check_in", KIOSK, "not_found", booking_code="NOPE")
    desk.err("check_in", KIOSK, "bad_request", booking_code=42)


@pytest.mark.parametrize("row", [
    "not a dict", {"code": "", "service": "paspor-baru", "slot_start": "2024-01-08T10:00"},
    {"code": "X", "service": "visa", "slot_start": "2024-01-08T10:00"},
    {"code": "X", "service": "paspor-baru", "slot_start": "tomorrow"},
    {"code": "X", "service": "paspor-baru", "slot_start": "2024-01-08T10:00", "lane": "vip"},
])
def test_import_bookings_rejects_bad_rows_whole(desk, row):
    out = desk.err("import_bookings", ADMIN, "bad_request", bookings=[BOOKING, row])
    assert "2" in out.error_message  # names the row
    assert desk.engine.bookings == {}


def test_import_bookings_needs_a_list(desk):
    desk.err("import_bookings", ADMIN, "bad_request", bookings="BK-1")
