"""What an officer does beyond calling and serving, on the pure engine: a no-show who
comes back within the office's minutes is taken back at the counter; a call nobody
answers becomes a no-show by itself after the office's minutes (counted from the last
recall); a transfer to the front of the new line or its back, keeping a priority lane
or not; a cancel with its reason."""

from __future__ import annotations

from engine_helpers import Desk, at, officer

from server.engine import Actor, Engine
from server.engine.model import Ticket

SUPERVISOR = Actor("supervisor", "web-1", "siti", "Siti")


def _policy(office, **values):
    return office.model_copy(update={"policy": office.policy.model_copy(update=values)})


def _no_show_at_loket_1(desk: Desk) -> dict:
    desk.login(1, "loket-1")
    desk.issue()
    desk.advance(1)
    desk.issue()
    called = desk.call(1, "loket-1")
    desk.ok("no_show", officer(1), counter="loket-1")
    return called


# ---------------------------------------------------------------- reinstate at the counter
def test_an_officer_takes_back_a_no_show_within_the_minutes_and_it_keeps_its_place(office):
    desk = Desk(_policy(office, reinstate_minutes=15), at(9, 0))
    called = _no_show_at_loket_1(desk)
    desk.advance(minutes=14, seconds=59)
    ticket = desk.ok("reinstate", officer(1), ticket=called["id"])
    assert (ticket["status"], ticket["counter"], ticket["recalls"]) == ("waiting", None, 0)
    assert ticket["queued_at"] == ticket["issued_at"]  # its old place: ahead of A002
    assert desk.last("ticket_reinstated")["by"] == "budi"
    assert desk.waiting_numbers() == ["A001", "A002"]


def test_after_the_minutes_only_a_supervisor_may_take_back_a_no_show(office):
    desk = Desk(_policy(office, reinstate_minutes=15), at(9, 0))
    called = _no_show_at_loket_1(desk)
    desk.advance(minutes=15, seconds=1)
    refused = desk.err("reinstate", officer(1), "forbidden", ticket=called["number"])
    assert "15" in refused.error_message and "A001" in refused.error_message
    assert desk.status("A001") == "no_show"  # nothing changed
    desk.ok("reinstate", SUPERVISOR, ticket="A001")
    assert desk.status("A001") == "waiting"


def test_an_officer_reinstates_only_tickets_of_their_counters_services(office):
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    desk.login(4, "loket-4")  # izin-tinggal only
    desk.issue()
    desk.call(1, "loket-1")
    desk.ok("no_show", officer(1), counter="loket-1")
    desk.err("reinstate", officer(4), "forbidden", ticket="A001")
    desk.err("reinstate", Actor("counter", "console-9", "x", "X", session="s-9"), "forbidden",
             ticket="A001")  # logged in nowhere
    desk.issue()
    desk.err("reinstate", officer(1), "invalid_state", ticket="A002")  # it is waiting


def test_with_zero_minutes_officers_never_reinstate(office):
    desk = Desk(_policy(office, reinstate_minutes=0), at(9, 0))
    called = _no_show_at_loket_1(desk)
    desk.advance(seconds=1)
    desk.err("reinstate", officer(1), "forbidden", ticket=called["id"])


# ---------------------------------------------------------------- a call nobody answers
def test_an_unanswered_call_is_a_no_show_by_itself_minutes_after_the_last_recall(office):
    desk = Desk(_policy(office, no_show_after_minutes=5, max_recalls=3), at(9, 0))
    desk.login(1, "loket-1")
    desk.issue()
    desk.issue()
    desk.call(1, "loket-1")
    desk.advance(minutes=4)
    desk.ok("recall", officer(1), counter="loket-1")
    assert desk.engine.find_ticket("A001").recalled_at == desk.now
    desk.advance(minutes=4, seconds=59)  # 8:59 after the call, 4:59 after the recall
    assert desk.engine.tick(desk.now) == []
    assert desk.status("A001") == "called"
    desk.advance(seconds=1)
    events = desk.engine.tick(desk.now)
    [(name, data)] = [e for e in events if e[0] == "ticket_no_show"]
    assert (data["ticket"]["number"], data["auto"], data["cause"]) == ("A001", True, "timeout")
    assert data["stats"]["no_show"] == 1
    assert desk.status("A001") == "no_show"
    assert desk.engine.counters["loket-1"].ticket is None
    assert desk.call(1, "loket-1")["number"] == "A002"  # the desk is free
    assert data["ticket"]["finished_at"] is not None  # the reinstate window counts from it


def test_a_started_service_and_an_office_without_the_setting_never_time_out(office):
    desk = Desk(_policy(office, no_show_after_minutes=5), at(9, 0))
    desk.login(1, "loket-1")
    desk.issue()
    desk.call(1, "loket-1")
    desk.ok("start_service", officer(1), counter="loket-1")
    desk.advance(minutes=60)
    assert [n for n, _ in desk.engine.tick(desk.now) if n == "ticket_no_show"] == []
    off = Desk(_policy(office, no_show_after_minutes=0), at(9, 0))
    off.login(1, "loket-1")
    off.issue()
    off.call(1, "loket-1")
    off.advance(minutes=120)
    off.engine.tick(off.now)
    assert off.status("A001") == "called"


def test_the_recall_clock_survives_a_restart(office):
    desk = Desk(_policy(office, no_show_after_minutes=5), at(9, 0))
    desk.login(1, "loket-1")
    desk.issue()
    desk.call(1, "loket-1")
    desk.advance(minutes=3)
    desk.ok("recall", officer(1), counter="loket-1")
    record = desk.engine.find_ticket("A001").to_record()
    assert Ticket.from_record(record).recalled_at == desk.now
    eng = desk.engine
    again = Engine.restore(eng.config, desk.now, eng.export_meta(),
                           [tk.to_record() for tk in eng.tickets.values()],
                           [c.to_record() for c in eng.counters.values()], [])
    assert again.tick(desk.now.replace(minute=7, second=59)) == []
    [name] = [n for n, _ in again.tick(desk.now.replace(minute=8)) if n == "ticket_no_show"]


# ---------------------------------------------------------------- transfer
def test_a_transfer_goes_to_the_back_by_default_or_to_the_front(office):
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    for _ in range(4):
        desk.issue()
        desk.advance(1)
    desk.call(1, "loket-1")  # A001
    desk.ok("transfer", officer(1), counter="loket-1", service="paspor-baru")
    moved = desk.engine.find_ticket("A001")
    assert moved.stage == "foto-wawancara" and moved.queued_at == desk.now
    assert desk.last("ticket_transferred")["position"] == "back"
    desk.advance(1)
    desk.call(1, "loket-1")  # A002 (the stage line of A001 is another line)
    desk.ok("transfer", officer(1), counter="loket-1", service="paspor-baru",
            stage="pemeriksaan-berkas", position="front")
    assert desk.waiting_numbers()[0] == "A002"
    assert desk.last("ticket_transferred")["position"] == "front"
    assert desk.call(1, "loket-1")["number"] == "A002"
    desk.err("transfer", officer(1), "bad_request", counter="loket-1", service="paspor-baru",
             position="keep")
    desk.err("transfer", officer(1), "bad_request", counter="loket-1", service="paspor-baru",
             position="sideways")
    assert desk.engine.counters["loket-1"].ticket == desk.engine.find_ticket("A002").id


def test_a_priority_ticket_keeps_a_priority_lane_unless_the_officer_says_not(office):
    lanes_of = {"informasi": ["reguler", "disabilitas"]}  # no lansia lane there
    services = [svc.model_copy(update={"lanes": lanes_of.get(svc.id, svc.lanes)})
                for svc in office.services]
    config = office.model_copy(update={"services": services})
    desk = Desk(config, at(9, 0))
    desk.login(1, "loket-1")
    desk.issue(lane="lansia")
    desk.issue(lane="lansia")
    desk.issue(lane="lansia")
    desk.call(1, "loket-1")
    desk.ok("transfer", officer(1), counter="loket-1", service="paspor-ganti")
    assert desk.engine.find_ticket("A001").lane == "lansia"  # offered: its own
    desk.call(1, "loket-1")
    desk.ok("transfer", officer(1), counter="loket-1", service="informasi")
    assert desk.engine.find_ticket("A002").lane == "disabilitas"  # a priority lane still
    desk.call(1, "loket-1")
    desk.ok("transfer", officer(1), counter="loket-1", service="paspor-ganti",
            keep_priority=False)
    assert desk.engine.find_ticket("A003").lane == "reguler"


# ---------------------------------------------------------------- cancel with a reason
def test_an_officer_cancels_the_current_or_a_waiting_ticket_with_a_reason(office):
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    desk.issue()
    desk.issue()
    desk.call(1, "loket-1")
    desk.ok("cancel", officer(1), ticket="A001", reason="Salah layanan: ingin paspor hilang")
    event = desk.last("ticket_cancelled")
    assert (event["reason"], event["by"]) == ("Salah layanan: ingin paspor hilang", "budi")
    assert desk.engine.counters["loket-1"].ticket is None
    desk.ok("cancel", officer(1), ticket="A002", reason="Nomor ganda")
    assert desk.status("A002") == "cancelled"
    desk.issue(service="izin-tinggal")  # E001: loket-1 does not serve it
    desk.err("cancel", officer(1), "forbidden", ticket="E001", reason="x")
    assert desk.status("E001") == "waiting"
