"""The outbox for the directorate's central database: anonymised ticket facts.

One fact per *visit* (a stay in one waiting line, as `reports/kpi.py` defines it), written
by the store in the same transaction as the events that end the visit: a ticket finished,
no-show, transferred on, cancelled, or expired at the day's end. A fact holds what the
centre compares offices by — service, lane, stage, the visit's times, its outcome and the
counter — and nothing that names or finds a person: no token, no booking code, no
officer, no free text. Its key in the centre is (office id, the fact's own id here).

The daily aggregates (the report's fold of each closed day) are written by whoever ships
the outbox (`central/`), which may use the reports; the server only writes facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

# the stored fact, in column order (`outbox_facts`, without its own id)
FACT_COLUMNS = ("visit", "day", "service", "stage", "lane", "first_visit", "issued_at",
                "queued_at", "called_at", "started_at", "finished_at", "outcome", "counter",
                "wait_s", "service_s")
INSERT_FACT = (f"INSERT OR IGNORE INTO outbox_facts({','.join(FACT_COLUMNS)}) "
               f"VALUES ({','.join('?' * len(FACT_COLUMNS))})")

_ENDS = {"ticket_finished": "served", "ticket_no_show": "no_show",
         "ticket_cancelled": "cancelled"}


def _seconds(start: str | None, end: str | None) -> int | None:
    """Whole seconds from `start` to `end` (0 at least), rounded as the report rounds them."""
    if not start or not end:
        return None
    return round(max(0.0, (datetime.fromisoformat(end)
                           - datetime.fromisoformat(start)).total_seconds()))


def _ms(value: Any) -> str | None:
    """A stored record's time as the wire writes it (milliseconds, truncated)."""
    if not value:
        return None
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dt.isoformat(timespec="milliseconds")


def _fact(day: str, tk: dict[str, Any], service: str, stage: str, lane: str,
          queued: str | None, called: str | None, started: str | None, ended: str | None,
          outcome: str, counter: str | None) -> tuple[Any, ...]:
    issued = tk.get("issued_at")
    queued = queued or issued
    # a visit is a ticket's stay in one line, ended by one call: a no-show reinstated by
    # a supervisor keeps its place (queued_at) but is called again, a visit of its own
    return (f"{tk['id']}@{queued}@{called or ''}", day, service, stage, lane,
            int(queued == issued), issued, queued, called, started, ended, outcome, counter,
            _seconds(queued, called),
            _seconds(started, ended) if outcome in ("served", "transferred") else None)


def facts_of(events: Iterable[tuple[str, str, str, str, dict[str, Any]]],
             tickets: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The facts of the visits a batch ended: from its events (at, day, actor, name, data)
    and, for tickets that expired at the day's end, from their records."""
    out: list[tuple[Any, ...]] = []
    for at, day, _actor, name, data in events:
        tk = data.get("ticket") if isinstance(data, dict) else None
        if not isinstance(tk, dict) or "id" not in tk:
            continue
        if name in _ENDS:
            out.append(_fact(day, tk, tk["service"], tk["stage"], tk["lane"],
                             tk.get("queued_at"), tk.get("called_at"), tk.get("started_at"),
                             tk.get("finished_at") or at, _ENDS[name],
                             data.get("counter") or tk.get("counter")))
        elif name == "ticket_transferred" and (data.get("from") or {}).get("called_at"):
            # a visit that ended at a counter (a supervisor's `move_ticket` moves a waiting
            # ticket, never called: its wait goes on, and the visit's fact is written when
            # it ends)
            src = data.get("from") or {}
            out.append(_fact(day, tk, src.get("service", tk["service"]),
                             src.get("stage", tk["stage"]), src.get("lane", tk["lane"]),
                             src.get("queued_at"), src.get("called_at"),
                             src.get("started_at"), at, "transferred", src.get("counter")))
    for rec in tickets:
        if rec.get("status") == "expired":
            tk = {"id": rec["id"], "issued_at": _ms(rec.get("issued_at"))}
            out.append(_fact(rec["day"], tk, rec["service"], rec["stage"], rec["lane"],
                             _ms(rec.get("queued_at")), _ms(rec.get("called_at")),
                             _ms(rec.get("started_at")), _ms(rec.get("finished_at")),
                             "expired", rec.get("counter")))
    return out
