"""Every status a ticket or a counter takes comes from the lifecycle tables: an officer's
login and logout, a counter closed by the day's end, tickets expired by it. The tables
read as a spec."""

from __future__ import annotations

import ast
from itertools import product
from pathlib import Path

import pytest
from engine_helpers import ADMIN, Desk, at, officer

from server.engine import lifecycle as lc

ENGINE = Path(__file__).resolve().parents[2] / "server" / "engine"


def test_only_the_lifecycle_module_sets_a_status():
    """No code of the engine but `lifecycle.move` / `move_counter` assigns a status."""
    setters = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else [])
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr == "status":
                        setters.append((path.relative_to(ENGINE).as_posix(), node.lineno))
    assert {path for path, _ in setters} == {"lifecycle.py"}, setters
    assert len(setters) == 2  # move and move_counter


def test_the_tables_name_only_known_statuses():
    for row in lc.TRANSITIONS.values():
        assert set(row) | set(row.values()) <= set(lc.STATUSES)
    for row in lc.COUNTER_TRANSITIONS.values():
        assert set(row) | set(row.values()) <= set(lc.COUNTER_STATUSES)
    # an officer may log in at a counter in any status; closing closes from any other
    assert set(lc.COUNTER_TRANSITIONS["login"]) == set(lc.COUNTER_STATUSES)
    for action in ("close", "logout"):
        assert lc.COUNTER_TRANSITIONS[action] == {lc.COUNTER_OPEN: lc.COUNTER_CLOSED,
                                                  lc.COUNTER_PAUSED: lc.COUNTER_CLOSED}
    assert lc.CALLING == {lc.COUNTER_OPEN}


REFUSED = [(action, status) for action, status in
           product(lc.COUNTER_TRANSITIONS, lc.COUNTER_STATUSES)
           if status not in lc.COUNTER_TRANSITIONS[action]]


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_a_counter_move_the_table_lacks_is_refused(office, action, status):
    desk = Desk(office, at(9, 0))
    state = desk.engine.counters["loket-1"]
    state.status = status
    with pytest.raises(Exception) as info:
        desk.engine.move_counter(state, action)
    assert info.value.code == "invalid_state" and status in info.value.message("en")
    assert state.status == status
    assert not desk.engine.drain_changes().counters


# ---------------------------------------------------------------- login and logout
def test_login_opens_a_closed_counter_and_logout_closes_it(office):
    desk = Desk(office, at(9, 0))
    assert desk.engine.counters["loket-1"].status == lc.COUNTER_CLOSED
    assert desk.login(1, "loket-1")["counter"]["status"] == lc.COUNTER_OPEN
    desk.ok("logout", officer(1))
    state = desk.engine.counters["loket-1"]
    assert (state.status, state.officer, state.session) == (lc.COUNTER_CLOSED, None, None)
    assert desk.names()[-2:] == ["officer_logged_out", "counter_closed"]
    assert desk.last("counter_closed")["reason"] == "logout"
    # logged out: nothing to log out from
    desk.err("logout", officer(1), "invalid_state")


def test_a_paused_counter_stays_paused_when_its_officer_logs_in_again(office):
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    desk.ok("pause", officer(1), counter="loket-1", reason="istirahat")
    assert desk.login(1, "loket-1")["counter"]["status"] == lc.COUNTER_PAUSED
    desk.ok("logout", officer(1))  # a paused counter closes on logout
    assert desk.engine.counters["loket-1"].status == lc.COUNTER_CLOSED


def test_logging_in_elsewhere_closes_the_counter_left(office):
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    desk.login(1, "loket-2")
    left, now = desk.engine.counters["loket-1"], desk.engine.counters["loket-2"]
    assert (left.status, left.officer) == (lc.COUNTER_CLOSED, None)
    assert (now.status, now.officer) == (lc.COUNTER_OPEN, "budi")
    closed = [data for name, data in desk.events if name == "counter_closed"]
    assert [c["reason"] for c in closed] == ["moved"]


def test_an_admin_closes_an_open_counter_once(office):
    desk = Desk(office, at(9, 0))
    desk.ok("open_counter", ADMIN, counter="loket-3")
    desk.ok("close_counter", ADMIN, counter="loket-3")
    out = desk.err("close_counter", ADMIN, "invalid_state", counter="loket-3")
    assert "closed" in out.error_message


# ---------------------------------------------------------------- the day's end
def test_rollover_expires_active_tickets_and_closes_counters_by_the_tables(office):
    desk = Desk(office, at(10, 0))
    desk.login(1, "loket-1")
    desk.login(2, "loket-2")
    for _ in range(4):
        desk.issue()
    desk.serve(1, "loket-1")  # A001 done
    desk.call(1, "loket-1")  # A002 called
    desk.ok("pause", officer(2), counter="loket-2")  # loket-2 paused
    desk.ok("cancel", ADMIN, ticket="A004")  # A004 cancelled; A003 waits
    desk.engine.drain_changes()
    desk.now = at(7, 0, day=(2024, 1, 9))
    events = desk.engine.tick(desk.now)
    names = [name for name, _ in events]
    assert names.count("counter_closed") == 2 and names.count("officer_logged_out") == 2
    assert all(data["reason"] == "day_end" for name, data in events if name == "counter_closed")
    rolled = next(data for name, data in events if name == "day_rolled_over")
    assert sorted(rolled["expired"]) == ["t_20240108_A002", "t_20240108_A003"]
    # what the store gets: the expired tickets, left alone the finished ones
    changes = desk.engine.drain_changes()
    assert {r["number"]: r["status"] for r in changes.tickets} == {
        "A002": lc.EXPIRED, "A003": lc.EXPIRED}
    assert all(r["status"] == lc.COUNTER_CLOSED and r["officer"] is None and r["ticket"] is None
               for r in changes.counters)
    assert len(changes.counters) == len(office.counters)
    assert desk.engine.tickets == {} and desk.engine.waiting_order(desk.now) == []
