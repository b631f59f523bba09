"""PIN lockouts per (device, officer id). Before, five wrong PINs from ANY device locked
the officer out everywhere for five minutes (anyone with a paired console could keep
every officer out for good), and an unknown id was never locked, which told apart the
ids that exist. Now a device that guesses locks only itself out for that id, lockouts
grow (1, 2, 4 ... 60 minutes), and an unknown id is answered exactly like a known one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.store.sqlite import LOCKOUT_AFTER, LOCKOUT_MAX_MINUTES, Store
from tests.integration.ws_helpers import device

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "antrean.db")
    store.add_officer("budi", "Budi Santoso", "1234")
    store.add_officer("sari", "Sari Dewi", "5678")
    yield store
    store.close()


def wrong_pins(store: Store, officer: str, device: str, now: datetime, n: int) -> list:
    return [store.verify_officer(officer, "0000", now, device) for _ in range(n)]


def test_a_guessing_device_locks_only_itself_out(store):
    answers = wrong_pins(store, "budi", "console-1", T0, LOCKOUT_AFTER)
    assert answers == [("bad", None, 0)] * (LOCKOUT_AFTER - 1) + [("locked", None, 1)]
    # the right PIN does not help the guessing device while it is locked
    assert store.verify_officer("budi", "1234", T0, "console-1") == ("locked", None, 1)
    # budi logs in at another counter; sari at the guessing one
    assert store.verify_officer("budi", "1234", T0, "console-2") == ("ok", "Budi Santoso", 0)
    assert store.verify_officer("sari", "5678", T0, "console-1") == ("ok", "Sari Dewi", 0)


def test_lockouts_grow_to_an_hour_and_a_right_pin_starts_over(store):
    now = T0
    assert wrong_pins(store, "budi", "console-1", now, LOCKOUT_AFTER)[-1] == ("locked", None, 1)
    minutes = []
    for _ in range(8):  # each wrong PIN after a lockout locks again, twice as long
        now += timedelta(minutes=minutes[-1] if minutes else 1, seconds=1)
        verdict, _, locked_for = store.verify_officer("budi", "0000", now, "console-1")
        assert verdict == "locked"
        minutes.append(locked_for)
    assert minutes == [2, 4, 8, 16, 32, LOCKOUT_MAX_MINUTES, LOCKOUT_MAX_MINUTES,
                       LOCKOUT_MAX_MINUTES]
    # still locked a minute before the end, with the time left
    assert store.verify_officer("budi", "1234", now + timedelta(minutes=59), "console-1") == \
        ("locked", None, 1)
    now += timedelta(minutes=60, seconds=1)
    assert store.verify_officer("budi", "1234", now, "console-1") == ("ok", "Budi Santoso", 0)
    # started over: four wrong PINs are only wrong again, the fifth locks for a minute
    assert wrong_pins(store, "budi", "console-1", now, LOCKOUT_AFTER)[-2:] == \
        [("bad", None, 0), ("locked", None, 1)]


def test_unknown_and_known_ids_are_answered_alike(store):
    def attempts(officer: str) -> list:
        now, out = T0, []
        for i in range(LOCKOUT_AFTER + 3):
            out.append(store.verify_officer(officer, "0000", now, "console-1"))
            if i >= LOCKOUT_AFTER:
                now += timedelta(minutes=out[-1][2], seconds=1)  # wait out the lockout
        return out

    known, unknown = attempts("budi"), attempts("ghost")
    assert known == unknown
    assert known[LOCKOUT_AFTER - 1][0] == "locked"  # and both were locked out


def test_lockouts_are_in_the_database(store, tmp_path):
    wrong_pins(store, "budi", "console-1", T0, LOCKOUT_AFTER)
    store.close()
    reopened = Store(tmp_path / "antrean.db")  # a restart does not unlock
    try:
        assert reopened.verify_officer("budi", "1234", T0, "console-1")[0] == "locked"
    finally:
        reopened.close()


def test_clearing_an_officers_lockouts(store):
    for console in ("console-1", "console-2"):
        wrong_pins(store, "budi", console, T0, LOCKOUT_AFTER)
    wrong_pins(store, "sari", "console-1", T0, LOCKOUT_AFTER)
    assert store.clear_lockouts("budi") == 2
    for console in ("console-1", "console-2"):
        assert store.verify_officer("budi", "1234", T0, console) == ("ok", "Budi Santoso", 0)
    assert store.verify_officer("sari", "5678", T0, "console-1")[0] == "locked"  # not hers
    assert store.clear_lockouts("nobody") == 0


# ---------------------------------------------------------------- through the real server
def test_a_console_guessing_pins_cannot_lock_an_officer_out_of_other_counters(live_server):
    attacker = device(live_server, "console-1")
    for _ in range(LOCKOUT_AFTER - 1):
        attacker.refused("login", "unauthorized", officer="budi", pin="0000", counter="loket-1")
    attacker.refused("login", "locked_out", officer="budi", pin="0000", counter="loket-1")
    attacker.refused("login", "locked_out", officer="budi", pin="1234", counter="loket-1")

    desk = device(live_server, "console-2")
    login = desk.ok("login", officer="budi", pin="1234", counter="loket-2")
    assert login["officer"]["id"] == "budi"
    attacker.close()
    desk.close()


def test_the_server_answers_unknown_and_known_ids_alike(live_server):
    console = device(live_server, "console-1")

    def answers(officer: str) -> list:
        out = []
        for _ in range(LOCKOUT_AFTER + 2):
            res = console.command("login", officer=officer, pin="0000", counter="loket-1")
            out.append((res["ok"], res["error"]["code"], res["error"]["message"]))
        return out

    known, unknown = answers("budi"), answers("ghost")
    assert known == unknown
    assert known[-1][1] == "locked_out"
    console.close()
