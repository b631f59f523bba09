"""What a commit writes, and moving an older database's command results to the
current layout. Real SQLite throughout."""

from __future__ import annotations

import sqlite3

from server.engine.model import Changes
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
    """An upsert, not INSERT OR REPLACE: the row keeps its rowid, so the table's indexes
    (id, day) are not rewritten on every call, start and finish."""
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

    def rowids():
        return (store.conn.execute("SELECT rowid, status FROM tickets").fetchall(),
                store.conn.execute("SELECT rowid, status FROM counters").fetchall())

    save()
    (ticket_rows, counter_rows) = rowids()
    save(status="called")
    assert rowids() == ([(ticket_rows[0][0], "called")], [(counter_rows[0][0], "called")])
