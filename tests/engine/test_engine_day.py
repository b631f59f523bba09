"""Engine: the lifecycle table, day rollover, wait estimates, and restore from records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from engine_helpers import ADMIN, KIOSK, Desk, at, officer

from server.engine import EngineError
from server.engine import lifecycle as lc
from server.engine.core import Engine
from server.engine.model import Ticket, number_parts, ticket_number


# ---------------------------------------------------------------- the lifecycle table
def _ticket(status: str) -> Ticket:
    now = at(9, 0)
    return Ticket(id="t_x", day="2024-01-08", number="A001", service="paspor-baru",
                  stage="pemeriksaan-berkas", lane="reguler", status=status, token="tok",
                  lang="id", issued_at=now, queued_at=now)


REFUSED = [(action, status) for action, status in product(lc.TRANSITIONS, lc.STATUSES)
           if status not in lc.TRANSITIONS[action]]


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_every_pair_missing_from_the_table_is_refused(office, action, status):
    engine = Engine(office, at(9, 0))
    ticket = _ticket(status)
    with pytest.raises(EngineError) as info:
        engine.move(ticket, action)
    assert info.value.code == "invalid_state"
    assert status in info.value.message("en")
    assert ticket.status == status


def test_terminal_statuses_never_move_again():
    """Except one: a supervisor lets a no-show who came back wait again (`reinstate`)."""
    for action, row in lc.TRANSITIONS.items():
        for status in lc.TERMINAL & row.keys():
            assert (action, status, row[status]) == ("reinstate", lc.NO_SHOW, lc.WAITING)


def _desk_with_statuses(office):
    """One ticket in each status a command can still reach by number."""
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    desk.login(2, "loket-2")
    desk.login(3, "loket-3")
    for _ in range(6):
        desk.issue()
    desk.serve(1, "loket-1")  # A001 done
    desk.call(1, "loket-1")
    desk.ok("no_show", officer(1), counter="loket-1")  # A002 no_show
    desk.ok("cancel", ADMIN, ticket="A003")  # A003 cancelled
    desk.call(2, "loket-2")  # A004 called at loket-2
    desk.call(3, "loket-3")
    desk.ok("start_service", officer(3), counter="loket-3")  # A005 serving at loket-3
    return desk  # A006 waiting


BY_NUMBER = {"A001": "done", "A002": "no_show", "A003": "cancelled", "A004": "called",
             "A005": "serving", "A006": "waiting"}


@pytest.mark.parametrize("number", sorted(BY_NUMBER))
def test_commands_by_number_follow_the_table(office, number):
    desk = _desk_with_statuses(office)
    status = BY_NUMBER[number]
    assert desk.status(number) == status
    for command, action in (("call_ticket", "call"), ("cancel", "cancel")):
        args = {"ticket": number}
        if command == "call_ticket":
            args["counter"] = "loket-1"
        outcome = desk.run(command, officer(1) if command == "call_ticket" else ADMIN, **args)
        if status in lc.TRANSITIONS[action]:
            assert outcome.ok, outcome.error_message
            return
        assert outcome.error_code == "invalid_state" and status in outcome.error_message


@pytest.mark.parametrize(("command", "status"), [
    ("recall", "serving"), ("start_service", "serving"), ("finish", "called"),
    ("no_show", "serving")])
def test_counter_commands_follow_the_table(office, command, status):
    desk = _desk_with_statuses(office)
    who, counter = (officer(2), "loket-2") if status == "called" else (officer(3), "loket-3")
    out = desk.err(command, who, "invalid_state", counter=counter)
    assert status in out.error_message


# ---------------------------------------------------------------- day rollover
def test_rollover_expires_leftovers_and_resets_numbers(office):
    desk = Desk(office, at(15, 0))
    desk.login(1, "loket-1")
    desk.ok("open_counter", ADMIN, counter="loket-4")
    desk.issue("informasi")
    desk.issue("informasi")
    desk.issue("izin-tinggal")
    desk.ok("import_bookings", ADMIN, bookings=[
        {"code": "OLD", "service": "paspor-baru", "slot_start": "2024-01-08T15:00"},
        {"code": "NEW", "service": "paspor-baru", "slot_start": "2024-01-09T09:00"}])
    desk.engine.drain_changes()
    desk.now = at(8, 0, (2024, 1, 9))
    fresh = desk.issue("informasi")
    assert fresh["number"] == "F001" and fresh["id"] == "t_20240109_F001"
    rolled = desk.last("day_rolled_over")
    assert rolled["day"] == "2024-01-09" and rolled["previous_day"] == "2024-01-08"
    assert sorted(rolled["expired"]) == ["t_20240108_E001", "t_20240108_F001",
                                         "t_20240108_F002"]
    closed = {d["counter"]["id"] for n, d in desk.events if n == "counter_closed"}
    assert closed == {"loket-1", "loket-4"}
    assert all(c.status == "closed" and c.officer is None
               for c in desk.engine.counters.values())
    assert desk.waiting_numbers() == ["F001"]
    assert list(desk.engine.bookings) == ["NEW"]
    # the expired tickets still reach the store
    changes = desk.engine.drain_changes()
    expired = {rec["id"]: rec["status"] for rec in changes.tickets}
    assert expired["t_20240108_F002"] == "expired"
    assert changes.meta["day"] == "2024-01-09"


def test_rollover_follows_the_office_date_not_utc(open_office):
    # 16:59 UTC is 23:59 WIB Monday; 17:00 UTC is already Tuesday in Jakarta while
    # the UTC date is still Monday.
    desk = Desk(open_office, datetime(2024, 1, 8, 16, 59, tzinfo=UTC))
    assert desk.issue()["id"] == "t_20240108_A001"
    assert desk.issue()["number"] == "A002"
    desk.now = datetime(2024, 1, 8, 17, 0, tzinfo=UTC)
    ticket = desk.issue()
    assert ticket["number"] == "A001" and ticket["id"] == "t_20240109_A001"
    assert desk.last("day_rolled_over")["day"] == "2024-01-09"
    assert ticket["issued_at"] == "2024-01-09T00:00:00.000+07:00"


def test_tick_alone_rolls_the_day(open_office):
    desk = Desk(open_office, at(22, 0))
    desk.issue()
    events = desk.engine.tick(at(0, 1, (2024, 1, 9)))
    assert ("day_rolled_over" in [n for n, _ in events])
    assert desk.engine.tickets == {}


# ---------------------------------------------------------------- estimated wait
def test_estimate_uses_default_minutes_until_observed(office):
    desk = Desk(office, at(9, 0))
    assert desk.issue()["estimated_wait_s"] == 0
    second = desk.issue()
    assert second["ahead"] == 1
    assert second["estimated_wait_s"] == 6 * 60  # paspor-baru default: 6 minutes
    desk.login(1, "loket-1")
    desk.call(1, "loket-1")
    desk.ok("start_service", officer(1), counter="loket-1")
    desk.advance(2)
    desk.ok("finish", officer(1), counter="loket-1")  # observed: 2 minutes
    third = desk.issue()
    assert third["ahead"] == 1 and third["estimated_wait_s"] == 120
    desk.login(2, "loket-2")  # two open counters share the line
    fourth = desk.issue()
    assert fourth["ahead"] == 2 and fourth["estimated_wait_s"] == 120
    assert desk.engine.service_stats("paspor-baru")["waiting"] == 3


# ---------------------------------------------------------------- restore
class Disk:
    """What the store keeps: rows upserted by key from each `drain_changes()`."""

    def __init__(self) -> None:
        self.meta = None
        self.tickets: dict[str, dict] = {}
        self.counters: dict[str, dict] = {}
        self.bookings: dict[str, dict] = {}

    def save(self, engine: Engine) -> None:
        changes = engine.drain_changes()
        self.tickets.update({r["id"]: r for r in changes.tickets})
        self.counters.update({r["id"]: r for r in changes.counters})
        self.bookings.update({r["code"]: r for r in changes.bookings})
        for code in changes.removed_bookings:
            self.bookings.pop(code, None)
        if changes.meta is not None:
            self.meta = changes.meta

    def restore(self, config, now) -> Engine:
        return Engine.restore(config, now, self.meta, list(self.tickets.values()),
                              list(self.counters.values()), list(self.bookings.values()))


def test_restore_reproduces_waiting_order_numbers_and_counters(office):
    desk = Desk(office, at(9, 0))
    disk = Disk()
    desk.ok("import_bookings", ADMIN, bookings=[
        {"code": "BK1", "service": "paspor-baru", "slot_start": "2024-01-08T09:30"},
        {"code": "BK2", "service": "paspor-ganti", "slot_start": "2024-01-08T11:00"}])
    desk.login(1, "loket-1")
    desk.login(3, "loket-3")
    for i, lane in enumerate(["reguler", "lansia", "reguler", "disabilitas", "reguler"]):
        desk.advance(3)
        desk.issue("paspor-baru" if i % 2 else "paspor-ganti", lane)
        disk.save(desk.engine)
    desk.ok("check_in", KIOSK, booking_code="BK1")
    desk.serve(1, "loket-1")
    desk.call(1, "loket-1")
    desk.ok("start_service", officer(1), counter="loket-1")
    desk.ok("transfer", officer(1), counter="loket-1", service="paspor-baru",
            to_counter="loket-3")
    desk.call(1, "loket-1")
    desk.ok("set_announcement", ADMIN, text="Halo")
    disk.save(desk.engine)
    desk.advance(50)  # long enough for a wait cap
    before = desk.engine

    after = disk.restore(office, desk.now)
    assert [tk.id for tk in after.waiting_order(desk.now)] == \
        [tk.id for tk in before.waiting_order(desk.now)]
    assert after.numbers == before.numbers and after.issued == before.issued
    assert {c: s.to_record() for c, s in after.counters.items()} == \
        {c: s.to_record() for c, s in before.counters.items()}
    assert after.announcement == before.announcement
    assert list(after.bookings) == ["BK2"]
    assert after.snapshot(desk.now, "admin") == before.snapshot(desk.now, "admin")
    # a console that restarts still shows why its current ticket was picked
    loket1 = next(c for c in after.snapshot(desk.now, "counter")["counters"]
                  if c["id"] == "loket-1")
    assert loket1["ticket"] and loket1["call_reason"]["code"] in ("fifo", "priority_lane",
                                                                  "appointment_slot")

    # both engines make the same next moves
    for engine in (before, after):
        got = engine.handle("call_next", {"counter": "loket-3"}, officer(3), desk.now)
        assert got.ok and got.data["reason"]["code"] == "transfer"
    assert before.handle("issue_ticket", {"service": "paspor-baru", "lane": "reguler"}, KIOSK,
                         desk.now).data["number"] == \
        after.handle("issue_ticket", {"service": "paspor-baru", "lane": "reguler"}, KIOSK,
                     desk.now).data["number"]


def test_restore_of_a_previous_day_rolls_over(office):
    desk = Desk(office, at(9, 0))
    disk = Disk()
    desk.issue()
    disk.save(desk.engine)
    later = at(9, 0) + timedelta(days=1)
    engine = disk.restore(office, later)
    assert engine.day.isoformat() == "2024-01-08"
    out = engine.handle("issue_ticket", {"service": "paspor-baru", "lane": "reguler"}, KIOSK,
                        later)
    assert out.data["number"] == "A001"
    assert ("day_rolled_over", {"day": "2024-01-09", "previous_day": "2024-01-08",
                                "expired": ["t_20240108_A001"]}) in out.events


def test_restore_keeps_fifo_among_tickets_of_one_batch(office):
    """The hub gives every command of a batch the same `now`: the restored line must still
    follow issue order, whatever order the store returns the rows in."""
    desk = Desk(office, at(9, 0))
    disk = Disk()
    for _ in range(5):
        desk.issue()  # same instant
    disk.save(desk.engine)
    rows = sorted(disk.tickets.values(), key=lambda r: r["number"], reverse=True)
    engine = Engine.restore(office, desk.now, disk.meta, rows, list(disk.counters.values()),
                            [])
    assert [tk.number for tk in engine.waiting_order(desk.now)] == \
        ["A001", "A002", "A003", "A004", "A005"]
    engine.handle("login", {"counter": "loket-1"}, officer(1), desk.now)
    got = engine.handle("call_next", {"counter": "loket-1"}, officer(1), desk.now)
    assert got.data["number"] == "A001"


def test_an_issue_leaves_the_meta_record_alone_and_restore_counts_from_the_tickets(office):
    """Issuing does not rewrite the meta record (one WAL page a commit): today's numbers
    and quota counts come back from the tickets, exact even when the record is older
    than the newest tickets and one of those was transferred since."""
    desk = Desk(office, at(9, 0))
    disk = Disk()
    desk.login(1, "loket-1")
    desk.issue("paspor-hilang")
    disk.save(desk.engine)
    assert disk.meta is not None
    stale = disk.meta
    for _ in range(6):
        desk.issue("paspor-hilang")
        desk.issue("paspor-baru", "lansia")
        assert desk.engine.take_meta() is None  # nothing for the meta record
        disk.save(desk.engine)
    desk.call(1, "loket-1")
    desk.ok("transfer", officer(1), counter="loket-1", service="paspor-baru")
    disk.save(desk.engine)
    disk.meta = stale  # as if every later commit had left it as it was
    # the ticket issued before the record was written came from an older version,
    # without issued_as: the record counted it
    first = next(r for r in disk.tickets.values() if r["number"] == "C001")
    first["issued_as"] = None
    after = disk.restore(office, desk.now)
    assert after.numbers == desk.engine.numbers == {"C": 7, "A": 6}
    assert after.issued == desk.engine.issued == {"paspor-hilang/reguler": 7,
                                                  "paspor-baru/lansia": 6}
    # paspor-hilang's regular quota is 10: three more, then refused, in both engines
    for engine in (desk.engine, after):
        numbers = [engine.handle("issue_ticket", {"service": "paspor-hilang",
                                                  "lane": "reguler"}, KIOSK, desk.now)
                   for _ in range(4)]
        assert [o.data["number"] for o in numbers[:3]] == ["C008", "C009", "C010"]
        assert numbers[3].error_code == "quota_reached"


def test_a_service_closed_by_its_quota_is_written_to_the_meta_record(office):
    desk = Desk(office, at(8, 0))
    svc = desk.engine.service_cfg["paspor-baru"]
    for lane, n in svc.quota.items():
        desk.engine.issued[f"paspor-baru/{lane}"] = n - 1 if lane == "reguler" else n
    desk.engine.take_meta()
    desk.issue()
    meta = desk.engine.take_meta()
    assert meta is not None and meta["service_open"]["paspor-baru"] is False


def test_an_engine_restored_from_nothing_writes_its_meta_record_first(office):
    # the record says which day the tickets on disk belong to: without it a restart
    # would find none of them, and issuing alone does not mark it
    engine = Engine.restore(office, at(9, 0), None, [], [], [])
    assert engine.take_meta()["day"] == "2024-01-08"
    assert engine.take_meta() is None


def test_restore_skips_a_number_it_cannot_read_and_counts_the_others(office):
    desk = Desk(office, at(9, 0))
    disk = Disk()
    desk.issue()
    disk.save(desk.engine)
    stale = disk.meta
    desk.issue()
    disk.save(desk.engine)
    odd = dict(next(iter(disk.tickets.values())), id="t_20240108_odd", number="tiket")
    disk.tickets[odd["id"]] = odd  # hand-edited database: not a number the engine makes
    disk.meta = stale
    after = disk.restore(office, desk.now)
    assert after.numbers == {"A": 2} and after.issued == {"paspor-baru/reguler": 2}


def test_number_parts_reads_what_ticket_number_writes():
    assert number_parts(ticket_number("A", 7)) == ("A", 7)
    assert number_parts(ticket_number("PB", 1234)) == ("PB", 1234)
    for bad in ("tiket", "", None, 12):
        assert number_parts(bad) is None
