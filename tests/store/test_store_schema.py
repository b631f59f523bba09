"""What a commit writes, and moving an older database's command results to the
current layout. Real SQLite throughout."""

from __future__ import annotations

import json
import sqlite3

import pytest

from server.engine.model import Changes, ticket_id
from server.store.sqlite import (
    COUNTER_COLUMNS,
    TICKET_COLUMNS,
    Store,
    encode_part,
    ticket_keys,
    tickets_of_days,
)

AT, DAY = "2026-11-23T08:00:00.000+07:00", "2026-11-23"


def old_database(path) -> None:
    """Command results as before 0.3: a (device, id) primary key, two rows."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE command_results (device TEXT, id TEXT, at TEXT, "
                     "result TEXT, PRIMARY KEY (device, id))")
        conn.executemany("INSERT INTO command_results VALUES (?,?,?,?)", [
            ("kiosk-1", "b", "2026-11-23T08:00:02.000+07:00", '{"n":2}'),
            ("kiosk-1", "a", "2026-11-23T08:00:01.000+07:00", '{"n":1}')])


def test_results_of_an_older_database_move_to_a_table_without_a_key(tmp_path):
    old_database(tmp_path / "a.db")
    store = Store(tmp_path / "a.db")
    assert store.db["command_results"].pks == ["rowid"]
    indexes = store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                 "AND tbl_name = 'command_results'").fetchall()
    assert indexes == []
    # nothing lost; oldest first
    assert store.recent_results("2026-11-23T00:00:00.000+07:00") == [
        ("kiosk-1", "a", "2026-11-23T08:00:01.000+07:00", '{"n":1}'),
        ("kiosk-1", "b", "2026-11-23T08:00:02.000+07:00", '{"n":2}')]
    store.close()
    Store(tmp_path / "a.db").close()  # opening again leaves it as it is


def test_results_come_back_in_commit_order(tmp_path):
    store = Store(tmp_path / "a.db")
    for cmd_id in ("z", "a", "m"):  # ids in no order: the commit order is what counts
        store.commit_encoded([encode_part([], Changes(), [("kiosk-1", cmd_id, AT, "{}")])])
    assert [r[1] for r in store.recent_results(AT)] == ["z", "a", "m"]


def test_a_result_kept_as_its_event_is_rebuilt_as_it_was_sent(tmp_path):
    store = Store(tmp_path / "a.db")
    ticket = {"id": "t_20261123_A001", "number": "A001", "ahead": 0, "lang": "en",
              "name": "Résumé ✓", "called_at": None, "booked": False}
    sent = '{"type":"result","id":"c2","ok":true,"data":' + json.dumps(
        ticket, ensure_ascii=False, separators=(",", ":")) + "}"
    event = (AT, DAY, "kiosk-1", "ticket_issued", {"ticket": ticket, "ahead": 0})
    other = (AT, DAY, "kiosk-1", "counter_opened", {"counter": "loket-1"})
    store.commit_encoded([
        encode_part([other], Changes(), [("kiosk-1", "c1", AT, '{"n":1}')]),
        # equal is not enough: only the very object the event holds is stored as it
        encode_part([other, event], Changes(), [("kiosk-1", "c2", AT, sent, ticket),
                                                ("kiosk-1", "c3", AT, "{}", dict(ticket))])])
    assert store.conn.execute("SELECT id, result, event FROM command_results ORDER BY rowid"
                              ).fetchall() == [("c1", '{"n":1}', None), ("c2", None, 3),
                                               ("c3", "{}", None)]
    assert store.recent_results(AT) == [("kiosk-1", "c1", AT, '{"n":1}'),
                                        ("kiosk-1", "c2", AT, sent), ("kiosk-1", "c3", AT, "{}")]
    # its event purged: it cannot be rebuilt, so it is left out (a re-send runs anew)
    store.conn.execute("DELETE FROM events WHERE seq = 3")
    assert store.recent_results(AT) == [("kiosk-1", "c1", AT, '{"n":1}'),
                                        ("kiosk-1", "c3", AT, "{}")]
    store.close()


def test_the_engine_record_is_rewritten_in_place(tmp_path):
    store = Store(tmp_path / "a.db")
    for day in ("2026-11-23", "2026-11-24"):
        store.commit_encoded([encode_part([], Changes(meta={"day": day}), [])])
    rows = store.conn.execute("SELECT value FROM meta WHERE key = 'engine'").fetchall()
    assert rows == [('{"day":"2026-11-24"}',)]
    assert store.load_state()[0] == {"day": "2026-11-24"}


def test_a_changed_ticket_or_counter_is_updated_where_it_is(tmp_path):
    """An upsert, not INSERT OR REPLACE: a counter keeps its rowid (its table's pages are
    not rewritten on every call, start and finish); a ticket stays one row."""
    store = Store(tmp_path / "a.db")
    ticket = dict.fromkeys(TICKET_COLUMNS) | {"id": "t_20261123_A001", "day": DAY,
                                              "number": "A001", "status": "waiting",
                                              "recalls": 0, "transfers": 0}
    counter = dict.fromkeys(COUNTER_COLUMNS) | {"id": "loket-1", "status": "open",
                                                "consecutive_priority": 0}

    def save(**changes):
        store.commit_encoded([encode_part([], Changes(tickets=[ticket | changes],
                                                      counters=[counter | changes
                                                                if "status" in changes
                                                                else counter]), [])])

    def rows():
        return (store.conn.execute("SELECT id, status FROM tickets").fetchall(),
                store.conn.execute("SELECT rowid, status FROM counters").fetchall())

    save()
    (_, counter_rows) = rows()
    save(status="called")
    assert rows() == ([("t_20261123_A001", "called")], [(counter_rows[0][0], "called")])


def test_tickets_are_keyed_by_day_and_order_of_issue(tmp_path):
    # one B-tree written per ticket, appended to: an integer key, no index of its own
    store = Store(tmp_path / "a.db")
    (sql,) = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'tickets'"
                                ).fetchone()
    assert "key INTEGER PRIMARY KEY" in sql and "WITHOUT ROWID" not in sql.upper()
    assert store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                              "tbl_name = 'tickets'").fetchall() == []
    rows = [ticket_row("2026-11-23", n) for n in ("B001", "A001", "A1000", "A002")]
    store.commit_encoded([encode_part([], Changes(tickets=rows[:2]), [])])
    store.commit_encoded([encode_part([], Changes(tickets=rows[2:]), [])])
    store.commit_encoded([encode_part([], Changes(tickets=[
        rows[1] | {"status": "called"}, ticket_row("2026-11-24", "A001")]), [])])
    low, _ = ticket_keys("2026-11-23")
    next_low, _ = ticket_keys("2026-11-24")
    assert store.conn.execute("SELECT key, number, status FROM tickets ORDER BY key"
                              ).fetchall() == [
        (low, "B001", "waiting"), (low + 1, "A001", "called"), (low + 2, "A1000", "waiting"),
        (low + 3, "A002", "waiting"), (next_low, "A001", "waiting")]
    store.close()
    # a restarted store goes on after the day's last key, and finds the rows it has
    store = Store(tmp_path / "a.db")
    store.commit_encoded([encode_part([], Changes(tickets=[
        ticket_row("2026-11-23", "A003"), rows[0] | {"status": "done"}]), [])])
    assert store.conn.execute("SELECT key, number, status FROM tickets WHERE key >= ? AND "
                              "key < ? ORDER BY key", ticket_keys("2026-11-23")
                              ).fetchall()[-2:] == [(low + 3, "A002", "waiting"),
                                                    (low + 4, "A003", "waiting")]
    assert store.conn.execute("SELECT key, status FROM tickets WHERE number = 'B001'"
                              ).fetchall() == [(low, "done")]
    store.close()


def test_a_failed_commit_leaves_no_key_behind(tmp_path):
    store = Store(tmp_path / "a.db")
    store.commit_encoded([encode_part([], Changes(tickets=[ticket_row(DAY, "A001")]), [])])
    store.begin_commit([encode_part([], Changes(tickets=[ticket_row(DAY, "A002")]), [])])
    store._abort()  # as a failed COMMIT does
    store.write_lock.release()
    store.clear_failure()
    store.commit_encoded([encode_part([], Changes(tickets=[ticket_row(DAY, "A003")]), [])])
    low, _ = ticket_keys(DAY)
    assert store.conn.execute("SELECT key, number FROM tickets ORDER BY key").fetchall() == [
        (low, "A001"), (low + 1, "A003")]


def ticket_row(day: str, number: str, status: str = "waiting") -> dict:
    return dict.fromkeys(TICKET_COLUMNS) | {
        "id": ticket_id(day.replace("-", ""), number), "day": day, "number": number,
        "service": "paspor-baru", "status": status, "recalls": 0, "transfers": 0}


@pytest.mark.parametrize("layout", ["0.3", "0.4"])
def test_tickets_of_an_older_database_move_to_the_keyed_table(tmp_path, layout):
    # 0.3: a rowid table with an index on day, as sqlite-utils made it; 0.4: keyed by id
    path = tmp_path / "a.db"
    rows = [ticket_row("2026-11-22", "A001", "done"), ticket_row("2026-11-23", "A002"),
            ticket_row("2026-11-23", "A001"), ticket_row("2026-11-24", "B001")]
    rows[1]["issued_at"] = "2026-11-23T08:00:02.000+07:00"
    rows[2]["issued_at"] = "2026-11-23T08:00:01.000+07:00"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE tickets ({}){}".format(", ".join(
            "id TEXT PRIMARY KEY" if c == "id" else f"{c} TEXT" for c in TICKET_COLUMNS),
            " WITHOUT ROWID" if layout == "0.4" else ""))
        if layout == "0.3":
            conn.execute("CREATE INDEX idx_tickets_day ON tickets (day)")
            # a rowid table takes a NULL text key: left behind, as a malformed day is
            conn.execute("INSERT INTO tickets(id, day) VALUES (NULL, '2026-11-23')")
        conn.executemany("INSERT INTO tickets VALUES ({})".format(
            ",".join("?" * len(TICKET_COLUMNS))), [tuple(r.values()) for r in rows])
        conn.execute("INSERT INTO tickets(id, day) VALUES ('t_x', '23-11-2026')")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("""INSERT INTO meta VALUES ('engine', '{"day": "2026-11-23"}')""")
    store = Store(path)
    (sql,) = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'tickets'"
                                ).fetchone()
    assert "key INTEGER PRIMARY KEY" in sql
    low, _ = ticket_keys("2026-11-23")
    # each day's tickets in the order they were issued
    assert store.conn.execute("SELECT key, number FROM tickets ORDER BY key").fetchall() == [
        (ticket_keys("2026-11-22")[0], "A001"), (low, "A001"), (low + 1, "A002"),
        (ticket_keys("2026-11-24")[0], "B001")]
    _meta, today, _counters, _bookings = store.load_state()  # found by their keys' range
    assert sorted(t["number"] for t in today) == ["A001", "A002"]
    assert set(today[0]) == set(TICKET_COLUMNS)
    # the next ticket of the day follows the moved ones
    store.commit_encoded([encode_part([], Changes(tickets=[
        ticket_row("2026-11-23", "A003")]), [])])
    assert store.conn.execute("SELECT key FROM tickets WHERE number = 'A003'"
                              ).fetchone() == (low + 2,)
    store.close()
    Store(path).close()  # opening again leaves it as it is


@pytest.mark.parametrize("day", ["2026-11-23", "2026-12-31", "2027-01-01"])
def test_a_days_ticket_keys_are_a_range_apart_from_other_days(day):
    low, high = ticket_keys(day)
    for other in ("2026-11-22", "2026-11-24", "2026-12-30", "2027-01-02", "2025-01-01"):
        if other != day:
            other_low, other_high = ticket_keys(other)
            assert other_high <= low or other_low >= high
            assert (other_high <= low) == (other < day)
    with pytest.raises(ValueError):
        ticket_keys("20261123")


def test_days_of_tickets_by_key_and_in_a_database_the_server_never_opened(tmp_path):
    store = Store(tmp_path / "a.db")
    store.commit_encoded([encode_part([], Changes(tickets=[
        ticket_row(d, "A001") for d in ("2026-11-21", "2026-11-22", "2026-11-23")]), [])])

    def days(conn, first, last):
        where, params = tickets_of_days(conn, first, last)
        return [r[0] for r in conn.execute(f"SELECT day FROM tickets WHERE {where} "
                                            "ORDER BY day", params)]

    assert days(store.conn, "2026-11-22", "2026-11-22") == ["2026-11-22"]
    assert days(store.conn, None, "2026-11-22") == ["2026-11-21", "2026-11-22"]
    store.close()
    with sqlite3.connect(tmp_path / "old.db") as conn:  # 0.4, never opened since
        conn.execute("CREATE TABLE tickets (id TEXT PRIMARY KEY, day TEXT) WITHOUT ROWID")
        conn.executemany("INSERT INTO tickets VALUES (?, ?)",
                         [("t_20261121_A001", "2026-11-21"), ("t_20261122_A001", "2026-11-22")])
        assert days(conn, "2026-11-22", "2026-11-23") == ["2026-11-22"]
        assert days(conn, None, "2026-11-21") == ["2026-11-21"]
