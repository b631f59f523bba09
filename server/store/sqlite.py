"""The durable store: SQLite (WAL, synchronous=FULL) through sqlite-utils.

Owns every read and write of the database; its layout and migrations are in `schema.py`.
The hub's writer task commits each group of commands with `commit_encoded` (on a thread):
events, changed tickets/counters/bookings, the engine's meta record and the command
results go in ONE transaction, so a result is only sent after its effects survived an
fsync (group commit shares that fsync among everything that arrived meanwhile).

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
- A database of a newer schema than this code knows is refused (`StoreError`).

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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from protocol.messages import encode
from server.engine.model import Changes, ticket_id
from server.store import schema
from server.store.outbox import INSERT_FACT, facts_of

log = logging.getLogger(__name__)

# a ticket's and a counter's record (as the engine writes them), in column order
TICKET_COLUMNS = ("id", "day", "number", "service", "stage", "lane", "status", "token", "lang",
                  "issued_at", "queued_at", "called_at", "started_at", "finished_at",
                  "counter", "officer", "recalls", "transfers", "booking_slot",
                  "reserved_counter", "surveyed", "issued_as", "recalled_at")
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
    """The database cannot be used (missing, corrupt, read-only, of a newer schema)."""


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
    results: list[tuple[str, str, str, str]]  # device, command id, at, result JSON
    forget_results_before: str | None = None  # delete older command results (ISO time)
    facts: list[tuple[Any, ...]] = field(default_factory=list)  # ended visits (outbox.py)

    def __bool__(self) -> bool:  # anything for the database to do
        return bool(self.events or self.tickets or self.counters or self.bookings
                    or self.removed_bookings or self.meta is not None or self.results
                    or self.forget_results_before or self.facts)


def encode_part(events: list[tuple[str, str, str, str, dict[str, Any]]], changes: Changes,
                results: list[tuple[str, str, str, str]],
                forget_results_before: str | None = None) -> EncodedPart:
    """Serialise one batch: events (at, day, actor, name, data), changed records, and the
    command results (device, id, at, result JSON). Payloads are encoded as the wire
    encodes them: the stored text is what goes into every event frame."""
    return EncodedPart(
        events=[(at, day, actor, name, encode(data))
                for at, day, actor, name, data in events],
        tickets=[_ticket_row(rec) for rec in changes.tickets],
        counters=[_counter_row(rec) for rec in changes.counters],
        bookings=list(changes.bookings),
        removed_bookings=list(changes.removed_bookings),
        meta=encode(changes.meta) if changes.meta is not None else None,
        results=list(results),
        forget_results_before=forget_results_before,
        facts=facts_of(events, changes.tickets))


def events_of_days(first: str | None, last: str) -> tuple[str, list[Any]]:
    """An SQL condition (and its parameters) on `events` for the days `first`..`last`
    (ISO dates, inclusive; `first` None: from the beginning)."""
    if first is None:
        return "day <= ?", [last]
    return "day BETWEEN ? AND ?", [first, last]


def tickets_of_days(first: str | None, last: str) -> tuple[str, list[Any]]:
    """An SQL condition (and its parameters) on `tickets` for the days `first`..`last`
    (ISO dates, inclusive; `first` None: from the beginning): a range of the ids, which
    begin with their day (`t_20261123_A001`)."""
    after_last = ticket_id(_compact(date.fromisoformat(last) + timedelta(days=1)), "")
    if first is None:
        return "id < ?", [after_last]
    return "id >= ? AND id < ?", [ticket_id(_compact(date.fromisoformat(first)), ""),
                                  after_last]


def _compact(day: date) -> str:
    return day.strftime("%Y%m%d")


def _upsert(table: str, columns: tuple[str, ...], key: str = "id") -> str:
    # An upsert updates a changed row where it is; INSERT OR REPLACE would delete it and
    # insert it anew, under a new rowid, and rewrite a page of each of its indexes.
    return (f"INSERT INTO {table}({','.join(columns)}) "
            f"VALUES ({','.join('?' * len(columns))}) ON CONFLICT({key}) DO UPDATE SET "
            + ",".join(f"{c}=excluded.{c}" for c in columns if c != key))


_UPSERT_TICKET = _upsert("tickets", TICKET_COLUMNS)
_UPSERT_COUNTER = _upsert("counters", COUNTER_COLUMNS)
_UPSERT_META = _upsert("meta", ("key", "value"), key="key")


@dataclass(frozen=True, slots=True)
class Device:
    name: str
    role: str
    counter: str | None
    created_at: str
    revoked_at: str | None
    last_seen: str | None = None


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


def new_pin_hash(pin: str) -> tuple[str, str]:
    """A new PIN's (hash, salt hex), for `Store.save_officer`. Slow on purpose (scrypt)."""
    salt = secrets.token_bytes(16)
    return hash_pin(pin, salt), salt.hex()


class Store:
    """Two connections: `writer` runs the commits (one at a time, `write_lock`), so that
    while a COMMIT waits for its fsync on the writer task's thread, `conn` serves every
    other read and write (the event loop's replays, devices, officers' logins; `lock`)."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        self.path = str(path)
        self.lock = threading.RLock()
        self.write_lock = threading.Lock()
        self.failed = False  # a commit failed; see _abort
        # the last commit: (ok, time.time(), error or None); None before the first
        self._last_commit: tuple[bool, float, str | None] | None = None
        self._login_failures_pruned = -math.inf  # time.monotonic() of the last prune
        try:
            self.conn = self._connect(synchronous)
            self.writer = self._connect(synchronous)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from None
        try:
            schema.migrate(self.conn)
            self.seq: int = self.conn.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'database_id'"
                                    ).fetchone()
            if row is None:
                raise sqlite3.DatabaseError("it has no database id")
            self.database_id: str = row[0]
            self._writer_max_pages: int = self.writer.execute(
                "PRAGMA max_page_count").fetchone()[0]
        except schema.NewerSchema as exc:
            self.close()
            raise StoreError(f"{self.path}: {exc}: upgrade Antrean to open it") from None
        except sqlite3.Error as exc:
            self.close()
            raise StoreError(f"{self.path}: not a usable Antrean database: {exc}") from None
        self.db = sqlite_utils.Database(self.conn)
        # the file this store writes to: the commits check the path still names it
        self._file_identity = self._identity()
        if self._file_identity is None:
            self.close()
            raise StoreError(f"{self.path}: the database file vanished while it was opened")

    def _connect(self, synchronous: str) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                               timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def close(self) -> None:
        with self.write_lock, self.lock:
            self.writer.close()
            self.conn.close()

    # ------------------------------------------------------------------ health
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

    def limit_pages(self, pages: int | None) -> int:
        """Let the commits grow the database to `pages` pages at most (None: SQLite's own
        limit again), as a full disk does: a commit that needs more fails with
        SQLITE_FULL. SQLite keeps at least the current size (so 1: no room to grow; 0 would
        not set anything, hence at least 1 here). Returns the current size in pages. For
        tests and drills of a full disk; `conn` is not limited."""
        with self.write_lock:
            size = self.writer.execute("PRAGMA page_count").fetchone()[0]
            limit = self._writer_max_pages if pages is None else max(1, int(pages))
            self.writer.execute(f"PRAGMA max_page_count = {limit}")
        return size

    # ------------------------------------------------------------------ the hot path
    def commit_encoded(self, parts: list[EncodedPart]) -> list[tuple[int, int]]:
        """Write batches (from `encode_part`) in ONE transaction, in order, and commit it:
        durable when this returns. Returns each part's (first seq, last seq); a part
        without events gets (first, first - 1). Refused, and rolled back, when the path no
        longer names the file the store opened: a commit to a deleted or replaced file
        would be lost at the next start."""
        with self.write_lock:
            if self.failed:
                raise StoreError("an earlier commit failed; waiting for the engine reload")
            conn = self.writer
            problem = None
            try:
                conn.execute("BEGIN IMMEDIATE")
                ranges = self._write(conn, parts)
                problem = self.file_problem()
                if problem is not None:
                    raise StoreError(f"{self.path}: {problem}; nothing was committed")
                conn.execute("COMMIT")
            except BaseException as exc:
                self._abort(exc, problem)
                raise
            if ranges:
                self.seq = ranges[-1][1]
            self._last_commit = (True, time.time(), None)
            return ranges

    def _write(self, conn: sqlite3.Connection, parts: list[EncodedPart]
               ) -> list[tuple[int, int]]:
        seq = self.seq
        ranges: list[tuple[int, int]] = []
        events: list[tuple] = []
        tickets: list[tuple] = []
        counters: list[tuple] = []
        results: list[tuple] = []
        facts: list[tuple] = []
        for part in parts:
            events.extend((seq + 1 + i, *row) for i, row in enumerate(part.events))
            ranges.append((seq + 1, seq + len(part.events)))
            seq += len(part.events)
            tickets.extend(part.tickets)
            counters.extend(part.counters)
            results.extend(part.results)
            facts.extend(part.facts)
            # bookings keep their order: an import may add and remove the same code
            if part.bookings:
                conn.executemany("INSERT OR REPLACE INTO bookings(code, service, slot_start, "
                                 "slot_end, lane, ticket) VALUES (:code, :service, "
                                 ":slot_start, :slot_end, :lane, :ticket)", part.bookings)
            if part.removed_bookings:
                conn.executemany("DELETE FROM bookings WHERE code = ?",
                                 [(c,) for c in part.removed_bookings])
        conn.executemany("INSERT INTO events(seq, at, day, actor, name, payload) "
                         "VALUES (?,?,?,?,?,?)", events)
        conn.executemany(_UPSERT_TICKET, tickets)
        conn.executemany(_UPSERT_COUNTER, counters)
        # the meta record is the whole engine meta: only the newest one counts
        meta = next((p.meta for p in reversed(parts) if p.meta is not None), None)
        if meta is not None:
            conn.execute(_UPSERT_META, ("engine", meta))
        conn.executemany("INSERT INTO command_results(device, id, at, result) "
                         "VALUES (?,?,?,?)", results)
        if facts:
            conn.executemany(INSERT_FACT, facts)
        cutoff = max((p.forget_results_before for p in parts if p.forget_results_before),
                     default=None)
        if cutoff is not None:
            conn.execute("DELETE FROM command_results WHERE at < ?", (cutoff,))
        return ranges

    def _abort(self, exc: BaseException, problem: str | None) -> None:
        # Later batches were built on this one: refuse them until the hub has rebuilt its
        # state from what is really on disk (clear_failure).
        self.failed = True
        # for health(): what went wrong, without the file's path
        self._last_commit = (False, time.time(), problem or str(exc) or type(exc).__name__)
        if self.writer.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.writer.execute("ROLLBACK")

    def clear_failure(self) -> None:
        """The hub has reloaded its state from the database: commits are taken again."""
        self.failed = False

    # ------------------------------------------------------------------ restart
    def load_state(self) -> tuple[dict[str, Any] | None, list[dict], list[dict], list[dict]]:
        """Meta, today's tickets, counters and open bookings: enough to rebuild the engine."""
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key='engine'").fetchone()
            meta = json.loads(row[0]) if row else None
            tickets: list[dict] = []
            if meta:
                where, params = tickets_of_days(meta["day"], meta["day"])
                tickets = list(self.db.query(f"SELECT * FROM tickets WHERE {where}", params))
            counters = list(self.db.query("SELECT * FROM counters"))
            bookings = list(self.db.query("SELECT * FROM bookings WHERE ticket IS NULL"))
        return meta, tickets, counters, bookings

    def recent_results(self, cutoff: str) -> list[tuple[str, str, str, str]]:
        """Command results from `cutoff` on, in commit order: (device, id, at, JSON); older
        ones are deleted. `cutoff` is formatted like the stored times (the office's
        offset), so the two compare as strings."""
        with self.lock:
            self.conn.execute("DELETE FROM command_results WHERE at < ?", (cutoff,))
            return self.conn.execute("SELECT device, id, at, result FROM command_results "
                                     "ORDER BY rowid").fetchall()

    def events_since(self, seq: int, limit: int = 10_000, upto: int | None = None
                     ) -> list[tuple[int, str, str, dict]]:
        upto = self.seq if upto is None else upto
        with self.lock:
            rows = self.conn.execute(
                "SELECT seq, at, name, payload FROM events WHERE seq > ? AND seq <= ? "
                "ORDER BY seq LIMIT ?", (seq, upto, limit)).fetchall()
        return [(s, at, name, json.loads(p)) for s, at, name, p in rows]

    # ------------------------------------------------------------------ the audit log
    def audit_events(self, day: str, officer: str | None = None, number: str | None = None,
                     limit: int = 100) -> list[dict[str, Any]]:
        """A day's events, newest first: those a person (`officer`) caused, those about a
        ticket (`number`), or all; at most `limit`."""
        where, params = "day = ?", [day]
        if officer:
            suffix = f"/{officer}"
            where += " AND (actor = ? OR substr(actor, -?) = ?)"
            params += [officer, len(suffix), suffix]
        if number:
            where += " AND instr(payload, ?) > 0"
            params.append(f'"{number}"')
        out = []
        with self.lock:
            cursor = self.conn.execute(f"SELECT seq, at, actor, name, payload FROM events "
                                       f"WHERE {where} ORDER BY seq DESC", params)
            for seq, at, actor, name, payload in cursor:
                data = json.loads(payload)
                if number and not _about_ticket(data, number):
                    continue
                out.append({"seq": seq, "at": at, "actor": actor, "name": name, "data": data})
                if len(out) >= limit:
                    break
        return out

    def ticket_events(self, ticket: str, day: str) -> list[dict[str, Any]]:
        """Every event of a day about one ticket (its number), oldest first."""
        return list(reversed(self.audit_events(day, number=ticket, limit=10_000)))

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
            return [Device(r["name"], r["role"], r["counter"], r["created_at"], r["revoked_at"],
                           r.get("last_seen"))
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
                                        "created_at": _utcnow()}, pk="id")

    def verify_officer(self, officer_id: str, pin: str, now: datetime, device: str,
                       supervisor_only: bool = False) -> tuple[str, str | None, int]:
        """('ok', name, 0) | ('bad', None, 0) | ('locked', None, minutes left), for a login
        at `device`. Runs the slow KDF: call it off the event loop.

        Wrong PINs are counted per (device, officer id), in `login_failures`: a device that
        guesses locks only itself out for that id, so it cannot lock an officer out of
        every counter. LOCKOUT_AFTER wrong PINs in a row lock the pair for
        LOCKOUT_FIRST_MINUTES; each wrong PIN after a lockout locks it again for twice as
        long, up to LOCKOUT_MAX_MINUTES; a right PIN starts the pair over. An unknown id is
        treated exactly as a known one with a wrong PIN (the same KDF cost, the same
        counting and lockouts), so the answers do not tell which ids exist. While a pair is
        locked its PIN is not checked at all. A disabled officer, and with `supervisor_only`
        (the supervisor's console) an officer who does not supervise, is treated as an
        unknown id: a right PIN opens nothing and tells nothing.
        """
        device = device or ""
        with self.lock:
            pair = self.conn.execute(
                "SELECT locked_until FROM login_failures WHERE device = ? AND officer = ?",
                (device, officer_id)).fetchone()
            officer = self.conn.execute("SELECT name, pin_hash, salt, disabled, supervisor "
                                        "FROM officers WHERE id = ?", (officer_id,)).fetchone()
        if officer is not None and supervisor_only and not officer[4]:
            officer = None  # the console: an officer who does not supervise is no one
        if pair is not None and pair[0] is not None:
            left = (datetime.fromisoformat(pair[0]) - now).total_seconds()
            if left > 0:
                return "locked", None, max(1, math.ceil(left / 60))
        if officer is None or officer[3]:  # a disabled officer: as an unknown id
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

    # -------------------------------------------------------------- the supervisor's
    def officer_info(self, officer_id: str, now: datetime | None = None
                     ) -> dict[str, Any] | None:
        """An officer as the console shows them (never a PIN or its hash); None if unknown.
        `locked`: some device (or address) is locked out for them at `now`."""
        with self.lock:
            row = self.conn.execute("SELECT id, name, supervisor, disabled FROM officers "
                                    "WHERE id = ?", (officer_id,)).fetchone()
        if row is None:
            return None
        return {"id": row[0], "name": row[1], "supervisor": bool(row[2]),
                "disabled": bool(row[3]), "locked": self._locked(row[0], now)}

    def list_officers(self, now: datetime | None = None) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.conn.execute("SELECT id, name, supervisor, disabled FROM officers "
                                     "ORDER BY id").fetchall()
            locked = {officer for officer, until in self.conn.execute(
                "SELECT officer, locked_until FROM login_failures WHERE locked_until IS NOT "
                "NULL") if now is not None and datetime.fromisoformat(until) > now}
        return [{"id": r[0], "name": r[1], "supervisor": bool(r[2]), "disabled": bool(r[3]),
                 "locked": r[0] in locked} for r in rows]

    def _locked(self, officer_id: str, now: datetime | None) -> bool:
        if now is None:
            return False
        with self.lock:
            rows = self.conn.execute("SELECT locked_until FROM login_failures WHERE officer = ?"
                                     " AND locked_until IS NOT NULL", (officer_id,)).fetchall()
        return any(datetime.fromisoformat(until) > now for (until,) in rows)

    def save_officer(self, officer_id: str, name: str, pin_hash: tuple[str, str] | None = None,
                     supervisor: bool | None = None, disabled: bool | None = None) -> None:
        """Add an officer (with `pin_hash`: (hash, salt hex) from `new_pin_hash`) or change
        one; what is None stays as it is (a new officer: not a supervisor, enabled)."""
        row: dict[str, Any] = {"id": officer_id, "name": name}
        if pin_hash is not None:
            row["pin_hash"], row["salt"] = pin_hash
        if supervisor is not None:
            row["supervisor"] = int(supervisor)
        if disabled is not None:
            row["disabled"] = int(disabled)
        with self.lock:
            exists = self.conn.execute("SELECT 1 FROM officers WHERE id = ?",
                                       (officer_id,)).fetchone()
            if exists is None:
                if pin_hash is None:
                    raise ValueError("a new officer needs a PIN")
                row.setdefault("created_at", _utcnow())
            self.db["officers"].upsert(row, pk="id")

    def officer_exists(self, officer_id: str) -> bool:
        with self.lock:
            return self.conn.execute("SELECT 1 FROM officers WHERE id = ?",
                                     (officer_id,)).fetchone() is not None

    def device(self, name: str) -> Device | None:
        """A device by its name, revoked or not."""
        with self.lock:
            rows = list(self.db.query("SELECT * FROM devices WHERE name = ?", [name]))
        if not rows:
            return None
        r = rows[0]
        return Device(r["name"], r["role"], r["counter"], r["created_at"], r["revoked_at"],
                      r.get("last_seen"))

    def device_seen(self, name: str, at: str) -> None:
        """A paired device was connected at `at` (ISO)."""
        with self.lock:
            self.conn.execute("UPDATE devices SET last_seen = ? WHERE name = ?", (at, name))

    def record_pairing_approval(self, code: str, name: str, role: str,
                                counter: str | None) -> None:
        """`antrean device approve`: for the running server to carry out (its tick)."""
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO pairing_approvals(code, name, role, "
                              "counter, requested_at, outcome) VALUES (?,?,?,?,?,NULL)",
                              (code, name, role, counter, _utcnow()))

    def pending_pairing_approvals(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.db.query("SELECT * FROM pairing_approvals WHERE outcome IS NULL "
                                      "ORDER BY requested_at"))

    def answer_pairing_approval(self, code: str, outcome: str) -> None:
        """What came of an approval from the command line ("approved", or why not)."""
        with self.lock:
            self.conn.execute("UPDATE pairing_approvals SET outcome = ? WHERE code = ?",
                              (outcome, code))

    def pairing_approval_outcome(self, code: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT outcome FROM pairing_approvals WHERE code = ?",
                                    (code,)).fetchone()
        return row[0] if row else None

    def clear_lockouts(self, officer_id: str) -> int:
        """Forget every wrong PIN counted for an officer id, at every device (a supervisor
        unlocking an officer); returns how many devices had counted any."""
        with self.lock:
            return self.conn.execute("DELETE FROM login_failures WHERE officer = ?",
                                     (officer_id,)).rowcount


def _about_ticket(data: Any, number: str) -> bool:
    """Whether an event's payload is about the ticket numbered `number`."""
    if not isinstance(data, dict):
        return False
    ticket = data.get("ticket")
    if isinstance(ticket, dict):
        return ticket.get("number") == number
    return ticket == number


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
