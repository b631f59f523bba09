"""The discrete-event simulation: one office day driven through the real queue engine.

Time is a float of seconds after local midnight, kept in a heap of events (hour
boundaries, arrivals, counters becoming free). Every change of the queue goes through
`Engine.handle` exactly as the kiosk and the consoles send it — issue_ticket, login,
call_next, start_service, transfer (next stage), finish, no_show, logout — so the
calling policy (priority lanes, wait cap, interleaving) is the office's own. Waits are
read back from the engine's tickets (called_at − queued_at).

A counter that found the queue empty waits idle until a ticket it may serve is queued;
the simulator wakes the longest-idle such counter, so `call_next` is almost never
refused (a refusal costs the engine a translated error message). After closing the
counters of the last hour keep serving until nobody is left, which is what offices do;
people still queued then (no counter for their service) are reported as unserved.
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from config.office import OfficeConfig, always_open
from server.engine import Actor, Engine
from simulation.model import Scenario, ScenarioError, Staffing, Visit, make_visits

# Event kinds; at equal times the lower runs first: counters open before people arrive.
_HOUR, _CLOSE, _FREE, _NO_SHOW, _ARRIVE = range(5)
END_S = 24 * 3600 - 60  # stop before midnight: the engine would roll the day over


# ---------------------------------------------------------------------- the office
@dataclass
class SimOffice:
    """The engine's configuration for simulating and the pool of counters in opening
    order. Extra counters beyond the configured ones are copies, in turn, of the
    configured ones (more of the same mix)."""

    config: OfficeConfig
    pool: list[str]
    serves: list[frozenset[tuple[str, str, str]]]  # per pool counter: (service, stage, lane)

    @classmethod
    def build(cls, scenario: Scenario, size: int | None = None) -> SimOffice:
        base = scenario.config
        order = list(scenario.counter_order or [])
        order += [c.id for c in base.counters if c.id not in order]
        data = always_open(base).model_dump()
        data["source"] = base.source
        by_id = {c["id"]: c for c in data["counters"]}
        counters = [by_id[c] for c in order]
        n = max(size or 0, len(counters))
        for i in range(len(counters), n):
            tmpl = counters[i % len(order)]
            counters.append({**tmpl, "id": f"sim-{i + 1}", "name": f"Sim {i + 1}"})
        data["counters"] = counters
        if scenario.ignore_quotas:
            for svc in data["services"]:
                svc["quota"] = {}
        config = OfficeConfig.model_validate(data)
        serves = []
        for c in config.counters:
            keys = set()
            for sid in c.services:
                svc = config.service(sid)
                for st in svc.stages:
                    if c.stages is None or st in c.stages:
                        keys.update((sid, st, lane) for lane in svc.lanes
                                    if c.lanes is None or lane in c.lanes)
            serves.append(frozenset(keys))
        return cls(config, [c["id"] for c in counters], serves)


# ---------------------------------------------------------------------- results
@dataclass(slots=True)
class Record:
    service: str
    lane: str
    hour: int  # arrival hour
    outcome: str = "waiting"  # done | no_show | refused | unserved
    wait_s: float = 0.0  # summed over stages; final once the last stage is called
    stages_called: int = 0


@dataclass
class Stats:
    n: int
    mean_min: float | None
    p90_min: float | None
    max_min: float | None
    within_target: float | None  # share of people waiting no longer than the target
    unserved: int = 0

    def to_dict(self) -> dict[str, Any]:
        # an unserved person's wait is infinite: JSON has no infinity, so null
        return {k: (None if isinstance(v, float) and math.isinf(v) else
                    round(v, 2) if isinstance(v, float) else v)
                for k, v in self.__dict__.items()}


def p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile: the smallest value with at least 90% at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


@dataclass
class DayResult:
    day: date
    staffing: Staffing
    records: list[Record]
    targets: dict[str, float]  # service -> target wait in minutes
    closing_s: float
    left_at_closing: int = 0
    in_service_at_closing: int = 0
    last_finish_s: float | None = None
    refused: dict[str, int] = field(default_factory=dict)  # error code -> count

    def waited(self, records: list[Record]) -> list[float]:
        """Minutes waited; unserved people count as waiting forever."""
        return [r.wait_s / 60 if r.outcome != "unserved" else math.inf for r in records
                if r.outcome in ("done", "no_show", "unserved")]

    def stats(self, records: list[Record]) -> Stats:
        finished = [r for r in records if r.outcome in ("done", "no_show")]
        unserved = sum(1 for r in records if r.outcome == "unserved")
        if not finished and not unserved:
            return Stats(0, None, None, None, None)
        waits = [r.wait_s / 60 for r in finished]
        everyone = self.waited(records)
        within = sum(1 for r in finished if r.wait_s / 60 <= self.targets[r.service])
        return Stats(len(finished), sum(waits) / len(waits) if waits else None,
                     p90(everyone) if everyone else None, max(waits) if waits else None,
                     within / (len(finished) + unserved), unserved)

    def _group(self, key: str) -> dict[Any, list[Record]]:
        groups: dict[Any, list[Record]] = {}
        for r in self.records:
            groups.setdefault(getattr(r, key), []).append(r)
        return groups

    def by_lane(self) -> dict[str, Stats]:
        return {k: self.stats(v) for k, v in self._group("lane").items()}

    def by_service(self) -> dict[str, Stats]:
        return {k: self.stats(v) for k, v in self._group("service").items()}

    def by_hour(self) -> dict[int, Stats]:
        return {k: self.stats(v) for k, v in sorted(self._group("hour").items())}

    def overall(self) -> Stats:
        return self.stats(self.records)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.records if r.outcome == outcome)

    def to_dict(self) -> dict[str, Any]:
        arrivals = self._group("hour")
        return {
            "day": self.day.isoformat(),
            "counters": str(self.staffing),
            "counters_per_hour": {h: self.staffing.at(h) for h in self.staffing.hours},
            "visitors": len(self.records),
            "refused": dict(self.refused),
            "served": self.count("done"),
            "no_show": self.count("no_show"),
            "unserved": self.count("unserved"),
            "left_at_closing": self.left_at_closing,
            "in_service_at_closing": self.in_service_at_closing,
            "closing": _clock(self.closing_s),
            "last_finished": _clock(self.last_finish_s) if self.last_finish_s else None,
            "overall": self.overall().to_dict(),
            "by_lane": {k: s.to_dict() for k, s in self.by_lane().items()},
            "by_service": {k: s.to_dict() for k, s in self.by_service().items()},
            "by_hour": {str(h): {"arrivals": len(arrivals.get(h, [])),
                                 "counters": self.staffing.at(h), **s.to_dict()}
                        for h, s in self.by_hour().items()},
        }


def _clock(seconds: float) -> str:
    m = int(seconds // 60)
    return f"{m // 60:02d}:{m % 60:02d}"


# ---------------------------------------------------------------------- the loop
def simulate(scenario: Scenario, staffing: Staffing | None = None,
             visits: list[Visit] | None = None, office: SimOffice | None = None) -> DayResult:
    """Simulate one day. Pass the same `visits` (and `office`) to compare staffings."""
    staffing = staffing or scenario.default_staffing()
    if visits is None:
        visits = make_visits(scenario)
    if office is None or len(office.pool) < max(staffing.counts, default=0):
        office = SimOffice.build(scenario, max(staffing.counts, default=0))
    return _Day(scenario, office, staffing, visits).run()


class _Day:
    def __init__(self, sc: Scenario, office: SimOffice, staffing: Staffing,
                 visits: list[Visit]) -> None:
        self.sc, self.office, self.staffing, self.visits = sc, office, staffing, visits
        cfg = office.config
        self.midnight = datetime.combine(sc.day, time(0), cfg.tz)
        numbers = itertools.count()
        self.engine = Engine(cfg, self.midnight, token_factory=lambda: f"sim{next(numbers)}")
        self.kiosk = Actor("kiosk", "sim-kiosk")
        self.actors = [Actor("counter", f"sim-{cid}", officer=f"sim-{cid}",
                             officer_name=f"Sim {cid}", session=f"sim-{cid}")
                       for cid in office.pool]
        self.args = [{"counter": cid} for cid in office.pool]
        n = len(office.pool)
        self.on = [False] * n  # logged in
        self.closing = [False] * n  # log out once the current visit is done
        self.busy: list[int | None] = [None] * n  # index of the visit at the counter
        self.idle: list[int] = []  # counters with nothing to call, longest idle first
        self.ticket_visit: dict[str, int] = {}
        self.visit_ticket: list[str | None] = [None] * len(visits)
        self.stage = [0] * len(visits)
        self.records = [Record(v.service, v.lane, int(v.at // 3600)) for v in visits]
        self.heap: list[tuple[float, int, int, int]] = []
        self.seq = itertools.count()
        self.closed = False
        self.result = DayResult(sc.day, staffing, self.records,
                                {s.id: float(s.target_wait_minutes) for s in cfg.services},
                                sc.closing_s)

    def now(self, t: float) -> datetime:
        return self.midnight + timedelta(seconds=t)

    def push(self, t: float, kind: int, data: int) -> None:
        heapq.heappush(self.heap, (t, kind, next(self.seq), data))

    def cmd(self, name: str, args: dict[str, Any], actor: Actor, t: float) -> Any:
        out = self.engine.handle(name, args, actor, self.now(t))
        if not out.ok:
            raise ScenarioError(f"engine refused {name} at {_clock(t)}: "
                                f"{out.error_code}: {out.error_message}")
        return out.data

    def run(self) -> DayResult:
        hours = self.staffing.hours
        first = min(hours.start, self.sc.open_hours.start)
        for h in range(first, max(hours.stop, math.ceil(self.sc.closing_s / 3600))):
            self.push(h * 3600.0, _HOUR, h)
        self.push(self.sc.closing_s, _CLOSE, 0)
        for i, v in enumerate(self.visits):
            self.push(v.at, _ARRIVE, i)
        while self.heap:
            t, kind, _, data = heapq.heappop(self.heap)
            if t >= END_S:
                break
            if kind == _ARRIVE:
                self.arrive(data, t)
            elif kind == _FREE:
                self.free(data, t, no_show=False)
            elif kind == _NO_SHOW:
                self.free(data, t, no_show=True)
            elif kind == _HOUR:
                self.hour(data, t)
            else:
                self.close(t)
        for r in self.records:
            if r.outcome == "waiting":
                r.outcome = "unserved"
        return self.result

    # --- hour boundaries: open and close counters
    def hour(self, h: int, t: float) -> None:
        self.engine.tick(self.now(t))
        if self.closed:
            return
        target = self.staffing.at(h)
        working = [i for i, on in enumerate(self.on) if on and not self.closing[i]]
        if target > len(working):
            need = target - len(working)
            # first keep counters that were about to close, then log in new ones
            for i in range(len(self.on)):
                if need and self.on[i] and self.closing[i]:
                    self.closing[i] = False
                    need -= 1
            for i in range(len(self.on)):
                if need and not self.on[i]:
                    self.cmd("login", {"officer": f"sim-{self.office.pool[i]}", "pin": "x",
                                       "counter": self.office.pool[i]}, self.actors[i], t)
                    self.on[i] = True
                    need -= 1
                    self.call_next(i, t)
        elif target < len(working):
            # close idle counters first (latest in the pool first), busy ones when done
            for i in sorted(working, key=lambda i: (self.busy[i] is not None, -i))[
                    :len(working) - target]:
                if self.busy[i] is None:
                    self.logout(i, t)
                else:
                    self.closing[i] = True

    def close(self, t: float) -> None:
        self.closed = True
        eng = self.engine
        self.result.left_at_closing = sum(len(line) for line in eng.lines.by_key.values()) + sum(
            len(r) for r in eng.lines.reserved.values())
        self.result.in_service_at_closing = sum(1 for b in self.busy if b is not None)
        # After closing, only those already at work finish the queue.
        for i, on in enumerate(self.on):
            if on and self.closing[i]:
                self.closing[i] = False

    def logout(self, i: int, t: float) -> None:
        self.cmd("logout", {}, self.actors[i], t)
        self.on[i] = self.closing[i] = False
        if i in self.idle:
            self.idle.remove(i)

    # --- people
    def arrive(self, vi: int, t: float) -> None:
        v = self.visits[vi]
        out = self.engine.handle("issue_ticket", {"service": v.service, "lane": v.lane},
                                 self.kiosk, self.now(t))
        if not out.ok:
            self.records[vi].outcome = "refused"
            self.result.refused[out.error_code] = self.result.refused.get(out.error_code, 0) + 1
            return
        tid = out.data["id"]
        self.ticket_visit[tid] = vi
        self.visit_ticket[vi] = tid
        self.wake((v.service, v.stages[0], v.lane), t)

    def wake(self, key: tuple[str, str, str], t: float) -> None:
        """A ticket joined line `key`: the longest-idle counter that serves it calls."""
        serves = self.office.serves
        for i in self.idle:
            if key in serves[i]:
                self.idle.remove(i)
                self.call_next(i, t)
                return

    def call_next(self, i: int, t: float) -> None:
        # Peek (read only) whether any line this counter serves has someone: a refused
        # call_next costs the engine an exception and a translated message.
        lines, cid = self.engine.lines.by_key, self.office.pool[i]
        if not self.engine.lines.reserved.get(cid) and not any(
                lines.get(key) for key in self.office.serves[i]):
            self.idle.append(i)
            return
        out = self.engine.handle("call_next", self.args[i], self.actors[i], self.now(t))
        if not out.ok:
            self.idle.append(i)
            return
        tid = out.data["id"]
        vi = self.ticket_visit[tid]
        tk = self.engine.tickets[tid]
        rec, v = self.records[vi], self.visits[vi]
        rec.wait_s += (tk.called_at - tk.queued_at).total_seconds()
        rec.stages_called += 1
        self.busy[i] = vi
        if v.no_show and self.stage[vi] == 0:
            self.push(t + self.sc.no_show_wait_s, _NO_SHOW, i)
            return
        self.cmd("start_service", self.args[i], self.actors[i], t)
        self.push(t + v.service_s[self.stage[vi]], _FREE, i)

    def free(self, i: int, t: float, no_show: bool) -> None:
        vi = self.busy[i]
        v, rec = self.visits[vi], self.records[vi]
        self.busy[i] = None
        if no_show:
            self.cmd("no_show", self.args[i], self.actors[i], t)
            rec.outcome = "no_show"
        elif self.stage[vi] + 1 < len(v.stages):
            self.stage[vi] += 1
            # the scenario may skip stages, so name the next one rather than let the
            # engine pick the configured next stage
            self.cmd("transfer", {"counter": self.office.pool[i], "service": v.service,
                                  "stage": v.stages[self.stage[vi]]}, self.actors[i], t)
            self.wake((v.service, v.stages[self.stage[vi]], v.lane), t)
        else:
            self.cmd("finish", self.args[i], self.actors[i], t)
            rec.outcome = "done"
            self.result.last_finish_s = t
        if self.closing[i]:
            self.logout(i, t)
        else:
            self.call_next(i, t)
