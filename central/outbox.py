"""The office side of the outbox: fold each closed day into `outbox_aggregates` (the
report's own fold, reports/kpi.py), and say what is still to ship.

The server writes the facts (server/store/outbox.py); this module adds the daily
aggregates, which need the reports, so it runs beside the server (in the shipper's
thread), never inside it. A day is folded once the office day has moved past it and
folded again, for good (`final`), once the day after it has closed too: survey answers
given the next morning are filed under their ticket's day.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from config.office import OfficeConfig
from reports.kpi import PURGED, Agg, fold_day, stored_day_events

FACTS_SHIPPED = "facts_shipped"
LAST_SHIPPED_AT = "last_shipped_at"  # unix seconds of the last confirmed batch


def connect(db_path: str | Path) -> sqlite3.Connection:
    """A connection of its own to the office database (WAL: it never blocks the hub's
    readers; its writes are short transactions)."""
    conn = sqlite3.connect(str(db_path), isolation_level=None, timeout=30,
                           check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def central_figures(agg: Agg) -> Agg:
    """What the centre keeps of a day's fold: no officer (a person's own figures stay in
    the office) and no histogram (the centre has every visit's wait in the facts)."""
    return {k: v for k, v in agg.items()
            if not k[0].startswith("officer:") and ":" not in k[2] and k != PURGED}


def office_today(conn: sqlite3.Connection) -> date | None:
    """The office day the engine is in (None before its first start)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'engine'").fetchone()
    if not row:
        return None
    try:
        return date.fromisoformat(json.loads(row[0])["day"])
    except (ValueError, KeyError, TypeError):
        return None


def fold_closed_days(conn: sqlite3.Connection, config: OfficeConfig,
                     today: date | None = None) -> list[str]:
    """Fold every closed day with facts that is not folded for good; returns the days."""
    today = today or office_today(conn)
    if today is None:
        return []
    folded_as = dict(conn.execute("SELECT day, final FROM outbox_days"))
    folded = []
    for iso in sorted(d for d, in conn.execute(
            "SELECT DISTINCT day FROM outbox_facts WHERE day < ?", (today.isoformat(),))):
        day = date.fromisoformat(iso)
        final = day + timedelta(days=1) < today
        if iso in folded_as and (folded_as[iso] or not final):
            continue  # folded for good, or as it stands until the next day closes
        stored = {(s, ln, m): v for s, ln, m, v in conn.execute(
            "SELECT service, lane, metric, value FROM daily_aggregates WHERE day = ?", (iso,))}
        if stored.get(PURGED):  # retention kept only the fold: it is the day's figures
            agg = stored
        else:
            agg = fold_day(day, stored_day_events(conn, day), config)
        rows = [(iso, s, ln, m, v) for (s, ln, m), v in central_figures(agg).items()]
        now = datetime.now(UTC).isoformat(timespec="seconds")
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM outbox_aggregates WHERE day = ?", (iso,))
            conn.executemany("INSERT INTO outbox_aggregates(day, scope, lane, metric, value) "
                             "VALUES (?,?,?,?,?)", rows)
            conn.execute("INSERT INTO outbox_days(day, folded_at, final, shipped) "
                         "VALUES (?,?,?,0) ON CONFLICT(day) DO UPDATE SET "
                         "folded_at = excluded.folded_at, final = excluded.final, shipped = 0",
                         (iso, now, int(final)))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        folded.append(iso)
    return folded


def state(conn: sqlite3.Connection, key: str) -> int:
    row = conn.execute("SELECT value FROM outbox_state WHERE key = ?", (key,)).fetchone()
    return row[0] if row else 0


def set_state(conn: sqlite3.Connection, key: str, value: int) -> None:
    conn.execute("INSERT INTO outbox_state(key, value) VALUES (?, ?) ON CONFLICT(key) "
                 "DO UPDATE SET value = max(value, excluded.value)", (key, value))


def mark_facts_shipped(conn: sqlite3.Connection, upto: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        set_state(conn, FACTS_SHIPPED, upto)
        set_state(conn, LAST_SHIPPED_AT, int(time.time()))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def mark_day_shipped(conn: sqlite3.Connection, day: str, folded_at: str) -> None:
    """Shipped, unless it was folded again meanwhile (then it goes again)."""
    conn.execute("UPDATE outbox_days SET shipped = 1 WHERE day = ? AND folded_at = ?",
                 (day, folded_at))


@dataclass(frozen=True)
class Pending:
    facts: int
    oldest_fact_day: str | None
    days: list[str]
    facts_shipped: int
    last_shipped_at: datetime | None

    def lines(self) -> list[str]:
        last = (self.last_shipped_at.isoformat(timespec="seconds")
                if self.last_shipped_at else "never")
        return [f"facts pending: {self.facts}"
                + (f" (oldest day {self.oldest_fact_day})" if self.oldest_fact_day else ""),
                f"days pending: {len(self.days)}"
                + (f" ({', '.join(self.days[:5])}{' …' if len(self.days) > 5 else ''})"
                   if self.days else ""),
                f"facts shipped: {self.facts_shipped}",
                f"last shipped: {last}"]


def pending(conn: sqlite3.Connection) -> Pending:
    shipped = state(conn, FACTS_SHIPPED)
    count, oldest = conn.execute("SELECT count(*), min(day) FROM outbox_facts WHERE id > ?",
                                 (shipped,)).fetchone()
    days = [d for d, in conn.execute("SELECT day FROM outbox_days WHERE shipped = 0 "
                                     "ORDER BY day")]
    at = state(conn, LAST_SHIPPED_AT)
    return Pending(count, oldest, days, shipped,
                   datetime.fromtimestamp(at, UTC) if at else None)
