"""Retention: fold per-ticket data older than `retention.days` into `daily_aggregates`.

For each office day before the cut-off that still has per-ticket data, in ONE
transaction: the day's aggregates (made by the `fold` the caller hands in: the reports'
own fold, so reports over such a day read the same figures) are written to
`daily_aggregates`; its `tickets` rows, its ticket-level events and its survey answers
(free-text comments may hold personal data) are deleted; events kept for the audit trail
(counters, logins, alerts) lose any embedded ticket.

Safe while the server runs: the server only writes today's rows, each day is its own
short `BEGIN IMMEDIATE` transaction, and WAL readers are never blocked.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from config.office import OfficeConfig
from protocol.messages import Event
from server.store.sqlite import events_of_days, tickets_of_days

# the events that carry one ticket (and the survey answers): deleted with the day's tickets
DELETE_EVENTS = frozenset({
    Event.TICKET_ISSUED, Event.TICKET_CALLED, Event.TICKET_RECALLED, Event.SERVICE_STARTED,
    Event.TICKET_FINISHED, Event.TICKET_NO_SHOW, Event.TICKET_TRANSFERRED,
    Event.TICKET_CANCELLED, Event.SURVEY_SUBMITTED})

# fold(conn, day, stored): the aggregate rows {(service, lane, metric): value} to keep for
# `day`, given what `daily_aggregates` already holds for it (an earlier partial purge)
DayFold = Callable[[sqlite3.Connection, date, dict[tuple[str, str, str], float]],
                   dict[tuple[str, str, str], float]]


@dataclass
class PurgeResult:
    days: list[str] = field(default_factory=list)
    tickets_deleted: int = 0
    events_deleted: int = 0


def _candidate_days(conn: sqlite3.Connection, cutoff: date) -> list[str]:
    c = cutoff.isoformat()
    before = (cutoff - timedelta(days=1)).isoformat()
    where, params = tickets_of_days(None, before)
    days = {r[0] for r in conn.execute(f"SELECT DISTINCT day FROM tickets WHERE {where}",
                                       params)}
    names = sorted(DELETE_EVENTS)
    marks = ",".join("?" * len(names))
    where, params = events_of_days(None, before)
    days |= {r[0] for r in conn.execute(
        f"SELECT DISTINCT day FROM events WHERE {where} AND name IN ({marks})",
        [*params, *names])}
    return sorted(d for d in days if d and d < c)


def purge(db_path: str | Path, config: OfficeConfig, fold: DayFold,
          now: datetime | None = None, retention_days: int | None = None) -> PurgeResult:
    """Fold and delete every day older than the retention; returns what was done."""
    now = now or datetime.now(config.tz)
    keep = retention_days if retention_days is not None else config.retention.days
    cutoff = now.astimezone(config.tz).date() - timedelta(days=keep)
    conn = sqlite3.connect(str(db_path), timeout=30, isolation_level=None)
    result = PurgeResult()
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        for iso in _candidate_days(conn, cutoff):
            day = date.fromisoformat(iso)
            conn.execute("BEGIN IMMEDIATE")
            try:
                stored = {(s, ln, m): v for s, ln, m, v in conn.execute(
                    "SELECT service, lane, metric, value FROM daily_aggregates WHERE day = ?",
                    [iso])}
                merged = fold(conn, day, stored)
                conn.execute("DELETE FROM daily_aggregates WHERE day = ?", [iso])
                conn.executemany("INSERT INTO daily_aggregates(day, service, lane, metric, value)"
                                 " VALUES (?,?,?,?,?)",
                                 [(iso, s, ln, m, v) for (s, ln, m), v in merged.items()])
                where, params = tickets_of_days(iso, iso)
                result.tickets_deleted += conn.execute(
                    f"DELETE FROM tickets WHERE {where}", params).rowcount
                names = sorted(DELETE_EVENTS)
                marks = ",".join("?" * len(names))
                where, params = events_of_days(iso, iso)
                result.events_deleted += conn.execute(
                    f"DELETE FROM events WHERE {where} AND name IN ({marks})",
                    [*params, *names]).rowcount
                # surveys are filed under their ticket's day, which is the event's day
                _scrub_kept(conn, iso)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            result.days.append(iso)
    finally:
        conn.close()
    return result


def _scrub_kept(conn: sqlite3.Connection, iso: str) -> None:
    """Kept events of a purged day must not carry a ticket (its phone-page token)."""
    where, params = events_of_days(iso, iso)
    rows = conn.execute(f"SELECT seq, payload FROM events WHERE {where} AND payload LIKE "
                        "'%\"ticket\"%'", params).fetchall()
    for seq, payload in rows:
        try:
            data = json.loads(payload)
        except (TypeError, ValueError):
            continue
        if not _strip(data):
            continue
        conn.execute("UPDATE events SET payload = ? WHERE seq = ?",
                     [json.dumps(data, ensure_ascii=False, separators=(",", ":")), seq])


def _strip(value: object) -> bool:
    """Replace every nested ticket dict by null; True if anything changed."""
    changed = False
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "ticket" and isinstance(inner, dict):
                value[key] = None
                changed = True
            else:
                changed = _strip(inner) or changed
    elif isinstance(value, list):
        for inner in value:
            changed = _strip(inner) or changed
    return changed
