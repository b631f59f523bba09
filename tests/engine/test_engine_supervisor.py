"""The supervisor's commands on the pure engine: issuing paused and today's quotas, a
no-show let back in at its old place, a waiting ticket moved (keeping its place or to the
front), reprints taken once by their kiosk, the calendar, and all of it surviving a
restart from the records the store keeps."""

from __future__ import annotations

from datetime import timedelta

from engine_helpers import KIOSK, Desk, at, officer

from server.engine import Actor, Engine

SUPERVISOR = Actor("supervisor", "web-1", "siti", "Siti")
REASON = {"id": "Ditutup pukul 11.00", "en": "Closed at 11:00"}


def _restarted(desk: Desk) -> Engine:
    eng = desk.engine
    return Engine.restore(eng.config, desk.now, eng.export_meta(),
                          [tk.to_record() for tk in eng.tickets.values()],
                          [c.to_record() for c in eng.counters.values()], [])


def test_a_paused_service_issues_nothing_until_it_is_resumed(office):
    desk = Desk(office, at(9, 0))
    service = desk.ok("pause_issuing", SUPERVISOR, service="paspor-baru", reason=REASON)
    assert (service["open"], service["closed_reason"]) == (False, "paused")
    assert service["issuing_paused"] == REASON
    assert desk.last("service_changed")["service"]["issuing_paused"] == REASON
    desk.err("issue_ticket", KIOSK, "service_closed", service="paspor-baru", lane="reguler")
    desk.issue("paspor-ganti")  # the others go on
    assert _restarted(desk).service_wire("paspor-baru", desk.now)["issuing_paused"] == REASON
    desk.ok("resume_issuing", SUPERVISOR, service="paspor-baru")
    assert desk.issue()["number"] == "A001"
    desk.err("pause_issuing", SUPERVISOR, "not_found", service="nope", reason=REASON)


def test_todays_quota_overrides_the_configured_one_until_the_day_ends(office):
    desk = Desk(office, at(9, 0))
    desk.ok("set_quota", SUPERVISOR, service="paspor-baru", lane="reguler", quota=2)
    desk.issue()
    desk.issue()
    desk.err("issue_ticket", KIOSK, "quota_reached", service="paspor-baru", lane="reguler")
    desk.err("set_quota", SUPERVISOR, "bad_request", service="paspor-baru", lane="nope",
             quota=1)
    desk.err("set_quota", SUPERVISOR, "bad_request", service="paspor-baru", lane="reguler",
             quota=-1)
    assert _restarted(desk).quota("paspor-baru", "reguler") == 2
    desk.now = at(9, 0, (2024, 1, 9))
    desk.engine.tick(desk.now)
    assert desk.engine.quota("paspor-baru", "reguler") == office.service("paspor-baru").quota[
        "reguler"]


def test_a_reinstated_no_show_keeps_its_place_in_line(office):
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    desk.issue()
    desk.advance(1)
    desk.issue()
    desk.advance(1)
    desk.issue()
    assert desk.call(1, "loket-1")["number"] == "A001"
    desk.ok("no_show", officer(1), counter="loket-1")
    ticket = desk.ok("reinstate", SUPERVISOR, ticket="A001")
    assert ticket["status"] == "waiting" and ticket["queued_at"] == ticket["issued_at"]
    assert desk.last("ticket_reinstated")["by"] == "siti"
    assert desk.waiting_numbers() == ["A001", "A002", "A003"]
    assert desk.call(1, "loket-1")["number"] == "A001"
    desk.err("reinstate", SUPERVISOR, "invalid_state", ticket="A002")
    desk.err("reinstate", SUPERVISOR, "not_found", ticket="Z999")


def test_moving_a_waiting_ticket_keeps_its_place_or_goes_to_the_front(office):
    desk = Desk(office, at(9, 0))
    for _ in range(3):
        desk.issue()
        desk.advance(1)
    desk.ok("move_ticket", SUPERVISOR, ticket="A003", position="front")
    assert desk.waiting_numbers()[0] == "A003"
    event = desk.last("ticket_transferred")
    assert (event["by"], event["position"]) == ("siti", "front")
    moved = desk.ok("move_ticket", SUPERVISOR, ticket="A001", lane="lansia")
    assert moved["lane"] == "lansia"
    desk.ok("move_ticket", SUPERVISOR, ticket="A002", service="paspor-ganti")
    assert desk.engine.find_ticket("A002").stage == office.service("paspor-ganti").stages[0]
    desk.ok("move_ticket", SUPERVISOR, ticket="A003", to_counter="loket-2")
    assert desk.engine.find_ticket("A003").reserved_counter == "loket-2"
    desk.err("move_ticket", SUPERVISOR, "bad_request", ticket="A003", lane="nope")
    desk.login(1, "loket-1")
    desk.call(1, "loket-1")
    called = next(tk.number for tk in desk.engine.tickets.values() if tk.status == "called")
    desk.err("move_ticket", SUPERVISOR, "invalid_state", ticket=called)


def test_a_reprint_is_taken_once_by_its_kiosk_only(office):
    desk = Desk(office, at(9, 0))
    desk.issue()
    assert desk.ok("reprint", SUPERVISOR, ticket="A001", kiosk="kiosk-1") == {}
    asked = desk.last("reprint_requested")
    assert asked["ticket"] == "A001" and asked["kiosk"] == "kiosk-1"
    desk.err("take_reprint", Actor("kiosk", "kiosk-2"), "not_found", request=asked["request"])
    ticket = desk.ok("take_reprint", KIOSK, request=asked["request"])
    assert ticket["number"] == "A001" and ticket["reprint"] is True
    desk.err("take_reprint", KIOSK, "not_found", request=asked["request"])


def test_holidays_close_every_service_and_are_kept(office):
    desk = Desk(office, at(9, 0))
    name = {"id": "Cuti bersama", "en": "Collective leave"}
    days = [{"date": "2024-01-08", "name": name}, {"date": "2024-01-09", "name": name}]
    assert desk.ok("set_holidays", SUPERVISOR, days=days)["days"] == days
    assert desk.last("calendar_changed") == {"days": days}
    assert all(s["closed_reason"] == "holiday" and s["holiday"] == name
               for s in desk.engine.snapshot(desk.now, "supervisor")["services"])
    desk.err("issue_ticket", KIOSK, "service_closed", service="paspor-baru", lane="reguler")
    assert desk.engine.snapshot(desk.now, "admin")["holidays"] == days
    assert "holidays" not in desk.engine.snapshot(desk.now, "kiosk")
    restarted = _restarted(desk)
    restarted.tick(desk.now + timedelta(days=1))  # the next day: still a holiday
    assert restarted.service_state("paspor-baru", desk.now + timedelta(days=1)) == (
        False, "holiday")
    for bad in ([{"date": "2024-13-01", "name": name}], [{"date": "2024-01-08"}], ["x"],
                days + days[:1]):
        desk.err("set_holidays", SUPERVISOR, "bad_request", days=bad)


def test_a_supervisor_acts_for_any_counter_and_on_any_ticket(office):
    desk = Desk(office, at(9, 0))
    desk.ok("open_counter", SUPERVISOR, counter="loket-4")
    desk.issue()
    cancelled = desk.ok("cancel", SUPERVISOR, ticket="A001", reason="double")
    assert cancelled["status"] == "cancelled"
    assert desk.last("ticket_cancelled")["by"] == "siti"


def test_an_officer_cancelling_at_a_counter_is_named_as_the_one_who_did(office):
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    desk.issue()
    desk.ok("cancel", officer(1), ticket="A001")
    assert desk.last("ticket_cancelled")["by"] == "budi"
