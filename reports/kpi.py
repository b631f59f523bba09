"""KPIs from the event log — pure functions, no I/O.

One day's events are *folded* into an `Agg`: a flat dict keyed like the
`daily_aggregates` table, `(scope, lane, metric) -> value`. Every figure of a report is
derived from the sum of the days' Aggs, so a day read from raw events and the same day
read back from `daily_aggregates` after a purge give the same report.

Scopes: a service id (with its lane) for ticket figures; `counter:<id>` and
`officer:<id>` (lane "") for desk figures; a service id with lane "" for the SKM
survey. Metrics ending in `_max` combine by max, all others by sum. Histograms
(`wait_hist:<s>`, `svc_hist:<s>`) count waits and service times in whole seconds, so
medians and p90s survive the purge.

Definitions (docs/reports.md):
- a *visit* is one stay in a waiting line: from issue (or from a transfer back into a
  line) until a counter calls the ticket. Each visit's wait (queued → called) counts
  separately and belongs to the service/lane the ticket was waiting in; a multi-stage
  passport ticket therefore has one wait per stage.
- service time is started → finished, or started → transferred for a stage that ends in
  a transfer; it belongs to the service, counter and officer of that stage.
- within target: a call whose wait ≤ the service's `target_wait_minutes`.
- issued counts at the issuing service/lane; served, no-show, cancelled and expired at
  the service/lane the ticket was in when it ended; transferred at the one it left.
- counter open time: time the counter's status was `open` (pauses excluded), cut at the
  end of the day (or at `until` for today); utilisation = service time / open time.
- arrivals per hour by the local hour of issue; waits per hour by the hour the visit
  began.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from config.office import OfficeConfig
from protocol.messages import SURVEY_PROFILE
from server.store.sqlite import events_of_days

Key = tuple[str, str, str]
Agg = dict[Key, float]
PURGED = ("", "", "purged")

TICKET_EVENTS = frozenset({"ticket_issued", "ticket_called", "ticket_recalled",
                           "service_started", "ticket_finished", "ticket_no_show",
                           "ticket_transferred", "ticket_cancelled"})
COUNTER_EVENTS = frozenset({"counter_opened", "counter_paused", "counter_closed"})
REPORT_EVENTS = TICKET_EVENTS | COUNTER_EVENTS | {"day_rolled_over", "survey_submitted"}
OUTCOMES = ("issued", "served", "no_show", "transferred", "cancelled", "expired")


@dataclass(frozen=True, slots=True)
class EventRow:
    seq: int
    at: str
    day: str
    name: str
    data: dict[str, Any]


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def counter_scope(cid: str) -> str:
    return f"counter:{cid}"


def officer_scope(oid: str) -> str:
    return f"officer:{oid}"


class _Folder:
    """Walks one day's events in seq order and adds them up."""

    def __init__(self, day: date, config: OfficeConfig, until: datetime | None) -> None:
        self.day = day
        self.config = config
        self.tz = config.tz
        day_end = datetime.combine(day + timedelta(days=1), time(0), self.tz)
        self.until = min(day_end, until) if until else day_end
        self.agg: Agg = defaultdict(float)
        self.where: dict[str, tuple[str, str]] = {}  # ticket id -> (service, lane) now
        self.call: dict[str, tuple[str | None, str | None]] = {}  # id -> (counter, officer)
        self.started: dict[str, datetime] = {}
        self.counters: dict[str, tuple[str, datetime]] = {}  # id -> (status, since)

    def add(self, scope: str, lane: str, metric: str, value: float = 1.0) -> None:
        self.agg[(scope, lane, metric)] += value

    def peak(self, scope: str, lane: str, metric: str, value: float) -> None:
        key = (scope, lane, metric)
        self.agg[key] = max(self.agg.get(key, 0.0), value)

    def target_s(self, service: str) -> float:
        svc = self.config.service(service)
        return (svc.target_wait_minutes if svc else 30) * 60.0

    def hour(self, dt: datetime) -> str:
        return f"{dt.astimezone(self.tz).hour:02d}"

    # ---- ticket figures
    def issued(self, tk: dict[str, Any]) -> None:
        sid, lane = tk["service"], tk["lane"]
        self.where[tk["id"]] = (sid, lane)
        self.add(sid, lane, "issued")
        self.add(sid, lane, f"arrivals_h{self.hour(_dt(tk['issued_at']))}")

    def called(self, tk: dict[str, Any], counter: str | None, officer: str | None) -> None:
        sid, lane = tk["service"], tk["lane"]
        self.where[tk["id"]] = (sid, lane)
        self.call[tk["id"]] = (counter, officer)
        queued, called = _dt(tk.get("queued_at") or tk["issued_at"]), _dt(tk["called_at"])
        wait = max(0.0, (called - queued).total_seconds())
        self.add(sid, lane, "calls")
        self.add(sid, lane, "wait_sum", wait)
        self.peak(sid, lane, "wait_max", wait)
        self.add(sid, lane, f"wait_hist:{round(wait)}")
        if wait <= self.target_s(sid):
            self.add(sid, lane, "within_target")
        h = self.hour(queued)
        self.add(sid, lane, f"wait_n_h{h}")
        self.add(sid, lane, f"wait_sum_h{h}", wait)
        self.add(sid, lane, f"wait_hist_h{h}:{round(wait)}")
        for scope in self._desk_scopes(counter, officer):
            self.add(scope, "", "calls")
            self.add(scope, "", "wait_sum", wait)

    def _desk_scopes(self, counter: str | None, officer: str | None) -> list[str]:
        scopes = [counter_scope(counter)] if counter else []
        return scopes + ([officer_scope(officer)] if officer else [])

    def service_segment(self, sid: str, lane: str, tid: str, end: datetime,
                        counter: str | None, officer: str | None) -> None:
        start = self.started.pop(tid, None)
        if start is None:
            return
        secs = max(0.0, (end - start).total_seconds())
        for scope, ln in ((sid, lane), *((s, "") for s in self._desk_scopes(counter, officer))):
            self.add(scope, ln, "svc_n")
            self.add(scope, ln, "svc_sum", secs)
            self.peak(scope, ln, "svc_max", secs)
            self.add(scope, ln, f"svc_hist:{round(secs)}")

    def ended(self, tid: str, tk: dict[str, Any] | None, metric: str,
              counter: str | None = None, officer: str | None = None) -> None:
        sid, lane = (tk["service"], tk["lane"]) if tk else self.where.get(tid, ("", ""))
        if not sid:
            return
        self.add(sid, lane, metric)
        for scope in self._desk_scopes(counter, officer):
            self.add(scope, "", metric)

    # ---- desks
    def counter_status(self, cid: str, status: str, at: datetime) -> None:
        at = min(at, self.until)
        prev, since = self.counters.get(cid, ("closed", at))
        if prev in ("open", "paused"):
            self.add(counter_scope(cid), "", f"{prev}_s", max(0.0, (at - since).total_seconds()))
        self.counters[cid] = (status, at)

    def finish(self) -> Agg:
        for cid in list(self.counters):
            self.counter_status(cid, "closed", self.until)
        return {k: v for k, v in self.agg.items() if v}

    # ---- dispatch
    def feed(self, ev: EventRow) -> None:
        d, name = ev.data, ev.name
        at = _dt(ev.at)
        tk = d.get("ticket") if isinstance(d.get("ticket"), dict) else None
        if name == "ticket_issued" and tk:
            self.issued(tk)
        elif name == "ticket_called" and tk:
            self.called(tk, d.get("counter"), d.get("officer"))
        elif name == "service_started" and tk:
            self.started[tk["id"]] = _dt(tk.get("started_at")) or at
        elif name == "ticket_finished" and tk:
            counter, officer = d.get("counter"), d.get("officer")
            end = _dt(tk.get("finished_at")) or at
            self.service_segment(tk["service"], tk["lane"], tk["id"], end, counter, officer)
            self.ended(tk["id"], tk, "served", counter, officer)
        elif name == "ticket_no_show" and tk:
            counter, officer = self.call.get(tk["id"], (d.get("counter"), None))
            self.ended(tk["id"], tk, "no_show", d.get("counter") or counter, officer)
        elif name == "ticket_transferred" and tk:
            src = d.get("from") or {}
            sid, lane = src.get("service", tk["service"]), src.get("lane", tk["lane"])
            counter, officer = src.get("counter"), d.get("officer")
            self.service_segment(sid, lane, tk["id"], at, counter, officer)
            self.add(sid, lane, "transferred")
            for scope in self._desk_scopes(counter, officer):
                self.add(scope, "", "transferred")
            self.where[tk["id"]] = (tk["service"], tk["lane"])
        elif name == "ticket_cancelled" and tk:
            self.started.pop(tk["id"], None)
            self.ended(tk["id"], tk, "cancelled")
        elif name == "day_rolled_over":
            for tid in d.get("expired") or []:
                self.ended(tid, None, "expired")
        elif name in COUNTER_EVENTS:
            counter = d.get("counter") or {}
            if isinstance(counter, dict) and counter.get("id"):
                self.counter_status(counter["id"], counter.get("status") or "closed", at)
        elif name == "survey_submitted":
            answers = d.get("answers")
            sid = d.get("service")
            if (isinstance(sid, str) and isinstance(answers, list) and len(answers) == 9
                    and all(isinstance(a, int) and 1 <= a <= 4 for a in answers)):
                self.add(sid, "", "skm_n")
                for i, a in enumerate(answers, 1):
                    self.add(sid, "", f"skm_u{i}", a)
                profile = d.get("profile")
                for field, codes in SURVEY_PROFILE.items():
                    code = profile.get(field) if isinstance(profile, dict) else None
                    # skipped (or unknown): counted as "not answered", so shares add up
                    self.add(sid, "", f"skm_profile:{field}:"
                             f"{code if code in codes else NOT_ANSWERED}")


def day_events(rows: Iterable[EventRow], day: date) -> list[EventRow]:
    """The events that belong to `day`: its own, plus the next day's rollover (expiries)
    and survey answers given for its tickets."""
    d = day.isoformat()
    out = []
    for ev in rows:
        if ev.name == "day_rolled_over":
            if ev.data.get("previous_day") == d:
                out.append(ev)
        elif ev.name == "survey_submitted":
            if (ev.data.get("day") or ev.day) == d:
                out.append(ev)
        elif ev.day == d and ev.name in REPORT_EVENTS:
            out.append(ev)
    return sorted(out, key=lambda e: e.seq)


def fold_day(day: date, events: Iterable[EventRow], config: OfficeConfig,
             until: datetime | None = None) -> Agg:
    """One day's Agg from that day's events (see `day_events`)."""
    folder = _Folder(day, config, until)
    for ev in events:
        folder.feed(ev)
    return folder.finish()


def merge(aggs: Iterable[Agg]) -> Agg:
    total: Agg = defaultdict(float)
    for agg in aggs:
        for key, value in agg.items():
            if key == PURGED:
                continue
            if key[2].endswith("_max"):
                total[key] = max(total.get(key, 0.0), value)
            else:
                total[key] += value
    return dict(total)


# ---------------------------------------------------------------------- statistics
def _hist(agg: Agg, keys: Iterable[Key], prefix: str) -> list[tuple[float, int]]:
    counts: dict[float, int] = defaultdict(int)
    for scope, lane, metric in keys:
        if metric.startswith(prefix):
            counts[float(metric[len(prefix):])] += int(agg[(scope, lane, metric)])
    return sorted(counts.items())


def _at_rank(items: list[tuple[float, int]], rank: int) -> float:
    seen = 0
    for value, count in items:
        seen += count
        if seen >= rank:
            return value
    return items[-1][0]


def median(items: list[tuple[float, int]]) -> float | None:
    n = sum(c for _, c in items)
    if not n:
        return None
    if n % 2:
        return _at_rank(items, (n + 1) // 2)
    return (_at_rank(items, n // 2) + _at_rank(items, n // 2 + 1)) / 2


def percentile(items: list[tuple[float, int]], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least q of the values ≤ it."""
    n = sum(c for _, c in items)
    if not n:
        return None
    return _at_rank(items, max(1, math.ceil(q * n - 1e-9)))


@dataclass(frozen=True)
class Stats:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    cancelled: int = 0
    expired: int = 0
    calls: int = 0
    wait_mean_s: float | None = None
    wait_median_s: float | None = None
    wait_p90_s: float | None = None
    wait_max_s: float | None = None
    within_target: int = 0
    svc_n: int = 0
    svc_mean_s: float | None = None
    svc_median_s: float | None = None
    svc_p90_s: float | None = None
    svc_max_s: float | None = None
    open_s: float = 0.0
    paused_s: float = 0.0

    @property
    def sla_share(self) -> float | None:
        """Share of calls whose wait was within the service's target (0–1)."""
        return self.within_target / self.calls if self.calls else None

    @property
    def serving_s(self) -> float:
        return (self.svc_mean_s or 0.0) * self.svc_n

    @property
    def utilisation(self) -> float | None:
        return self.serving_s / self.open_s if self.open_s else None


def stats(agg: Agg, match: Callable[[str, str], bool]) -> Stats:
    """Stats over every (scope, lane) that `match` accepts."""
    keys = [k for k in agg if match(k[0], k[1])]

    def total(metric: str) -> float:
        return sum(agg[k] for k in keys if k[2] == metric)

    def peak(metric: str) -> float | None:
        values = [agg[k] for k in keys if k[2] == metric]
        return max(values) if values else None

    calls, svc_n = int(total("calls")), int(total("svc_n"))
    waits, svcs = _hist(agg, keys, "wait_hist:"), _hist(agg, keys, "svc_hist:")
    return Stats(
        **{m: int(total(m)) for m in OUTCOMES},
        calls=calls,
        wait_mean_s=total("wait_sum") / calls if calls else None,
        wait_median_s=median(waits), wait_p90_s=percentile(waits, 0.9),
        wait_max_s=peak("wait_max") if calls else None,
        within_target=int(total("within_target")),
        svc_n=svc_n,
        svc_mean_s=total("svc_sum") / svc_n if svc_n else None,
        svc_median_s=median(svcs), svc_p90_s=percentile(svcs, 0.9),
        svc_max_s=peak("svc_max") if svc_n else None,
        open_s=total("open_s"), paused_s=total("paused_s"),
    )


def is_ticket_scope(scope: str, lane: str) -> bool:
    return ":" not in scope and scope != "" and lane != ""


def scopes(agg: Agg, prefix: str) -> list[str]:
    return sorted({k[0][len(prefix):] for k in agg if k[0].startswith(prefix)})


@dataclass(frozen=True)
class Hour:
    """One hour of the day: arrivals (by hour of issue) and the visits that began in it
    (n, and their waits' mean, median and p90 in seconds)."""
    hour: int
    arrivals: int
    visits: int
    wait_mean_s: float | None
    wait_median_s: float | None
    wait_p90_s: float | None


def hourly(agg: Agg, match: Callable[[str, str], bool] = is_ticket_scope) -> list[Hour]:
    """Every hour from the first to the last with data."""
    arrivals: dict[int, float] = defaultdict(float)
    wait_n: dict[int, float] = defaultdict(float)
    wait_sum: dict[int, float] = defaultdict(float)
    hists: dict[int, dict[float, int]] = defaultdict(lambda: defaultdict(int))
    for (scope, lane, metric), value in agg.items():
        if not match(scope, lane):
            continue
        if metric.startswith("arrivals_h"):
            arrivals[int(metric[10:])] += value
        elif metric.startswith("wait_n_h"):
            wait_n[int(metric[8:])] += value
        elif metric.startswith("wait_sum_h"):
            wait_sum[int(metric[10:])] += value
        elif metric.startswith("wait_hist_h"):
            hour, secs = metric[11:].split(":")
            hists[int(hour)][float(secs)] += int(value)
    hours = sorted(set(arrivals) | set(wait_n))
    if not hours:
        return []
    out = []
    for h in range(hours[0], hours[-1] + 1):
        waits = sorted(hists[h].items()) if h in hists else []
        out.append(Hour(h, int(arrivals.get(h, 0)), int(wait_n.get(h, 0)),
                        wait_sum[h] / wait_n[h] if wait_n.get(h) else None,
                        median(waits), percentile(waits, 0.9)))
    return out


NOT_ANSWERED = "none"


def skm_profile(agg: Agg) -> dict[str, dict[str, int]]:
    """Respondents by profile field and code (NOT_ANSWERED: skipped), all services."""
    out: dict[str, dict[str, int]] = {
        field: dict.fromkeys((*codes, NOT_ANSWERED), 0)
        for field, codes in SURVEY_PROFILE.items()}
    for (_scope, lane, metric), value in agg.items():
        if lane == "" and metric.startswith("skm_profile:"):
            _, field, code = metric.split(":", 2)
            if field in out and code in out[field]:
                out[field][code] += int(value)
    return out


def skm_totals(agg: Agg, service: str | None = None) -> tuple[int, list[float]]:
    """(respondents, Σ per element U1..U9) for one service or all."""
    n = 0.0
    sums = [0.0] * 9
    for (scope, lane, metric), value in agg.items():
        if lane != "" or ":" in scope or scope == "" or (service and scope != service):
            continue
        if metric == "skm_n":
            n += value
        elif metric.startswith("skm_u"):
            sums[int(metric[5:]) - 1] += value
    return int(n), sums


def retention_fold(config: OfficeConfig) -> Callable[..., Agg]:
    """The fold retention keeps of a day before deleting its per-ticket data
    (`server.store.retention.purge`): the day's Agg, added to what an earlier partial purge
    of that day stored, marked as purged."""
    def fold(conn: sqlite3.Connection, day: date, stored: Agg) -> Agg:
        agg = fold_day(day, stored_day_events(conn, day), config)
        merged = merge([stored, agg]) if stored.get(PURGED) else dict(agg)
        merged[PURGED] = 1.0
        return merged
    return fold


def stored_day_events(conn: sqlite3.Connection, day: date) -> list[EventRow]:
    """A day's report events as the database holds them (see `day_events`)."""
    where, params = events_of_days(day.isoformat(),
                                   (day + timedelta(days=1)).isoformat())
    names = sorted(REPORT_EVENTS)
    out = []
    for seq, at, d, name, payload in conn.execute(
            "SELECT seq, at, day, name, payload FROM events WHERE {} "
            "AND name IN ({}) ORDER BY seq".format(where, ",".join("?" * len(names))),
            [*params, *names]):
        try:
            data = json.loads(payload)
        except (TypeError, ValueError):
            continue
        if isinstance(data, dict):
            out.append(EventRow(seq, at, d, name, data))
    return day_events(out, day)
