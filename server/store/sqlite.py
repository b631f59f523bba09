"""The durable store: SQLite (WAL, synchronous=FULL) through sqlite-utils.

Owns the schema and every read and write of the database. The hub commits once per
group of commands (`begin_commit` on its loop, `finish_commit` on its commit thread):
events, changed tickets/counters/bookings, the engine's meta record and the command
results go in ONE transaction, so a result is only sent after its effects survived an
fsync (group commit amortises that fsync over everything that arrived meanwhile).

`events` is append-only: the audit trail and the source of every report.

Failures are never hidden:

- The store remembers which file it opened (device and inode of its path). Before each
  commit it checks that the path is still that file: SQLite goes on writing a deleted
  file, and a file moved over the path is not the one it has open, so in both cases the
  commit fails (nothing is claimed durable) and `health()` says why.
- `health()` reports the database's state and the outcome of the last commit (a full
  disk fails commits with SQLITE_FULL; the next commit that succeeds clears it). The
  hub's `GET /health` answers 503 when it is not ok.
- Every database has an id (`meta.database_id`). The server opens its database through
  `open_for_server`, which keeps a marker beside it (`antrean.db.expected`, holding that
  id) and refuses to start when the database the marker names is missing or another
  database is in its place, unless told to (`antrean server --create`). The other tools
  (`antrean device add`, `officer add`, reports, backups) open a database with `Store`,
  which creates one where there is none, as the first setup steps need; the marker rule
  is the server's alone, and a database they create in place of a lost one has a new id,
  which the server refuses.

Officer logins are limited per (device, officer id) in `login_failures`: see
`Store.verify_officer`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import math
import operator
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from protocol.messages import encode, result_ok
from server.engine.model import Changes

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
TICKET_COLUMNS = ("id", "day", "number", "service", "stage", "lane", "status", "token", "lang",
                  "issued_at", "queued_at", "called_at", "started_at", "finished_at",
                  "counter", "officer", "recalls", "transfers", "booking_slot",
                  "reserved_counter", "surveyed", "issued_as")
COUNTER_COLUMNS = ("id", "status", "officer", "officer_name", "device", "ticket",
                   "pause_reason", "consecutive_priority", "call_reason", "session")
_ticket_row = operator.itemgetter(*TICKET_COLUMNS)  # record -> row, in column order
_counter_row = operator.itemgetter(*COUNTER_COLUMNS)
RESULT_TTL = timedelta(hours=24)
# PIN hashing: scrypt is a memory-hard KDF in the standard library (no extra dependency).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
# Officer logins, per (device, officer id): LOCKOUT_AFTER wrong PINs in a row lock the
# pair for LOCKOUT_FIRST_MINUTES; after that every further wrong PIN locks it again for
# twice as long as the last time, up to LOCKOUT_MAX_MINUTES. A right PIN starts the pair
# over, and so does a day without a wrong PIN (LOGIN_FAILURES_KEPT).
LOCKOUT_AFTER = 5
LOCKOUT_FIRST_MINUTES = 1
LOCKOUT_MAX_MINUTES = 60
LOGIN_FAILURES_KEPT = timedelta(days=1)
LOGIN_FAILURES_PRUNE_EVERY = 3600.0  # seconds between deletions of pairs quiet that long
# Beside the database: its id, written when the server first opens it (open_for_server).
EXPECTED_SUFFIX = ".expected"


class StoreError(Exception):
    """The database cannot be used (missing, corrupt, read-only)."""


class DatabaseRefused(StoreError):
    """The server expects a database here (its marker says so) and it is missing, or
    another database is in its place."""


@dataclass(slots=True)
class EncodedPart:
    """One batch in the form the database stores it, serialised once. The hub reuses the
    events' payload JSON for the frames it broadcasts."""

    events: list[tuple[str, str, str, str, str]]  # at, day, actor, name, payload JSON
    tickets: list[tuple[Any, ...]]
    counters: list[tuple[Any, ...]]
    bookings: list[dict[str, Any]]
    removed_bookings: list[str]
    meta: str | None
    # device, command id, at, result JSON or None, index of the part's event it is in
    results: list[tuple[str, str, str, str | None, int | None]]
    forget_results_before: str | None = None  # delete older command results (ISO time)

    def __bool__(self) -> bool:  # anything for the database to do
        return bool(self.events or self.tickets or self.counters or self.bookings
                    or self.removed_bookings or self.meta is not None or self.results
                    or self.forget_results_before)


def encode_part(events: list[tuple[str, str, str, str, dict[str, Any]]], changes: Changes,
                results: list[tuple],
                forget_results_before: str | None = None) -> EncodedPart:
    """Serialise one batch: events (at, day, actor, name, data), changed records, and the
    command results (device, id, at, result JSON[, result data]). Payloads are encoded as
    the wire encodes them: the stored text is what goes into every event frame.

    A result whose data is the very `ticket` object of one of the batch's events (an
    issued ticket: half a kiosk commit's bytes) is stored as that event, not a second
    copy: its JSON becomes None and the store keeps the event's seq, from which
    `recent_results` rebuilds the same bytes."""
    in_event = {id(ev[4]["ticket"]): i for i, ev in enumerate(events)
                if type(ev[4]) is dict and "ticket" in ev[4]}
    return EncodedPart(
        events=[(at, day, actor, name, encode(data))
                for at, day, actor, name, data in events],
        tickets=[_ticket_row(rec) for rec in changes.tickets],
        counters=[_counter_row(rec) for rec in changes.counters],
        bookings=list(changes.bookings),
        removed_bookings=list(changes.removed_bookings),
        meta=encode(changes.meta) if changes.meta is not None else None,
        # (device, id, at, JSON, None), or (device, id, at, None, index of its event)
        results=[(r[0], r[1], r[2], r[3], None)
                 if len(r) < 5 or (i := in_event.get(id(r[4]))) is None
                 else (r[0], r[1], r[2], None, i) for r in results],
        forget_results_before=forget_results_before)


def events_of_days(conn: sqlite3.Connection, first: str | None, last: str
                   ) -> tuple[str, list[Any]]:
    """An SQL condition (and its parameters) on `events` for the days `first`..`last`
    (ISO dates, inclusive; `first` None: from the beginning). Events are numbered in
    the order they happen and their day never goes back, so a day's events are a range
    of seq, found in `event_days` (each day's first seq): a scan of the table's own key,
    with no index on day to write for every event. A database older than 0.4 that was
    not opened by the server since falls back to the day column."""
    try:
        low = 0 if first is None else conn.execute(
            "SELECT min(first_seq) FROM event_days WHERE day >= ?", [first]).fetchone()[0]
        high = conn.execute("SELECT min(first_seq) FROM event_days WHERE day > ?",
                            [last]).fetchone()[0]
    except sqlite3.OperationalError:  # no event_days table
        if first is None:
            return "day <= ?", [last]
        return "day BETWEEN ? AND ?", [first, last]
    if low is None:
        return "0", []
    if high is None:
        return "seq >= ?", [low]
    return "seq >= ? AND seq < ?", [low, high]


# A ticket's row is keyed by an integer: its office day, then the order it was first
# written in that day (day_number * TICKET_KEYS_PER_DAY + n). New tickets are appended at
# the end of the table's B-tree, where SQLite splits a full page by starting a new one
# (its "quick balance", only for integer keys), and a day's tickets are a key range.
# Keyed by the text id (0.4), every commit of 8 new tickets rebalanced neighbouring
# pages: 4-5 WAL pages for ~1.5 KB of rows, measured.
TICKET_KEYS_PER_DAY = 10_000_000


def _day_number(day: str) -> int:
    """"2026-11-23" -> 20261123."""
    if len(day) != 10 or day[4] != "-" or day[7] != "-":
        raise ValueError(f"not an ISO date: {day!r}")
    return int(day[:4] + day[5:7] + day[8:])


def ticket_keys(day: str) -> tuple[int, int]:
    """[low, high) of the keys of one day's tickets (day: ISO date)."""
    low = _day_number(day) * TICKET_KEYS_PER_DAY
    return low, low + TICKET_KEYS_PER_DAY


def tickets_of_days(conn: sqlite3.Connection, first: str | None, last: str
                    ) -> tuple[str, list[Any]]:
    """An SQL condition (and its parameters) on `tickets` for the days `first`..`last`
    (ISO dates, inclusive; `first` None: from the beginning): a range of the table's key.
    A database older than 0.5 that was not opened by the server since falls back to the
    day column."""
    if not any(row[1] == "key" for row in conn.execute("PRAGMA table_info(tickets)")):
        if first is None:
            return "day <= ?", [last]
        return "day BETWEEN ? AND ?", [first, last]
    high = ticket_keys(last)[1]
    if first is None:
        return "key < ?", [high]
    return "key >= ? AND key < ?", [ticket_keys(first)[0], high]


class _DayKeys:
    """The keys of one day's tickets by id, as in the table, and the next free key."""

    __slots__ = ("keys", "next", "end")

    def __init__(self, day: str, rows: Iterable[tuple[str, int]]) -> None:
        low, self.end = ticket_keys(day)
        self.keys: dict[str, int] = dict(rows)  # (id, key) of the day's rows
        self.next = max(self.keys.values(), default=low - 1) + 1


def _upsert(table: str, columns: tuple[str, ...], key: str = "id") -> str:
    # An upsert updates a changed row where it is. INSERT OR REPLACE would delete it and
    # insert it under a new rowid, rewriting a page of every index of the table too: a
    # call's commit (ticket + counter) wrote three pages more.
    return (f"INSERT INTO {table}({','.join(columns)}) "
            f"VALUES ({','.join('?' * len(columns))}) ON CONFLICT({key}) DO UPDATE SET "
            + ",".join(f"{c}=excluded.{c}" for c in columns if c != key))


_INSERT_TICKET = _upsert("tickets", ("key", *TICKET_COLUMNS), key="key")
_INSERT_COUNTER = _upsert("counters", COUNTER_COLUMNS)


@dataclass(frozen=True, slots=True)
class Device:
    name: str
    role: str
    counter: str | None
    created_at: str
    revoked_at: str | None


def hash_token(token: str) -> str:
    # Device tokens are 192-bit random strings: a fast hash is enough (no guessing).
    return hashlib.sha256(token.encode()).hexdigest()


def new_device_token() -> str:
    """192 random bits, URL-safe. Never starting with "-": a technician passes it as
    `--token VALUE`, and argparse takes a value starting with "-" for an option (1 token
    in 64 could not be typed that way)."""
    while (token := secrets.token_urlsafe(24)).startswith("-"):
        pass
    return token


def hash_pin(pin: str, salt: bytes) -> str:
    return hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                          dklen=32).hex()


class Store:
    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        self.path = str(path)
        try:
            conn = self._connect(synchronous)
            # The hot path's own connection: the hub opens a transaction on it on its event
            # loop and commits it on its commit thread (see begin_commit).
            self.writer = self._connect(synchronous)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from None
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        # `conn`: everything but the hot path, one thread at a time (RLock).
        self.lock = threading.RLock()
        # `writer`: held from begin_commit to finish_commit, which may run on another
        # thread, so a plain Lock (an RLock must be released by its owner).
        self.write_lock = threading.Lock()
        self.failed = False  # a commit failed; see _abort
        self._pending_seq = 0  # the newest seq once the open commit lands
        # the keys of the tickets of the newest day or two, by id (see _ticket_key)
        self._ticket_keys: dict[str, _DayKeys] = {}
        # the last commit: (ok, time.time(), error or None); None before the first
        self._last_commit: tuple[bool, float, str | None] | None = None
        self._login_failures_pruned = -math.inf  # time.monotonic() of the last prune
        try:
            self._create_schema()
            self.seq = self._max_seq()
            self.database_id: str = self._database_id()
            self._writer_max_pages: int = self.writer.execute(
                "PRAGMA max_page_count").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable Antrean database: {exc}") from None
        # the file this store writes to: the commits check the path still names it
        self._file_identity = self._identity()
        if self._file_identity is None:
            self.close()
            raise StoreError(f"{self.path}: the database file vanished while it was opened")

    # ------------------------------------------------------------------ schema
    def _create_schema(self) -> None:
        db = self.db
        with self.lock:
            db["events"].create({"seq": int, "at": str, "day": str, "actor": str, "name": str,
                                 "payload": str}, pk="seq", if_not_exists=True)
            self._key_tickets_by_day()
            db["counters"].create({c: (int if c == "consecutive_priority" else str)
                                   for c in COUNTER_COLUMNS}, pk="id", if_not_exists=True)
            for column in ("call_reason", "session"):  # added after v0.1
                if column not in db["counters"].columns_dict:
                    db["counters"].add_column(column, str)
            db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
            db["bookings"].create({"code": str, "service": str, "slot_start": str,
                                   "slot_end": str, "lane": str, "ticket": str}, pk="code",
                                  if_not_exists=True)
            db["devices"].create({"name": str, "role": str, "token_hash": str, "counter": str,
                                  "created_at": str, "revoked_at": str}, pk="name",
                                 if_not_exists=True)
            db["officers"].create({"id": str, "name": str, "pin_hash": str, "salt": str,
                                   "failed": int, "locked_until": str, "created_at": str},
                                  pk="id", if_not_exists=True)
            # Command results are appended, in commit order, with no key: the hub answers
            # re-sends from memory and reads the table only at start (all of the last
            # 24 h), so nothing looks a result up by (device, id) on disk. A key's index
            # took 4-8 of a 4-ticket commit's ~15 WAL pages (the ids of 8 kiosks land in
            # 8 places); appended rows take 1-2.
            self._unkey_command_results()
            db["command_results"].create({"device": str, "id": str, "at": str, "result": str,
                                          "event": int}, if_not_exists=True)
            if "event" not in db["command_results"].columns_dict:  # added in 0.5
                db["command_results"].add_column("event", int)
            # wrong PINs per (device, officer id): see verify_officer
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS login_failures (device TEXT NOT NULL, officer TEXT "
                "NOT NULL, failures INTEGER NOT NULL, lockouts INTEGER NOT NULL, locked_until "
                "TEXT, last_failed_at TEXT NOT NULL, PRIMARY KEY (device, officer)) "
                "WITHOUT ROWID")
            db["daily_aggregates"].create({"day": str, "service": str, "lane": str,
                                           "metric": str, "value": float},
                                          pk=("day", "service", "lane", "metric"),
                                          if_not_exists=True)
            # Every index is written on every commit: only those something reads. A ticket
            # is found by its token in the engine (today's tickets), never in the table,
            # and old command results are deleted at start and hourly, by a scan of at
            # most a day's rows.
            # (Both indexes existed before 0.2; measured: a group's COMMIT ~15% shorter.)
            self.conn.execute("DROP INDEX IF EXISTS idx_tickets_token")
            self.conn.execute("DROP INDEX IF EXISTS idx_command_results_at")
            self._index_event_days()
            db["meta"].upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")

    def _index_event_days(self) -> None:
        """Each day's first event (see `events_of_days`). Before 0.4 an index on
        events(day) did this, at the cost of a B-tree insert per event and a WAL page per
        commit: built from it here once, then dropped."""
        if not self.db["event_days"].exists():
            with self.conn:  # one transaction: all or nothing
                self.conn.execute("BEGIN IMMEDIATE")
                self.conn.execute("CREATE TABLE event_days (day TEXT PRIMARY KEY, "
                                  "first_seq INTEGER NOT NULL) WITHOUT ROWID")
                self.conn.execute("INSERT INTO event_days(day, first_seq) SELECT day, "
                                  "min(seq) FROM events WHERE day IS NOT NULL GROUP BY day")
                self.conn.execute("DROP INDEX IF EXISTS idx_events_day")
        row = self.conn.execute("SELECT max(day) FROM event_days").fetchone()
        self._event_day = self._pending_event_day = row[0]

    def _key_tickets_by_day(self) -> None:
        """Tickets live in a table keyed by day and order of issue (`TICKET_KEYS_PER_DAY`),
        with no index: one B-tree to write per ticket, appended to. A ticket's id is found
        through the key of today's tickets, kept in memory (`_ticket_key`). Older
        layouts (0.3: a rowid table with an index on day; 0.4: keyed by the text id) are
        moved here in one transaction at start (a year of tickets: ~8 s, once);
        a ticket without an id or a proper day, which an older table let in, stays
        behind."""
        table = self.db["tickets"]
        columns = ", ".join(f"{c} INTEGER" if c in ("recalls", "transfers", "surveyed") else
                            ("id TEXT NOT NULL" if c == "id" else f"{c} TEXT")
                            for c in TICKET_COLUMNS)
        definition = f"(key INTEGER PRIMARY KEY, {columns})"
        if not table.exists():
            self.conn.execute(f"CREATE TABLE tickets {definition}")
            return
        if "key" in table.columns_dict:
            return
        log.info("moving tickets to a table keyed by day and order of issue (once; a year "
                 "of tickets takes several seconds)")
        kept = [c for c in TICKET_COLUMNS if c in table.columns_dict]
        day_number = "CAST(substr(day, 1, 4) || substr(day, 6, 2) || substr(day, 9, 2) AS INTEGER)"
        self._rebuild_table(
            "tickets", definition, ["key", *kept],
            "FROM tickets WHERE id IS NOT NULL AND "
            "day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'",
            values=f"{day_number} * {TICKET_KEYS_PER_DAY} - 1 + row_number() OVER "
                   f"(PARTITION BY day ORDER BY issued_at, id), {', '.join(kept)}")
        log.info("tickets moved")

    def _unkey_command_results(self) -> None:
        """Before 0.3 command results had a (device, id) primary key: move them to a
        table without one (a day's worth of rows at most: quick)."""
        table = self.db["command_results"]
        if not table.exists() or table.pks == ["rowid"]:
            return
        self._rebuild_table("command_results", "(device TEXT, id TEXT, at TEXT, result TEXT)",
                            ["device", "id", "at", "result"], "ORDER BY at")
        log.info("command results moved to a table without a key")

    def _rebuild_table(self, name: str, definition: str, columns: list[str],
                       select_rest: str = "", values: str | None = None) -> None:
        """Give a table a new layout, keeping its rows (the named columns, or `values`
        computed for them: `SELECT {values} {select_rest}`), in one transaction: all or
        nothing. Its indexes go with the old table."""
        names = ", ".join(columns)
        select = (f"SELECT {values} {select_rest}" if values is not None else
                  f"SELECT {names} FROM {name} {select_rest}")
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(f"CREATE TABLE {name}_rebuilt {definition}")
            self.conn.execute(f"INSERT INTO {name}_rebuilt({names}) {select}")
            self.conn.execute(f"DROP TABLE {name}")
            self.conn.execute(f"ALTER TABLE {name}_rebuilt RENAME TO {name}")

    def _connect(self, synchronous: str) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                               timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _max_seq(self) -> int:
        row = self.conn.execute("SELECT max(seq) FROM events").fetchone()
        return row[0] or 0

    def _database_id(self) -> str:
        """This database's id (random, made when it is first opened): what its marker
        holds (see `open_for_server`). A backup is a copy, so it carries the same id."""
        with self.lock:
            self.conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES "
                              "('database_id', ?)", (secrets.token_hex(16),))
            return self.conn.execute(
                "SELECT value FROM meta WHERE key = 'database_id'").fetchone()[0]

    def _identity(self) -> tuple[int, int] | None:
        """(device, inode) of the file at the path, None when there is none."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_dev, st.st_ino

    def file_problem(self) -> str | None:
        """Why the path no longer names the file this store writes to (deleted or
        replaced), or None. A stat: cheap enough for every commit."""
        try:
            identity = self._identity()
        except OSError as exc:
            return f"the database file cannot be checked: {exc.strerror}"
        if identity is None:
            return "the database file was deleted while the server ran"
        if identity != self._file_identity:
            return "the database file was replaced by another file while the server ran"
        return None

    def close(self) -> None:
        with self.write_lock, self.lock:
            self.writer.close()
            self.conn.close()

    def health(self) -> dict[str, Any]:
        """`db` "ok" | "error", `reason` (why not ok, short) and `last_commit` (`ok`, `at`
        ISO time, `error`; None before the first commit). Not ok while the file is gone or
        replaced, while the last commit failed (until one succeeds again), or when the
        database cannot be read."""
        reason = self.file_problem()
        last = self._last_commit
        if reason is None and last is not None and not last[0]:
            reason = f"the last commit failed: {last[2]}"
        if reason is None:
            try:
                with self.lock:
                    self.conn.execute("SELECT 1").fetchone()
            except sqlite3.Error as exc:
                reason = f"the database cannot be read: {exc}"
        return {"db": "ok" if reason is None else "error", "reason": reason,
                "last_commit": None if last is None else {
                    "ok": last[0], "error": last[2],
                    "at": datetime.fromtimestamp(last[1], UTC).isoformat(
                        timespec="milliseconds")}}

    def healthy(self) -> bool:
        return self.health()["db"] == "ok"

    def limit_pages(self, pages: int | None) -> int:
        """Let the hot path's commits grow the database to `pages` pages at most (None:
        SQLite's own limit again), as a full disk does: a commit that needs more fails with
        SQLITE_FULL. SQLite keeps at least the current size (so 1: no room to grow; 0 would
        not set anything, hence at least 1 here). Returns the current size in pages. For
        tests and drills of a full disk; the other connection is not limited."""
        with self.write_lock:
            size = self.writer.execute("PRAGMA page_count").fetchone()[0]
            limit = self._writer_max_pages if pages is None else max(1, int(pages))
            self.writer.execute(f"PRAGMA max_page_count = {limit}")
        return size

    # ------------------------------------------------------------------ the hot path
    def commit_batch(self, events: list[tuple[str, str, str, str, dict[str, Any]]],
                     changes: Changes,
                     results: Iterable[tuple[str, str, str, str]]) -> int:
        """Write one batch atomically and durably; returns the seq of its first event.

        events: (at_iso, day, actor, name, data); results: (device, command id, at, json).
        """
        return self.commit_parts([(events, changes, list(results))])[0][0]

    def commit_parts(self, parts: list[tuple[list, Changes, list]]) -> list[tuple[int, int]]:
        """Write several batches in ONE transaction (one fsync), in order; returns each
        part's (first seq, last seq)."""
        return self.commit_encoded([encode_part(*part) for part in parts])

    def commit_encoded(self, parts: list[EncodedPart]) -> list[tuple[int, int]]:
        """`commit_parts` for batches already serialised by `encode_part`."""
        ranges = self.begin_commit(parts)
        self.finish_commit()
        return ranges

    def begin_commit(self, parts: list[EncodedPart], meta: str | None = None
                     ) -> list[tuple[int, int]]:
        """First half of a commit: open the transaction and write every part; returns each
        part's (first seq, last seq). `finish_commit` must follow, from any thread.
        `meta`, when given, is the engine meta to store (else the newest part's).

        The hub calls this on its event loop and `finish_commit` on its commit thread:
        inserting is quick CPU work that needs the GIL, while COMMIT (the WAL write and
        the fsync) is one long call that runs without it, so the loop goes on parsing and
        preparing the next group meanwhile. Splitting there, not committing whole on a
        thread: every statement a thread runs must win the GIL back from the busy loop."""
        self.write_lock.acquire()
        try:
            if self.failed:
                raise StoreError("an earlier commit failed; waiting for the engine reload")
            conn = self.writer
            seq = self.seq
            ranges: list[tuple[int, int]] = []
            conn.execute("BEGIN IMMEDIATE")
            try:
                # the meta record is the whole engine meta: only the newest one counts
                if meta is None:
                    meta = next((p.meta for p in reversed(parts) if p.meta is not None), None)
                events: list[tuple] = []
                tickets: list[tuple] = []
                counters: list[tuple] = []
                results: list[tuple] = []
                for part in parts:
                    first = seq + 1
                    events.extend((first + i, *row) for i, row in enumerate(part.events))
                    seq += len(part.events)
                    ranges.append((first, seq))
                    tickets.extend(part.tickets)
                    counters.extend(part.counters)
                    results.extend(r if r[4] is None else (*r[:4], first + r[4])
                                   for r in part.results)
                    # bookings keep their order: an import may add and remove the same code
                    if part.bookings:
                        conn.executemany(
                            "INSERT OR REPLACE INTO bookings(code, service, slot_start, "
                            "slot_end, lane, ticket) VALUES (:code,:service,:slot_start,"
                            ":slot_end,:lane,:ticket)", part.bookings)
                    if part.removed_bookings:
                        conn.executemany("DELETE FROM bookings WHERE code = ?",
                                         [(c,) for c in part.removed_bookings])
                if events:
                    conn.executemany("INSERT INTO events(seq, at, day, actor, name, payload) "
                                     "VALUES (?,?,?,?,?,?)", events)
                    day = self._pending_event_day
                    if events[-1][2] != day:  # a new day began in this commit
                        for row in events:
                            if row[2] != day:
                                day = row[2]
                                conn.execute("INSERT OR IGNORE INTO event_days(day, first_seq)"
                                             " VALUES (?, ?)", (day, row[0]))
                        self._pending_event_day = day
                if tickets:
                    key = self._ticket_key
                    conn.executemany(_INSERT_TICKET, [(key(conn, row[0], row[1]), *row)
                                                      for row in tickets])
                if counters:
                    conn.executemany(_INSERT_COUNTER, counters)
                if meta is not None:
                    # UPDATE rewrites the row where it is; INSERT OR REPLACE deletes it and
                    # inserts it anew, writing the key's index page too (one WAL page more)
                    changed = conn.execute("UPDATE meta SET value = ? WHERE key = 'engine'",
                                           (meta,)).rowcount
                    if not changed:
                        conn.execute("INSERT INTO meta(key, value) VALUES ('engine', ?)",
                                     (meta,))
                if results:  # each command once: the hub answers a re-send from memory
                    conn.executemany("INSERT INTO command_results(device, id, at, result, "
                                     "event) VALUES (?,?,?,?,?)", results)
                cutoff = max((p.forget_results_before for p in parts
                              if p.forget_results_before), default=None)
                if cutoff is not None:
                    conn.execute("DELETE FROM command_results WHERE at < ?", (cutoff,))
            except BaseException as exc:
                self._abort(exc)
                raise
            self._pending_seq = seq
            return ranges
        except BaseException:
            self.write_lock.release()
            raise

    def finish_commit(self) -> None:
        """Second half: COMMIT (durable when it returns). Safe to call from any thread.
        Refused, and rolled back, when the path no longer names the file the store writes
        to: a commit to a deleted or replaced file would be lost at the next start."""
        problem = None
        try:
            problem = self.file_problem()
            if problem is not None:
                raise StoreError(f"{self.path}: {problem}; nothing was committed")
            self.writer.execute("COMMIT")
            self.seq = self._pending_seq
            self._event_day = self._pending_event_day
            self._last_commit = (True, time.time(), None)
        except BaseException as exc:
            self._abort(exc, problem)
            raise
        finally:
            self.write_lock.release()

    def _ticket_key(self, conn: sqlite3.Connection, ticket_id: str, day: str) -> int:
        """The key of a ticket's row: the one it has, or the next of its day for a new
        ticket. A day's keys are read from the table once, when its first ticket is
        written (a new day's: none); only the two newest days stay in memory, since the
        engine holds today's tickets and, at the rollover, yesterday's leftovers."""
        days = self._ticket_keys
        keys = days.get(day)
        if keys is None:
            keys = days[day] = _DayKeys(day, conn.execute(
                "SELECT id, key FROM tickets WHERE key >= ? AND key < ?", ticket_keys(day)))
            for old in sorted(days)[:-2]:
                del days[old]
        key = keys.keys.get(ticket_id)
        if key is None:
            key = keys.keys[ticket_id] = keys.next
            if key >= keys.end:
                raise StoreError(f"more than {TICKET_KEYS_PER_DAY} tickets on {day}")
            keys.next += 1
        return key

    def _abort(self, exc: BaseException | None = None, problem: str | None = None) -> None:
        # Later batches were built on this one: refuse them until the hub has rebuilt its
        # state from what is really on disk (clear_failure).
        self.failed = True
        # for health(): what went wrong, without the file's path
        error = problem or (str(exc) or type(exc).__name__ if exc is not None else "aborted")
        self._last_commit = (False, time.time(), error)
        self._pending_event_day = self._event_day
        self._ticket_keys.clear()  # may hold keys of rows that were not written: reread
        if self.writer.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.writer.execute("ROLLBACK")

    def clear_failure(self) -> None:
        with self.write_lock:
            self.failed = False

    # ------------------------------------------------------------------ restart
    def load_state(self) -> tuple[dict[str, Any] | None, list[dict], list[dict], list[dict]]:
        """Meta, today's tickets, counters and open bookings: enough to rebuild the engine."""
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key='engine'").fetchone()
            meta = json.loads(row[0]) if row else None
            tickets: list[dict] = []
            if meta:
                tickets = list(self.db.query(
                    f"SELECT key, {', '.join(TICKET_COLUMNS)} FROM tickets WHERE key >= ? "
                    "AND key < ?", ticket_keys(meta["day"])))
            counters = list(self.db.query("SELECT * FROM counters"))
            bookings = list(self.db.query("SELECT * FROM bookings WHERE ticket IS NULL"))
        if meta:
            # the writer's keys of the day, from this same read (see _ticket_key)
            keys = _DayKeys(meta["day"], [(rec["id"], rec.pop("key")) for rec in tickets])
            with self.write_lock:  # (taken after `lock` is let go: close takes both)
                self._ticket_keys = {meta["day"]: keys}
        return meta, tickets, counters, bookings

    def recent_results(self, cutoff: str) -> list[tuple[str, str, str, str]]:
        """Command results from `cutoff` on, in commit order: (device, id, at, JSON); older
        ones are deleted. `cutoff` is formatted like the stored times (the office's
        offset), so the two compare as strings. A result kept as its event's seq is
        rebuilt from that event's `ticket`, as it was sent."""
        with self.lock:
            self.conn.execute("DELETE FROM command_results WHERE at < ?", (cutoff,))
            rows = self.conn.execute(
                "SELECT r.device, r.id, r.at, r.result, e.payload FROM command_results r "
                "LEFT JOIN events e ON r.result IS NULL AND e.seq = r.event "
                "ORDER BY r.rowid").fetchall()
        out = []
        for device, cmd_id, at, text, payload in rows:
            if text is None:
                try:
                    text = encode(result_ok(cmd_id, json.loads(payload)["ticket"]))
                except (TypeError, ValueError, KeyError):
                    # its event is gone (purged): a re-send of it is run again
                    log.warning("result of %s/%s cannot be rebuilt", device, cmd_id)
                    continue
            out.append((device, cmd_id, at, text))
        return out

    def events_since(self, seq: int, limit: int = 10_000, upto: int | None = None
                     ) -> list[tuple[int, str, str, dict]]:
        upto = self.seq if upto is None else upto
        with self.lock:
            rows = self.conn.execute(
                "SELECT seq, at, name, payload FROM events WHERE seq > ? AND seq <= ? "
                "ORDER BY seq LIMIT ?", (seq, upto, limit)).fetchall()
        return [(s, at, name, json.loads(p)) for s, at, name, p in rows]

    # ------------------------------------------------------------------ devices
    def add_device(self, name: str, role: str, counter: str | None = None) -> str:
        token = new_device_token()
        with self.lock:
            self.db["devices"].upsert({"name": name, "role": role,
                                       "token_hash": hash_token(token), "counter": counter,
                                       "created_at": _utcnow(), "revoked_at": None}, pk="name")
        return token

    def list_devices(self) -> list[Device]:
        with self.lock:
            return [Device(r["name"], r["role"], r["counter"], r["created_at"], r["revoked_at"])
                    for r in self.db.query("SELECT * FROM devices ORDER BY name")]

    def revoke_device(self, name: str) -> bool:
        with self.lock:
            cur = self.conn.execute("UPDATE devices SET revoked_at = ? WHERE name = ? "
                                    "AND revoked_at IS NULL", (_utcnow(), name))
            return cur.rowcount == 1

    def authenticate_device(self, name: str | None, token: str | None) -> Device | None:
        """The device if the token matches and it is not revoked, else None."""
        if not name or not token:
            return None
        with self.lock:
            rows = list(self.db.query("SELECT * FROM devices WHERE name = ?", [name]))
        if not rows or rows[0]["revoked_at"]:
            return None
        if not hmac.compare_digest(rows[0]["token_hash"], hash_token(token)):
            return None
        r = rows[0]
        return Device(r["name"], r["role"], r["counter"], r["created_at"], r["revoked_at"])

    def device_for_token(self, token: str | None) -> Device | None:
        """The active device owning this token (pages that take only a token)."""
        if not token:
            return None
        with self.lock:
            rows = list(self.db.query("SELECT * FROM devices WHERE token_hash = ? AND "
                                      "revoked_at IS NULL", [hash_token(token)]))
        if not rows:
            return None
        r = rows[0]
        return Device(r["name"], r["role"], r["counter"], r["created_at"], r["revoked_at"])

    # ------------------------------------------------------------------ officers
    def add_officer(self, officer_id: str, name: str, pin: str) -> None:
        salt = secrets.token_bytes(16)
        with self.lock:
            self.db["officers"].upsert({"id": officer_id, "name": name,
                                        "pin_hash": hash_pin(pin, salt), "salt": salt.hex(),
                                        "failed": 0, "locked_until": None,
                                        "created_at": _utcnow()}, pk="id")

    def verify_officer(self, officer_id: str, pin: str, now: datetime, device: str
                       ) -> tuple[str, str | None, int]:
        """('ok', name, 0) | ('bad', None, 0) | ('locked', None, minutes left), for a login
        at `device`. Runs the slow KDF: call it off the event loop.

        Wrong PINs are counted per (device, officer id), in `login_failures`: a device that
        guesses locks only itself out for that id, so it cannot lock an officer out of
        every counter. LOCKOUT_AFTER wrong PINs in a row lock the pair for
        LOCKOUT_FIRST_MINUTES; each wrong PIN after a lockout locks it again for twice as
        long, up to LOCKOUT_MAX_MINUTES; a right PIN starts the pair over. An unknown id is
        treated exactly as a known one with a wrong PIN (the same KDF cost, the same
        counting and lockouts), so the answers do not tell which ids exist. While a pair is
        locked its PIN is not checked at all.
        """
        device = device or ""
        with self.lock:
            pair = self.conn.execute(
                "SELECT locked_until FROM login_failures WHERE device = ? AND officer = ?",
                (device, officer_id)).fetchone()
            officer = self.conn.execute("SELECT name, pin_hash, salt FROM officers WHERE id = ?",
                                        (officer_id,)).fetchone()
        if pair is not None and pair[0] is not None:
            left = (datetime.fromisoformat(pair[0]) - now).total_seconds()
            if left > 0:
                return "locked", None, max(1, math.ceil(left / 60))
        if officer is None:
            hash_pin(pin, b"0" * 16)  # the same cost as a known id
            ok = False
        else:
            ok = hmac.compare_digest(officer[1], hash_pin(pin, bytes.fromhex(officer[2])))
        with self.lock:
            if ok:
                self.conn.execute("DELETE FROM login_failures WHERE device = ? AND officer = ?",
                                  (device, officer_id))
                return "ok", officer[0], 0
            minutes = self._count_login_failure(device, officer_id, now)
        if minutes:
            return "locked", None, minutes
        return "bad", None, 0

    def _count_login_failure(self, device: str, officer_id: str, now: datetime) -> int:
        """Count a wrong PIN for the pair (under `lock`); the minutes it is locked for now,
        0 if it is not."""
        conn = self.conn
        self._prune_login_failures(now)
        with conn:  # one transaction: two wrong PINs at once both count
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT failures, lockouts FROM login_failures WHERE device = ? "
                               "AND officer = ?", (device, officer_id)).fetchone()
            failures, lockouts = (row[0] + 1, row[1]) if row else (1, 0)
            minutes = 0
            if lockouts or failures >= LOCKOUT_AFTER:
                minutes = min(LOCKOUT_MAX_MINUTES, LOCKOUT_FIRST_MINUTES << min(lockouts, 30))
                lockouts += 1
            locked_until = (now + timedelta(minutes=minutes)).isoformat() if minutes else None
            conn.execute("INSERT INTO login_failures(device, officer, failures, lockouts, "
                         "locked_until, last_failed_at) VALUES (?,?,?,?,?,?) ON CONFLICT("
                         "device, officer) DO UPDATE SET failures = excluded.failures, "
                         "lockouts = excluded.lockouts, locked_until = excluded.locked_until, "
                         "last_failed_at = excluded.last_failed_at",
                         (device, officer_id, failures, lockouts, locked_until, now.isoformat()))
        return minutes

    def _prune_login_failures(self, now: datetime) -> None:
        """Forget pairs without a wrong PIN for LOGIN_FAILURES_KEPT (at most hourly): the
        table holds a row for every id a device tried, known or not."""
        if time.monotonic() - self._login_failures_pruned < LOGIN_FAILURES_PRUNE_EVERY:
            return
        self._login_failures_pruned = time.monotonic()
        cutoff = now - LOGIN_FAILURES_KEPT
        stale = [(device, officer) for device, officer, last in self.conn.execute(
            "SELECT device, officer, last_failed_at FROM login_failures")
            if datetime.fromisoformat(last) < cutoff]
        self.conn.executemany("DELETE FROM login_failures WHERE device = ? AND officer = ?",
                              stale)

    def clear_lockouts(self, officer_id: str) -> int:
        """Forget every wrong PIN counted for an officer id, at every device (a supervisor
        unlocking an officer); returns how many devices had counted any."""
        with self.lock:
            return self.conn.execute("DELETE FROM login_failures WHERE officer = ?",
                                     (officer_id,)).rowcount


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------- the server's database
def expected_marker(db_path: str | Path) -> Path:
    """The marker beside a database (`antrean.db.expected`): the server wrote it when it
    first opened that database, and it holds the database's id."""
    return Path(f"{db_path}{EXPECTED_SUFFIX}")


def read_marker(db_path: str | Path) -> str | None:
    """The id in a database's marker; None when there is no marker."""
    try:
        text = expected_marker(db_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{expected_marker(db_path)}: cannot read it: {exc}") from None
    return next((line.strip() for line in text.splitlines()
                 if line.strip() and not line.startswith("#")), "")


def write_marker(db_path: str | Path, database_id: str) -> None:
    """Write (atomically, durably) the marker naming the database expected at `db_path`.
    `antrean restore` should call this for the database it put in place."""
    marker = expected_marker(db_path)
    name = Path(db_path).name
    text = (f"{database_id}\n"
            f"# Antrean: the id of the database {name} beside this file. The server refuses\n"
            f"# to start when {name} is missing or is another database: restore a backup\n"
            f"# (antrean restore) or start the server with --create. Keep this file.\n")
    tmp = marker.with_name(marker.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, marker)
    with contextlib.suppress(OSError):  # the rename itself durable (not on every OS)
        fd = os.open(marker.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def stored_database_id(db_path: str | Path) -> str | None:
    """The id inside an existing database file (read only), None when it has none or is
    not a database at all."""
    try:
        conn = sqlite3.connect(f"{Path(db_path).absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'database_id'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _move_aside_orphans(db_path: str | Path) -> None:
    """A `-wal` (and `-shm`) left by a database that is gone: SQLite would replay that
    WAL's pages onto a new database at the same path. Kept, renamed, for whoever tries to
    recover the lost database."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for suffix in ("-wal", "-shm"):
        orphan = Path(f"{db_path}{suffix}")
        if orphan.exists():
            kept = orphan.with_name(f"{orphan.name}.orphaned-{stamp}")
            os.replace(orphan, kept)
            log.warning("%s had no database: moved aside to %s", orphan, kept)


def open_for_server(db_path: str | Path, *, create: bool = False,
                    synchronous: str = "FULL") -> Store:
    """The server's database, never silently replaced by an empty one.

    Where no marker is (the first start, or a database from before markers), the
    database is opened, created if missing, and the marker written. Where a marker is,
    the database must be there and carry the marker's id; otherwise `DatabaseRefused`
    (one line: what is wrong and what to do). `create` (`antrean server --create`)
    overrides that: it begins an empty database where one is missing, or takes the one
    there as the expected one, and writes the marker anew."""
    expected = read_marker(db_path)
    marker = expected_marker(db_path)
    if expected is not None and not create:
        if not os.path.exists(db_path):
            raise DatabaseRefused(
                f"the database {db_path} is missing ({marker} says one was created here): "
                "restore a backup with `antrean restore`, or start with --create to begin "
                "an empty one")
        if stored_database_id(db_path) != expected:
            raise DatabaseRefused(
                f"{db_path} is not the database that was created here (its id is not the "
                f"one in {marker}): restore the right backup with `antrean restore`, or "
                "start with --create to use this one")
    existed = os.path.exists(db_path)
    if not existed:
        try:
            _move_aside_orphans(db_path)
        except OSError as exc:
            raise StoreError(f"{db_path}: cannot move aside the files of the lost database: "
                             f"{exc.strerror}") from None
    store = Store(db_path, synchronous=synchronous)
    try:
        if store.database_id != expected:
            if expected is not None:
                log.warning("%s: %s, as told (--create)", db_path,
                            "taking this database as the expected one" if existed
                            else "beginning an empty database")
            write_marker(db_path, store.database_id)
    except OSError as exc:
        store.close()
        raise StoreError(f"{marker}: cannot write it: {exc.strerror}") from None
    return store
