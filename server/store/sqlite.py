"""The durable store: SQLite (WAL, synchronous=FULL) through sqlite-utils.

Owns the schema and every read and write of the database. The hub commits once per
group of commands (`begin_commit` on its loop, `finish_commit` on its commit thread):
events, changed tickets/counters/bookings, the engine's meta record and the command
results go in ONE transaction, so a result is only sent after its effects survived an
fsync (group commit amortises that fsync over everything that arrived meanwhile).

`events` is append-only: the audit trail and the source of every report.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import operator
import secrets
import sqlite3
import threading
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
LOCKOUT_AFTER = 5
LOCKOUT_MINUTES = 5


class StoreError(Exception):
    """The database cannot be used (missing, corrupt, read-only)."""


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
        try:
            self._create_schema()
            self.seq = self._max_seq()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable Antrean database: {exc}") from None

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

    def close(self) -> None:
        with self.write_lock, self.lock:
            self.writer.close()
            self.conn.close()

    def healthy(self) -> bool:
        try:
            with self.lock:
                self.conn.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

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
            except BaseException:
                self._abort()
                raise
            self._pending_seq = seq
            return ranges
        except BaseException:
            self.write_lock.release()
            raise

    def finish_commit(self) -> None:
        """Second half: COMMIT (durable when it returns). Safe to call from any thread."""
        try:
            self.writer.execute("COMMIT")
            self.seq = self._pending_seq
            self._event_day = self._pending_event_day
        except BaseException:
            self._abort()
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

    def _abort(self) -> None:
        # Later batches were built on this one: refuse them until the hub has rebuilt its
        # state from what is really on disk (clear_failure).
        self.failed = True
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

    def verify_officer(self, officer_id: str, pin: str, now: datetime
                       ) -> tuple[str, str | None, int]:
        """('ok', name, 0) | ('bad', None, 0) | ('locked', None, minutes left).

        Runs the slow KDF: call it off the event loop.
        """
        with self.lock:
            rows = list(self.db.query("SELECT * FROM officers WHERE id = ?", [officer_id]))
        if not rows:
            hash_pin(pin, b"0" * 16)  # same cost for unknown ids: no user enumeration
            return "bad", None, 0
        row = rows[0]
        if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > now:
            left = datetime.fromisoformat(row["locked_until"]) - now
            return "locked", None, max(1, int(left.total_seconds() // 60) + 1)
        ok = hmac.compare_digest(row["pin_hash"], hash_pin(pin, bytes.fromhex(row["salt"])))
        with self.lock:
            if ok:
                self.conn.execute("UPDATE officers SET failed = 0, locked_until = NULL "
                                  "WHERE id = ?", (officer_id,))
                return "ok", row["name"], 0
            failed = (row["failed"] or 0) + 1
            locked = (now + timedelta(minutes=LOCKOUT_MINUTES)).isoformat() \
                if failed >= LOCKOUT_AFTER else None
            self.conn.execute("UPDATE officers SET failed = ?, locked_until = ? WHERE id = ?",
                              (0 if locked else failed, locked, officer_id))
        if locked:
            return "locked", None, LOCKOUT_MINUTES
        return "bad", None, 0


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
