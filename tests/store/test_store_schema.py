"""The schema's versions (`PRAGMA user_version`, numbered migrations) and what a commit
stores. Real SQLite throughout."""

from __future__ import annotations

import sqlite3

import pytest

from server.engine.model import Changes
from server.store import schema
from server.store.backup import backup
from server.store.sqlite import COUNTER_COLUMNS, TICKET_COLUMNS, Store, StoreError, encode_part

AT, DAY = "2026-11-23T08:00:00.000+07:00", "2026-11-23"


def user_version(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def test_a_new_database_is_at_the_latest_version_and_opens_again_as_it_is(tmp_path):
    store = Store(tmp_path / "a.db")
    assert schema.LATEST == len(schema.MIGRATIONS) >= 1
    assert user_version(store.path) == schema.LATEST
    tables = {name for (name,) in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"events", "tickets", "counters", "bookings", "meta", "command_results",
            "devices", "officers", "login_failures", "daily_aggregates"} <= tables
    database_id = store.database_id
    assert len(database_id) == 32
    store.close()
    again = Store(tmp_path / "a.db")
    assert again.database_id == database_id  # the migrations did not run again
    assert user_version(again.path) == schema.LATEST
    again.close()


def test_a_database_of_a_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "a.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    with pytest.raises(StoreError) as refused:
        Store(path)
    message = str(refused.value)
    assert "\n" not in message and str(path) in message
    assert f"schema version {schema.LATEST + 1}" in message and "upgrade" in message
    assert user_version(path) == schema.LATEST + 1


def test_a_backup_is_at_the_same_version_with_the_same_id(tmp_path):
    store = Store(tmp_path / "a.db")
    backup(store.path, tmp_path / "copy.db")
    assert user_version(tmp_path / "copy.db") == schema.LATEST
    copy = Store(tmp_path / "copy.db")
    assert copy.database_id == store.database_id
    copy.close()
    store.close()


def test_migrations_run_in_order_each_in_its_own_transaction(tmp_path):
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    seen: list[tuple[int, bool]] = []

    def second(conn: sqlite3.Connection) -> None:
        seen.append((schema.version(conn), conn.in_transaction))
        conn.execute("ALTER TABLE counters ADD COLUMN note TEXT")

    assert schema.migrate(conn, [*schema.MIGRATIONS, second]) == schema.LATEST + 1
    assert seen == [(schema.LATEST, True)]
    assert schema.version(conn) == schema.LATEST + 1
    # at its version: nothing runs again
    assert schema.migrate(conn, [*schema.MIGRATIONS, second]) == schema.LATEST + 1
    assert len(seen) == 1
    conn.close()


def test_a_failed_migration_leaves_the_database_at_the_version_before_it(tmp_path):
    path = tmp_path / "a.db"
    Store(path).close()

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes(text) VALUES ('written, then undone')")
        conn.execute("ALTER TABLE no_such_table ADD COLUMN x TEXT")  # fails

    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        schema.migrate(conn, [*schema.MIGRATIONS, half_done])
    assert not conn.in_transaction
    assert schema.version(conn) == schema.LATEST
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'notes'").fetchall() == []
    conn.close()
    Store(path).close()  # and the database is as usable as before


def test_a_failed_first_migration_leaves_an_empty_database(tmp_path):
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)

    def broken(conn: sqlite3.Connection) -> None:
        schema.MIGRATIONS[0](conn)
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        schema.migrate(conn, [broken])
    assert schema.version(conn) == 0
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    conn.close()


def test_results_are_stored_whole_and_come_back_in_commit_order(tmp_path):
    store = Store(tmp_path / "a.db")
    sent = '{"type":"result","id":"z","ok":true,"data":{"name":"Résumé ✓"}}'
    for cmd_id, text in (("z", sent), ("a", "{}"), ("m", '{"n":1}')):  # ids in no order
        store.commit_encoded([encode_part([], Changes(), [("kiosk-1", cmd_id, AT, text)])])
    assert store.recent_results(AT) == [("kiosk-1", "z", AT, sent), ("kiosk-1", "a", AT, "{}"),
                                        ("kiosk-1", "m", AT, '{"n":1}')]
    # older ones are forgotten
    later = "2026-11-24T08:00:00.000+07:00"
    store.commit_encoded([encode_part([], Changes(), [("kiosk-2", "n", later, "{}")])])
    assert store.recent_results(later) == [("kiosk-2", "n", later, "{}")]
    assert store.conn.execute("SELECT count(*) FROM command_results").fetchone() == (1,)
    store.close()


def test_a_commit_forgets_results_older_than_it_is_told(tmp_path):
    store = Store(tmp_path / "a.db")
    old, new = "2026-11-22T08:00:00.000+07:00", AT
    store.commit_encoded([encode_part([], Changes(), [("kiosk-1", "old", old, "{}")])])
    store.commit_encoded([encode_part([], Changes(), [("kiosk-1", "new", new, "{}")],
                                      forget_results_before=new)])
    assert [r[1] for r in store.recent_results(old)] == ["new"]
    store.close()


def test_the_engine_record_is_one_row_rewritten_in_place(tmp_path):
    store = Store(tmp_path / "a.db")
    for day in ("2026-11-23", "2026-11-24"):
        store.commit_encoded([encode_part([], Changes(meta={"day": day}), [])])
    rows = store.conn.execute("SELECT rowid, value FROM meta WHERE key = 'engine'").fetchall()
    assert [value for _, value in rows] == ['{"day":"2026-11-24"}']
    store.commit_encoded([encode_part([], Changes(meta={"day": "2026-11-25"}), [])])
    assert store.conn.execute("SELECT rowid FROM meta WHERE key = 'engine'"
                              ).fetchall() == [(rows[0][0],)]
    assert store.load_state()[0] == {"day": "2026-11-25"}
    store.close()


def test_a_changed_ticket_or_counter_is_updated_where_it_is(tmp_path):
    """An upsert, not INSERT OR REPLACE: a row keeps its rowid (its table's pages are not
    rewritten on every call, start and finish)."""
    store = Store(tmp_path / "a.db")
    ticket = dict.fromkeys(TICKET_COLUMNS) | {"id": "t_20261123_A001", "day": DAY,
                                              "number": "A001", "status": "waiting",
                                              "recalls": 0, "transfers": 0}
    counter = dict.fromkeys(COUNTER_COLUMNS) | {"id": "loket-1", "status": "open",
                                                "consecutive_priority": 0}

    def save(**changes):
        store.commit_encoded([encode_part([], Changes(tickets=[ticket | changes],
                                                      counters=[counter | changes]), [])])

    def rows():
        return (store.conn.execute("SELECT rowid, id, status FROM tickets").fetchall(),
                store.conn.execute("SELECT rowid, id, status FROM counters").fetchall())

    save()
    (((ticket_rowid, _, _),), ((counter_rowid, _, _),)) = rows()
    save(status="called")
    assert rows() == ([(ticket_rowid, "t_20261123_A001", "called")],
                      [(counter_rowid, "loket-1", "called")])
    assert store.load_state()[1] == []  # no engine record yet: no day to load
    store.close()


def test_load_state_reads_the_engine_days_tickets_counters_and_open_bookings(tmp_path):
    store = Store(tmp_path / "a.db")
    tickets = [dict.fromkeys(TICKET_COLUMNS) | {"id": f"t_{day.replace('-', '')}_A001",
                                                 "day": day, "number": "A001"}
               for day in ("2026-11-22", DAY, "2026-11-24")]
    bookings = [{"code": code, "service": "paspor-baru", "slot_start": AT, "slot_end": AT,
                 "lane": "reguler", "ticket": ticket} for code, ticket in
                (("BK1", None), ("BK2", "t_20261123_A001"), ("BK3", None))]
    store.commit_encoded([encode_part([], Changes(
        tickets=tickets, meta={"day": DAY}, bookings=bookings, removed_bookings=["BK3"],
        counters=[dict.fromkeys(COUNTER_COLUMNS) | {"id": "loket-1"}]), [])])
    meta, today, counters, open_bookings = store.load_state()
    assert meta == {"day": DAY}
    assert today == [tickets[1]] and set(today[0]) == set(TICKET_COLUMNS)
    assert [c["id"] for c in counters] == ["loket-1"]
    assert [b["code"] for b in open_bookings] == ["BK1"]
    store.close()
