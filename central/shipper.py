"""Shipping the office's outbox to the central PostgreSQL, in the background.

One thread per server (`Shipper`), with its own connections: the hub never waits for
it, and it never holds the office database for more than a short transaction. Each round
folds the closed days (central/outbox.py), then sends the facts after the last confirmed
one in batches, then the days not yet sent. Every write at the centre is idempotent —
facts `ON CONFLICT DO NOTHING` on (office, day, own id), a day's aggregates replaced
whole — and the office marks a batch shipped only after the centre committed it, so a
batch cut off by a WAN outage, a restart or a crash is simply sent again. When the centre
cannot be reached the thread waits, longer each time (up to `[central]
retry_max_seconds`), and tries again; the outbox waits in the office's SQLite meanwhile.

The URL may carry a password: it is never logged (`redact`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from central import outbox
from central.schema import ensure_months, require_current
from config.office import OfficeConfig

log = logging.getLogger("antrean.central")
CONNECT_TIMEOUT_S = 10
STATEMENT_TIMEOUT_MS = 60_000
FACT_FIELDS = ("id", "day", "service", "stage", "lane", "first_visit", "issued_at",
               "queued_at", "called_at", "started_at", "finished_at", "outcome", "counter",
               "wait_s", "service_s")
INSERT_FACTS = ("INSERT INTO ticket_facts(office, local_id, day, service, stage, lane, "
                "first_visit, issued_at, queued_at, called_at, started_at, finished_at, "
                "outcome, counter, wait_s, service_s) VALUES ("
                + ",".join(["%s"] * 16) + ") ON CONFLICT DO NOTHING")


def redact(url: str) -> str:
    """`user@host:port/db` of a URL: what a log line or a status may show."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "(an unreadable URL)"
    host = parts.get("host") or "localhost"
    where = f"{host}:{parts['port']}" if parts.get("port") else host
    return f"{parts.get('user') or ''}@{where}/{parts.get('dbname') or ''}"


def scrub(text: str, url: str) -> str:
    """`text` without the URL's password (a driver's message might quote the URL)."""
    try:
        password = conninfo_to_dict(url).get("password")
    except psycopg.Error:
        password = None
    text = text.replace(url, redact(url))
    return text.replace(password, "***") if password else text


def connect_central(url: str, **kwargs: Any) -> psycopg.Connection:
    """A connection that gives up rather than hangs: a connect timeout, TCP keepalives (a
    WAN that drops silently), and a statement timeout."""
    return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                           application_name="antrean", keepalives=1, keepalives_idle=30,
                           keepalives_interval=10, keepalives_count=3,
                           options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}", **kwargs)


class Shipper:
    """Ships one office database's outbox to `config.central.url`."""

    def __init__(self, config: OfficeConfig, db_path: str | Path, url: str | None = None,
                 *, idle_s: float | None = None, max_backoff_s: float | None = None) -> None:
        self.config = config
        self.db_path = str(db_path)
        self.url = url or config.central.url or ""
        if not self.url:
            raise ValueError("no [central] url")
        self.office = config.office.id
        self.batch = config.central.batch_size
        self.idle_s = config.central.interval_seconds if idle_s is None else idle_s
        self.max_backoff_s = (config.central.retry_max_seconds if max_backoff_s is None
                              else max_backoff_s)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pg: psycopg.Connection | None = None
        self._months: set[date] = set()
        self.rounds_failed = 0  # consecutive failed rounds
        self.last_error: str | None = None  # scrubbed of the password
        # set whenever a round found nothing left to ship; cleared when one starts
        self.drained = threading.Event()

    # ---------------------------------------------------------------- the thread
    def start(self) -> Shipper:
        self._thread = threading.Thread(target=self._run, name="antrean-central",
                                        daemon=True)
        self._thread.start()
        log.info("shipping the outbox to %s", redact(self.url))
        return self

    def wake(self) -> None:
        """Try now (tests; a day rolled over)."""
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._close_pg()

    def _run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            self.drained.clear()
            try:
                while not self._stop.is_set() and self.ship_round():
                    pass
                backoff, self.rounds_failed, self.last_error = 1.0, 0, None
                wait = self.idle_s
                self.drained.set()
            except Exception as exc:  # noqa: BLE001 — the centre's trouble is never the hall's
                self.rounds_failed += 1
                self.last_error = scrub(f"{type(exc).__name__}: {exc}", self.url)
                log.warning("central %s: cannot ship (%s); trying again in %.0f s",
                            redact(self.url), self.last_error.splitlines()[0], backoff)
                self._close_pg()
                wait, backoff = min(backoff, self.max_backoff_s), min(backoff * 2,
                                                                      self.max_backoff_s)
            self._wake.wait(wait)
            self._wake.clear()

    def _close_pg(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()
            except psycopg.Error:
                pass
            self._pg = None

    def _central(self) -> psycopg.Connection:
        if self._pg is None or self._pg.closed:
            self._pg = connect_central(self.url)
            require_current(self._pg)
            self._months.clear()
        return self._pg

    # ---------------------------------------------------------------- one round
    def ship_round(self) -> int:
        """Fold, then send one batch of facts and the pending days; returns how many
        items went (0: nothing was pending)."""
        local = outbox.connect(self.db_path)
        try:
            outbox.fold_closed_days(local, self.config)
            sent = self._ship_facts(local)
            sent += self._ship_days(local)
            return sent
        finally:
            local.close()

    def _ship_facts(self, local: sqlite3.Connection) -> int:
        after = outbox.state(local, outbox.FACTS_SHIPPED)
        rows = local.execute(f"SELECT {','.join(FACT_FIELDS)} FROM outbox_facts WHERE id > ? "
                             "ORDER BY id LIMIT ?", (after, self.batch)).fetchall()
        if not rows:
            return 0
        pg = self._central()
        days = {date.fromisoformat(r[1]) for r in rows}
        self._ensure(pg, days)
        params = [(self.office, r[0], r[1], r[2], r[3], r[4], bool(r[5]), *r[6:])
                  for r in rows]
        with pg.transaction(), pg.cursor() as cur:
            cur.executemany(INSERT_FACTS, params)
            self._touch_office(cur)
        outbox.mark_facts_shipped(local, rows[-1][0])
        return len(rows)

    def _ship_days(self, local: sqlite3.Connection) -> int:
        days = local.execute("SELECT day, folded_at, final FROM outbox_days WHERE shipped = 0 "
                             "ORDER BY day LIMIT 31").fetchall()
        if not days:
            return 0
        pg = self._central()
        self._ensure(pg, {date.fromisoformat(d) for d, _, _ in days})
        for day, folded_at, final in days:
            rows = local.execute("SELECT scope, lane, metric, value FROM outbox_aggregates "
                                 "WHERE day = ?", (day,)).fetchall()
            with pg.transaction(), pg.cursor() as cur:
                cur.execute("DELETE FROM day_aggregates WHERE office = %s AND day = %s",
                            (self.office, day))
                cur.executemany("INSERT INTO day_aggregates(office, day, scope, lane, metric, "
                                "value) VALUES (%s, %s, %s, %s, %s, %s)",
                                [(self.office, day, *r) for r in rows])
                cur.execute("INSERT INTO office_days(office, day, final, received_at) "
                            "VALUES (%s, %s, %s, now()) ON CONFLICT (office, day) DO UPDATE "
                            "SET final = excluded.final, received_at = excluded.received_at",
                            (self.office, day, bool(final)))
                self._touch_office(cur)
            outbox.mark_day_shipped(local, day, folded_at)
        return len(days)

    def _ensure(self, pg: psycopg.Connection, days: set[date]) -> None:
        missing = {d.replace(day=1) for d in days} - self._months
        if missing:
            ensure_months(pg, sorted(missing))
            self._months |= missing

    def _touch_office(self, cur: psycopg.Cursor) -> None:
        cur.execute("INSERT INTO offices(office, name, timezone, last_received_at) "
                    "VALUES (%s, %s, %s, now()) ON CONFLICT (office) DO UPDATE SET "
                    "name = excluded.name, timezone = excluded.timezone, "
                    "last_received_at = excluded.last_received_at",
                    (self.office, self.config.office.name, self.config.office.timezone))


def start_shipper(config: OfficeConfig, db_path: str | Path) -> Shipper | None:
    """The shipper for a server, when `[central] url` is set (antrean/wiring.py)."""
    if not config.central.url:
        return None
    return Shipper(config, db_path).start()
