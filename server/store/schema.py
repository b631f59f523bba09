"""The database's layout, versioned by SQLite's `PRAGMA user_version`.

`MIGRATIONS[n - 1]` takes a database from version n - 1 to n; a new database (version 0)
runs them all. Each runs in its own transaction together with the version it sets, so a
migration that fails leaves the database as it was, at the version before it. A change
of layout is a new migration appended here, never an edit of one that was released.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Sequence

Migration = Callable[[sqlite3.Connection], None]


def _v1(conn: sqlite3.Connection) -> None:
    """The layout of the first release, spelled out (a released migration never changes).
    Every index is written by every commit that touches its table: only those that
    something reads exist."""
    for statement in (
        # the audit trail, append-only; a day's events are found by `events_of_days`
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, day TEXT NOT NULL,"
        " actor TEXT NOT NULL, name TEXT NOT NULL, payload TEXT NOT NULL)",
        "CREATE INDEX events_by_day ON events (day)",
        # found by the ticket id, which begins with its day: a day's tickets are a range
        # of the id's index (`tickets_of_days`). A rowid table: a new ticket's row goes at
        # the end, only its short index entry among the others of its day
        "CREATE TABLE tickets (id TEXT PRIMARY KEY, day TEXT NOT NULL, number TEXT, "
        "service TEXT, stage TEXT, lane TEXT, status TEXT, token TEXT, lang TEXT, "
        "issued_at TEXT, queued_at TEXT, called_at TEXT, started_at TEXT, finished_at TEXT, "
        "counter TEXT, officer TEXT, recalls INTEGER, transfers INTEGER, booking_slot TEXT, "
        "reserved_counter TEXT, surveyed INTEGER, issued_as TEXT)",
        "CREATE TABLE counters (id TEXT PRIMARY KEY, status TEXT, officer TEXT, "
        "officer_name TEXT, device TEXT, ticket TEXT, pause_reason TEXT, "
        "consecutive_priority INTEGER, call_reason TEXT, session TEXT)",
        "CREATE TABLE bookings (code TEXT PRIMARY KEY, service TEXT, slot_start TEXT, "
        "slot_end TEXT, lane TEXT, ticket TEXT)",
        # 'engine': the engine's meta record; 'database_id': see `open_for_server`
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
        # for idempotent re-sends; appended in commit order and read all at once at start,
        # so no key (see `Store.recent_results`)
        "CREATE TABLE command_results (device TEXT, id TEXT, at TEXT, result TEXT)",
        "CREATE TABLE devices (name TEXT PRIMARY KEY, role TEXT, token_hash TEXT, "
        "counter TEXT, created_at TEXT, revoked_at TEXT)",
        "CREATE TABLE officers (id TEXT PRIMARY KEY, name TEXT, pin_hash TEXT, salt TEXT, "
        "created_at TEXT)",
        # wrong PINs per (device, officer id): see `Store.verify_officer`
        "CREATE TABLE login_failures (device TEXT NOT NULL, officer TEXT NOT NULL, "
        "failures INTEGER NOT NULL, lockouts INTEGER NOT NULL, locked_until TEXT, "
        "last_failed_at TEXT NOT NULL, PRIMARY KEY (device, officer)) WITHOUT ROWID",
        # what retention keeps of a purged day (server/store/retention.py)
        "CREATE TABLE daily_aggregates (day TEXT, service TEXT, lane TEXT, metric TEXT, "
        "value REAL, PRIMARY KEY (day, service, lane, metric))",
    ):
        conn.execute(statement)
    conn.execute("INSERT INTO meta(key, value) VALUES ('database_id', ?)",
                 (secrets.token_hex(16),))


def _v2(conn: sqlite3.Connection) -> None:
    """The outbox for the directorate's central database (server/store/outbox.py,
    central/): anonymised facts, the closed days' aggregates, and how far shipping got."""
    for statement in (
        # one row per ended visit; `id` is the fact's key at the centre (with the office);
        # `visit` (ticket id @ queued time) keeps a visit from being written twice
        "CREATE TABLE outbox_facts (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "visit TEXT NOT NULL UNIQUE, day TEXT NOT NULL, service TEXT NOT NULL, stage TEXT, "
        "lane TEXT NOT NULL, first_visit INTEGER NOT NULL, issued_at TEXT, queued_at TEXT, "
        "called_at TEXT, started_at TEXT, finished_at TEXT, outcome TEXT NOT NULL, "
        "counter TEXT, wait_s INTEGER, service_s INTEGER)",
        # a closed day's report fold, without officers and histograms; `final` once the
        # day after it closed too (late survey answers are filed under their ticket's day)
        "CREATE TABLE outbox_days (day TEXT PRIMARY KEY, folded_at TEXT NOT NULL, "
        "final INTEGER NOT NULL, shipped INTEGER NOT NULL)",
        "CREATE TABLE outbox_aggregates (day TEXT NOT NULL, scope TEXT NOT NULL, "
        "lane TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL, "
        "PRIMARY KEY (day, scope, lane, metric)) WITHOUT ROWID",
        # 'facts_shipped': the highest fact id the centre has confirmed
        "CREATE TABLE outbox_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    ):
        conn.execute(statement)


def _v3(conn: sqlite3.Connection) -> None:
    """The supervisor's console: officers who may supervise or are disabled, when each
    device was last connected, and device pairings approved on the command line (the
    running server reads and answers them)."""
    for statement in (
        "ALTER TABLE officers ADD COLUMN supervisor INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE officers ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE devices ADD COLUMN last_seen TEXT",
        # `antrean device approve`: the hub pairs the waiting device and sets `outcome`
        "CREATE TABLE pairing_approvals (code TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "role TEXT NOT NULL, counter TEXT, requested_at TEXT NOT NULL, outcome TEXT)",
    ):
        conn.execute(statement)


def _v4(conn: sqlite3.Connection) -> None:
    """A ticket's last recall: an unanswered call becomes a no-show a set time after it
    (`[policy] no_show_after_minutes`), and a restart must not reset that clock."""
    conn.execute("ALTER TABLE tickets ADD COLUMN recalled_at TEXT")


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3, _v4)
LATEST = len(MIGRATIONS)


class NewerSchema(Exception):
    """The database was written by a newer Antrean than this one."""


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the database up to `len(migrations)`, one transaction per migration; returns
    the version it is at. `conn` must be in autocommit mode (isolation_level None).
    Another process opening the same database at the same time waits for the lock and
    then finds the work done."""
    latest = len(migrations)
    current = version(conn)
    while current < latest:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = version(conn)  # again, under the write lock
            if current < latest:
                migrations[current](conn)
                current += 1
                conn.execute(f"PRAGMA user_version = {current}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # (some errors roll back by themselves)
                conn.execute("ROLLBACK")
            raise
    if current > latest:
        raise NewerSchema(f"schema version {current}, newer than this Antrean's ({latest})")
    return current
