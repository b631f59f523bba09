"""Reading the report's inputs from the SQLite file (sqlite-utils), read-only.

Owns every SELECT the reports make: the events of a period (raw days), the
`daily_aggregates` rows of purged days, and officer names. Opens the database with
`mode=ro` so a report never creates or changes a file, and never blocks the server (WAL
readers don't block the writer).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlite_utils

from reports.kpi import PURGED, REPORT_EVENTS, Agg, EventRow
from server.store.sqlite import events_of_days


class SourceError(Exception):
    """The database cannot be read (missing, not an Antrean database)."""


def connect_ro(db_path: str | Path) -> sqlite_utils.Database:
    path = Path(db_path)
    if not path.is_file():
        raise SourceError(f"{path}: no such database")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        conn.execute("SELECT count(*) FROM events").fetchone()
    except sqlite3.Error as exc:
        raise SourceError(f"{path}: not a readable Antrean database: {exc}") from None
    return sqlite_utils.Database(conn)


@dataclass
class PeriodData:
    events: list[EventRow] = field(default_factory=list)
    aggregates: dict[str, Agg] = field(default_factory=dict)  # purged day -> Agg
    officer_names: dict[str, str] = field(default_factory=dict)
    last_event_at: datetime | None = None


def read_period(db: sqlite_utils.Database, date_from: date, date_to: date) -> PeriodData:
    """Events of [from, to] (plus the day after, for the closing rollover) and the
    aggregates of purged days in [from, to]."""
    out = PeriodData()
    names = sorted(REPORT_EVENTS)
    marks = ",".join("?" * len(names))
    days, params = events_of_days(date_from.isoformat(),
                                  (date_to + timedelta(days=1)).isoformat())
    rows = db.execute(
        f"SELECT seq, at, day, name, payload FROM events WHERE {days} "
        f"AND name IN ({marks}) ORDER BY seq", [*params, *names]).fetchall()
    for seq, at, day, name, payload in rows:
        try:
            data = json.loads(payload)
        except (TypeError, ValueError):
            continue  # a damaged row must not sink the whole report
        if isinstance(data, dict):
            out.events.append(EventRow(seq, at, day, name, data))
    days, params = events_of_days(None, date_to.isoformat())
    last = db.execute(f"SELECT max(at) FROM events WHERE {days}", params).fetchone()[0]
    out.last_event_at = datetime.fromisoformat(last) if last else None
    if db["daily_aggregates"].exists():
        for day, service, lane, metric, value in db.execute(
                "SELECT day, service, lane, metric, value FROM daily_aggregates "
                "WHERE day BETWEEN ? AND ?", [date_from.isoformat(), date_to.isoformat()]):
            out.aggregates.setdefault(day, {})[(service or "", lane or "", metric)] = value
        out.aggregates = {d: a for d, a in out.aggregates.items() if a.get(PURGED)}
    if db["officers"].exists():
        out.officer_names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM officers")}
    return out
