"""What a commit writes, and moving an older database's command results to the
current layout. Real SQLite throughout."""

from __future__ import annotations

import sqlite3

import pytest

from server.engine.model import Changes, ticket_id, ticket_id_range, ticket_ids_before
from server.store.sqlite import COUNTER_COLUMNS, TICKET_COLUMNS, Store, encode_part

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


def test_tickets_are_keyed_by_id_alone(tmp_path):
    # one B-tree written per ticket: no rowid, no index of its own
    store = Store(tmp_path / "a.db")
    (sql,) = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'tickets'"
                                ).fetchone()
    assert "WITHOUT ROWID" in sql
    assert store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                              "tbl_name = 'tickets'").fetchall() == []
    store.close()


def ticket_row(day: str, number: str, status: str = "waiting") -> dict:
    return dict.fromkeys(TICKET_COLUMNS) | {
        "id": ticket_id(day.replace("-", ""), number), "day": day, "number": number,
        "service": "paspor-baru", "status": status, "recalls": 0, "transfers": 0}


def test_tickets_of_an_older_database_move_to_the_keyed_table(tmp_path):
    # before 0.4: a rowid table with an index on day, as sqlite-utils made it
    path = tmp_path / "a.db"
    rows = [ticket_row("2026-11-22", "A001", "done"), ticket_row("2026-11-23", "A001"),
            ticket_row("2026-11-23", "A002"), ticket_row("2026-11-24", "B001")]
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE tickets ({})".format(", ".join(
            "id TEXT PRIMARY KEY" if c == "id" else f"{c} TEXT" for c in TICKET_COLUMNS)))
        conn.execute("CREATE INDEX idx_tickets_day ON tickets (day)")
        conn.executemany("INSERT INTO tickets VALUES ({})".format(
            ",".join("?" * len(TICKET_COLUMNS))), [tuple(r.values()) for r in rows])
        # a rowid table takes a NULL text key; the keyed table cannot: left behind
        conn.execute("INSERT INTO tickets(id, day) VALUES (NULL, '2026-11-23')")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("""INSERT INTO meta VALUES ('engine', '{"day": "2026-11-23"}')""")
    store = Store(path)
    (sql,) = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'tickets'"
                                ).fetchone()
    assert "WITHOUT ROWID" in sql
    assert store.conn.execute("SELECT count(*) FROM tickets").fetchone() == (4,)
    _meta, today, _counters, _bookings = store.load_state()  # found by their ids' range
    assert sorted(t["number"] for t in today) == ["A001", "A002"]
    assert all(t["day"] == "2026-11-23" for t in today)
    store.close()
    Store(path).close()  # opening again leaves it as it is


@pytest.mark.parametrize("day", ["2026-11-23", "2026-12-31", "2027-01-01"])
def test_a_days_ticket_ids_are_exactly_those_in_its_range(day):
    low, high = ticket_id_range(day)
    compact = day.replace("-", "")
    for number in ("A001", "Z999", "A1000", "0001"):
        assert low <= ticket_id(compact, number) < high
    for other in ("2026-11-22", "2026-11-24", "2026-12-30", "2027-01-02", "2025-01-01"):
        if other != day:
            assert not low <= ticket_id(other.replace("-", ""), "A001") < high
            assert (ticket_id(other.replace("-", ""), "A001") < ticket_ids_before(day)) \
                == (other < day)
    assert not ticket_id(compact, "A001") < ticket_ids_before(day)
