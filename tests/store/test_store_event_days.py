"""A day's events are a range of seq, found in `event_days` (each day's first seq),
instead of an index on events(day) written for every event. Real SQLite throughout."""

from __future__ import annotations

import sqlite3

import pytest

from server.engine.model import Changes
from server.store.sqlite import Store, encode_part, events_of_days

DAYS = ["2026-11-20", "2026-11-21", "2026-11-23", "2026-11-24"]  # the 22nd: closed


def add_days(store: Store) -> None:
    for day in DAYS:
        for batch in range(3):
            events = [(f"{day}T09:00:00+07:00", day, "kiosk-1", "ticket_issued", {"n": i})
                      for i in range(batch + 1)]
            store.commit_encoded([encode_part(events, Changes(), [])])


@pytest.mark.parametrize(("first", "last"), [
    ("2026-11-20", "2026-11-20"), ("2026-11-21", "2026-11-23"), ("2026-11-22", "2026-11-22"),
    ("2026-11-22", "2026-11-23"), ("2026-11-24", "2026-11-30"), (None, "2026-11-21"),
    (None, "2026-11-19"), ("2026-11-25", "2026-11-30"), ("2026-11-01", "2026-11-30")])
def test_the_seq_range_of_days_is_exactly_their_events(tmp_path, first, last):
    store = Store(tmp_path / "a.db")
    add_days(store)
    where, params = events_of_days(store.conn, first, last)
    by_range = store.conn.execute(f"SELECT seq FROM events WHERE {where} ORDER BY seq",
                                  params).fetchall()
    by_day = store.conn.execute("SELECT seq FROM events WHERE day BETWEEN ? AND ? "
                                "ORDER BY seq", [first or "", last]).fetchall()
    assert by_range == by_day
    assert "day" not in where  # found by seq, not by scanning a day column
    store.close()


def test_each_day_is_listed_once_with_its_first_event(tmp_path):
    store = Store(tmp_path / "a.db")
    add_days(store)
    assert store.conn.execute("SELECT day, first_seq FROM event_days ORDER BY day"
                              ).fetchall() == [(d, 1 + 6 * i) for i, d in enumerate(DAYS)]
    assert store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                              "tbl_name = 'events'").fetchall() == []
    store.close()


def test_a_day_begun_in_a_commit_that_failed_is_listed_by_the_next(tmp_path):
    store = Store(tmp_path / "a.db")
    add_days(store)
    new_day = [("2026-11-25T08:00:00+07:00", "2026-11-25", "kiosk-1", "ticket_issued", {})]
    store.begin_commit([encode_part(new_day, Changes(), [])])
    _fail_open_commit(store)
    store.clear_failure()
    store.commit_encoded([encode_part(new_day, Changes(), [])])
    assert store.conn.execute("SELECT first_seq FROM event_days WHERE day = '2026-11-25'"
                              ).fetchone() == (25,)
    store.close()


def _fail_open_commit(store: Store) -> None:
    """What a failed COMMIT leaves: the transaction rolled back, commits refused."""
    store._abort()
    store.write_lock.release()


def test_an_older_database_gets_its_event_days_from_its_events(tmp_path):
    path = tmp_path / "a.db"
    with sqlite3.connect(path) as conn:  # before 0.4: an index on events(day)
        conn.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, at TEXT, day TEXT, "
                     "actor TEXT, name TEXT, payload TEXT)")
        conn.execute("CREATE INDEX idx_events_day ON events (day)")
        conn.executemany("INSERT INTO events VALUES (?, '', ?, 'x', 'ticket_issued', '{}')",
                         [(seq, DAYS[(seq - 1) // 4]) for seq in range(1, 13)])
        conn.execute("INSERT INTO events VALUES (99, '', NULL, 'x', 'odd', '{}')")  # no day
    store = Store(path)
    assert store.conn.execute("SELECT day, first_seq FROM event_days ORDER BY day"
                              ).fetchall() == [(DAYS[0], 1), (DAYS[1], 5), (DAYS[2], 9)]
    assert store.conn.execute("SELECT name FROM sqlite_master WHERE name = 'idx_events_day'"
                              ).fetchall() == []
    # and the next day's events keep it up to date
    store.commit_encoded([encode_part([("", DAYS[3], "x", "ticket_issued", {})],
                                      Changes(), [])])
    where, params = events_of_days(store.conn, DAYS[3], DAYS[3])
    assert store.conn.execute(f"SELECT seq FROM events WHERE {where}", params
                              ).fetchall() == [(100,)]
    store.close()
    Store(path).close()  # opening again leaves it as it is


def test_a_database_without_event_days_is_read_by_day(tmp_path):
    # a report on a copy of an older database the server never opened
    conn = sqlite3.connect(tmp_path / "old.db")
    conn.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, day TEXT)")
    conn.executemany("INSERT INTO events VALUES (?, ?)", [(1, DAYS[0]), (2, DAYS[1])])
    where, params = events_of_days(conn, DAYS[1], DAYS[1])
    assert conn.execute(f"SELECT seq FROM events WHERE {where}", params).fetchall() == [(2,)]
    where, params = events_of_days(conn, None, DAYS[0])
    assert conn.execute(f"SELECT seq FROM events WHERE {where}", params).fetchall() == [(1,)]
