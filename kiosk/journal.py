"""The kiosk's local journal: leased numbers and the tickets it issued while offline.

One SQLite file in the kiosk's state folder, beside its credentials file
(`<config>/antrean/<device>.journal.sqlite`), in WAL mode with `synchronous=FULL`: a
ticket's row is durable before the ticket is printed, so a power cut after the print never
loses it (a power cut before the commit loses only a number nobody holds on paper).

Tables:
- `leases(day, service, lane, number, used)`: numbers the server reserved for this kiosk
  (`lease_numbers`); a number is used once, in the same transaction that records its ticket.
- `offline_tickets(id, number, service, lane, lang, issued_at, token, synced, error, …)`:
  every ticket issued offline; `synced` is set only once the server acknowledged the entry
  (`sync_offline`), or refused it for good (then `error` says why, for the technician).
- `meta(key, value)`: the clock offset to the server, the status-page base URL and the last
  office snapshot (so a kiosk restarted during an outage still shows its services).

Plain Python (sqlite3), no Qt: the flow and the tests use it directly.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("antrean.kiosk.journal")

SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (
    day TEXT NOT NULL, service TEXT NOT NULL, lane TEXT NOT NULL, number TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, number));
CREATE TABLE IF NOT EXISTS offline_tickets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE, number TEXT NOT NULL, service TEXT NOT NULL,
    lane TEXT NOT NULL, lang TEXT NOT NULL, issued_at TEXT NOT NULL, token TEXT,
    day TEXT NOT NULL, synced INTEGER NOT NULL DEFAULT 0, error TEXT,
    server_id TEXT);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
JOURNAL_SUFFIX = ".journal.sqlite"


def journal_path(credentials_file: str | Path) -> Path:
    """The journal beside a device's credentials file (`kiosk-1.json` → `kiosk-1.journal…`)."""
    path = Path(credentials_file)
    return path.with_name(path.stem + JOURNAL_SUFFIX)


@dataclass(frozen=True)
class OfflineTicket:
    id: str  # k_<kiosk>_<uuid>, chosen by the kiosk: the server's key for exactly-once
    number: str
    service: str
    lane: str
    lang: str
    issued_at: str  # ISO, the kiosk's clock corrected by the server offset, office zone
    token: str  # the status page's secret, printed in the QR before the server knows it
    day: str

    def wire(self) -> dict[str, Any]:
        """The entry as `sync_offline` sends it."""
        return {"id": self.id, "number": self.number, "service": self.service,
                "lane": self.lane, "lang": self.lang, "issued_at": self.issued_at,
                "token": self.token}


class Journal:
    """The journal file; every write is one committed transaction."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # autocommit off by hand: every write below is an explicit BEGIN IMMEDIATE … COMMIT
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _write(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for sql, params in statements:
                self.db.execute(sql, params)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------------ leases
    def add_lease(self, day: str, service: str, lane: str, numbers: Iterable[str]) -> int:
        """Record leased numbers (a number already known is kept as it is); how many new."""
        before = self.db.total_changes
        self._write(("INSERT OR IGNORE INTO leases (day, service, lane, number) "
                     "VALUES (?, ?, ?, ?)", (day, service, lane, str(n))) for n in numbers)
        return self.db.total_changes - before

    def unused(self, day: str, service: str, lane: str) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM leases WHERE day = ? AND service = ? "
                              "AND lane = ? AND used = 0", (day, service, lane)).fetchone()
        return int(row[0])

    def unused_by_key(self, day: str) -> dict[tuple[str, str], int]:
        rows = self.db.execute("SELECT service, lane, COUNT(*) FROM leases WHERE day = ? "
                               "AND used = 0 GROUP BY service, lane", (day,)).fetchall()
        return {(r[0], r[1]): int(r[2]) for r in rows}

    def next_number(self, day: str, service: str, lane: str) -> str | None:
        """The lowest unused leased number for today's service and lane (not yet used)."""
        row = self.db.execute(
            "SELECT number FROM leases WHERE day = ? AND service = ? AND lane = ? AND used = 0 "
            "ORDER BY length(number), number LIMIT 1", (day, service, lane)).fetchone()
        return None if row is None else str(row[0])

    def drop_other_days(self, today: str) -> int:
        """Forget leases of any other day (they expired at the rollover); how many."""
        before = self.db.total_changes
        self._write([("DELETE FROM leases WHERE day <> ?", (today,))])
        return self.db.total_changes - before

    # ------------------------------------------------------------------ offline tickets
    def record(self, ticket: OfflineTicket) -> None:
        """Use the ticket's leased number and store the ticket, in one durable commit.

        ValueError when the number is not an unused lease of that day, service and lane
        (nothing is written then)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute(
                "UPDATE leases SET used = 1 WHERE day = ? AND number = ? AND service = ? "
                "AND lane = ? AND used = 0",
                (ticket.day, ticket.number, ticket.service, ticket.lane))
            if cur.rowcount != 1:
                raise ValueError(f"{ticket.number} is not an unused lease for "
                                 f"{ticket.service}/{ticket.lane} on {ticket.day}")
            self.db.execute(
                "INSERT INTO offline_tickets (id, number, service, lane, lang, issued_at, "
                "token, day) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ticket.id, ticket.number, ticket.service, ticket.lane, ticket.lang,
                 ticket.issued_at, ticket.token, ticket.day))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def unsynced(self, limit: int = 100) -> list[OfflineTicket]:
        """Entries the server has not acknowledged yet, in issue order."""
        rows = self.db.execute(
            "SELECT id, number, service, lane, lang, issued_at, token, day FROM "
            "offline_tickets WHERE synced = 0 ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [OfflineTicket(**dict(row)) for row in rows]

    def mark_synced(self, ticket_id: str, *, server_id: str | None = None,
                    error: dict[str, Any] | None = None) -> None:
        """The server acknowledged the entry (or refused it for good: `error` is kept)."""
        self._write([("UPDATE offline_tickets SET synced = 1, server_id = ?, error = ? "
                      "WHERE id = ?",
                      (server_id, json.dumps(error) if error else None, ticket_id))])

    def tickets(self) -> list[dict[str, Any]]:
        """Every entry, synced or not (the technician's view; tests)."""
        rows = self.db.execute("SELECT * FROM offline_tickets ORDER BY seq").fetchall()
        return [dict(row) for row in rows]

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError:
            log.warning("journal %s: meta %s is not JSON; ignored", self.path, key)
            return default

    def set_meta(self, key: str, value: Any) -> None:
        self._write([("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) "
                      "DO UPDATE SET value = excluded.value", (key, json.dumps(value)))])
