"""Simulation inputs: service-time distributions, counters per hour, the scenario, visits.

A `Scenario` says who comes (arrival rates per hour per service and lane, from a
scenario TOML, generic defaults, or a past day replayed from the database), how long
each visit takes at a counter (`Distribution` per service, optionally per stage), and
how many counters are open each hour (`Staffing`). `make_visits` turns it into a fixed
list of `Visit`s — arrival time, service, lane, and every stage's service time drawn up
front — so that trials with different staffing see exactly the same people (common
random numbers): only the counters change between trials, never the crowd.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from statistics import fmean, pstdev
from typing import Any

from config.office import OfficeConfig
from server.store.sqlite import events_of_days

DAY_S = 24 * 3600
KINDS = ("exponential", "fixed", "lognormal")
DEFAULT_DAY = date(2025, 3, 3)  # a Monday: a working day in every office


class ScenarioError(Exception):
    """A mistake in the scenario, flags or database; phrased for the user."""


# ---------------------------------------------------------------------- distributions
@dataclass(frozen=True, slots=True)
class Distribution:
    """A service time in minutes: exponential(mean), fixed(mean) or lognormal(mean, sd)."""

    kind: str
    mean: float  # minutes
    sd: float = 0.0  # minutes; lognormal only

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScenarioError(f"unknown distribution {self.kind!r} (use {', '.join(KINDS)})")
        if not (self.mean > 0 and math.isfinite(self.mean)):
            raise ScenarioError(f"{self.kind} mean must be a positive number of minutes")
        if self.kind == "lognormal" and not (self.sd > 0 and math.isfinite(self.sd)):
            raise ScenarioError("lognormal needs a positive sd (minutes)")

    def sample(self, rng: random.Random) -> float:
        """One service time in seconds."""
        if self.kind == "fixed":
            return self.mean * 60
        if self.kind == "exponential":
            return rng.expovariate(1 / (self.mean * 60))
        # lognormal given by its own mean and sd, not the underlying normal's
        sigma2 = math.log(1 + (self.sd / self.mean) ** 2)
        mu = math.log(self.mean * 60) - sigma2 / 2
        return rng.lognormvariate(mu, math.sqrt(sigma2))

    def describe(self) -> str:
        if self.kind == "lognormal":
            return f"lognormal(mean {self.mean:g} min, sd {self.sd:g})"
        return f"{self.kind}({self.mean:g} min)"

    @classmethod
    def parse(cls, raw: Any, where: str) -> Distribution:
        """`6` (exponential, 6 min), `"fixed:5"`, `"lognormal:6:3"` or a table
        `{dist = "lognormal", mean = 6, sd = 3}`."""
        try:
            if isinstance(raw, bool):
                raise ValueError
            if isinstance(raw, int | float):
                return cls("exponential", float(raw))
            if isinstance(raw, str):
                kind, *nums = raw.split(":")
                return cls(kind.strip(), float(nums[0]), float(nums[1]) if len(nums) > 1
                           else 0.0)
            if isinstance(raw, dict):
                extra = set(raw) - {"dist", "mean", "sd", "stages"}
                if extra:
                    raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
                return cls(str(raw.get("dist", "exponential")), float(raw["mean"]),
                           float(raw.get("sd", 0.0)))
        except ScenarioError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        except (KeyError, ValueError, IndexError, TypeError):
            pass
        raise ScenarioError(f"{where}: a service time is minutes (6), 'fixed:5', "
                            "'lognormal:6:3' or {dist, mean, sd}")


# ---------------------------------------------------------------------- hours
def parse_hours(key: str, where: str) -> range:
    """'9' → [9, 10); '8-10' → [8, 10) (the end hour is not included)."""
    try:
        if "-" in key:
            a, b = (int(x) for x in key.split("-", 1))
        else:
            a = int(key)
            b = a + 1
    except ValueError:
        raise ScenarioError(f"{where}: {key!r} is not an hour or range like 8-10") from None
    if not 0 <= a < b <= 24:
        raise ScenarioError(f"{where}: hours {key!r} must lie within 0-24, start before end")
    return range(a, b)


@dataclass(frozen=True, slots=True)
class Staffing:
    """Counters open in each hour of the day, from `first_hour` on."""

    first_hour: int
    counts: tuple[int, ...]

    def at(self, hour: int) -> int:
        i = hour - self.first_hour
        return self.counts[i] if 0 <= i < len(self.counts) else 0

    @property
    def hours(self) -> range:
        return range(self.first_hour, self.first_hour + len(self.counts))

    @property
    def counter_hours(self) -> int:
        return sum(self.counts)

    def with_count(self, hour: int, n: int) -> Staffing:
        counts = list(self.counts)
        counts[hour - self.first_hour] = n
        return replace(self, counts=tuple(counts))

    def __str__(self) -> str:
        """Compact form, the same syntax `parse` reads: '8-10:3,10-12:5'."""
        parts = []
        i = 0
        while i < len(self.counts):
            j = i
            while j + 1 < len(self.counts) and self.counts[j + 1] == self.counts[i]:
                j += 1
            a, b = self.first_hour + i, self.first_hour + j + 1
            parts.append(f"{a}-{b}:{self.counts[i]}" if b - a > 1 else f"{a}:{self.counts[i]}")
            i = j + 1
        return ",".join(parts)

    @classmethod
    def uniform(cls, hours: range, n: int) -> Staffing:
        return cls(hours.start, tuple(n for _ in hours))

    @classmethod
    def parse(cls, spec: str | list[int], hours: range) -> Staffing:
        """'8-10:3,10-12:5' (hours not named: 0) or '3,3,5,5,…' / [3, 3, 5] (one per hour
        from the first opening hour)."""
        where = "counters"
        counts = dict.fromkeys(hours, 0)
        if isinstance(spec, list) or (isinstance(spec, str) and ":" not in spec):
            items = spec if isinstance(spec, list) else [s for s in spec.split(",") if s.strip()]
            if not items:
                raise ScenarioError(f"{where}: empty list")
            for i, raw in enumerate(items):
                counts[hours.start + i] = _count(raw, where)
        else:
            for part in spec.split(","):
                if not part.strip():
                    continue
                if ":" not in part:
                    raise ScenarioError(f"{where}: {part.strip()!r} should look like 8-10:3")
                key, raw = part.split(":", 1)
                for h in parse_hours(key.strip(), where):
                    counts[h] = _count(raw, where)
        first, last = min(counts), max(counts)
        return cls(first, tuple(counts.get(h, 0) for h in range(first, last + 1)))


def _count(raw: Any, where: str) -> int:
    try:
        n = int(str(raw).strip())
    except ValueError:
        raise ScenarioError(f"{where}: {raw!r} is not a number of counters") from None
    if not 0 <= n <= 500:
        raise ScenarioError(f"{where}: {n} counters is out of range (0-500)")
    return n


# ---------------------------------------------------------------------- visits
@dataclass(frozen=True, slots=True)
class Visit:
    """One applicant: arrives (seconds after local midnight), takes a ticket, and needs
    `service_s[i]` seconds at a counter in each of `stages`."""

    at: float
    service: str
    lane: str
    stages: tuple[str, ...]
    service_s: tuple[float, ...]
    no_show: bool = False


@dataclass
class Scenario:
    """Everything a simulated day needs except the staffing under trial."""

    config: OfficeConfig
    day: date = DEFAULT_DAY
    # (service, lane) -> {hour: arrivals per hour}
    rates: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)
    # exact arrivals (seconds after midnight, service, lane) replayed from a past day
    replay: list[tuple[float, str, str]] | None = None
    service_times: dict[str, Distribution] = field(default_factory=dict)
    # service -> {stage: distribution}; when given, a visit goes through these stages
    stage_times: dict[str, dict[str, Distribution]] = field(default_factory=dict)
    staffing: Staffing | None = None
    pattern: str = "poisson"  # or "even": evenly spaced arrivals, no randomness
    scale: float = 1.0
    no_show_share: float = 0.0
    no_show_wait_s: float = 120.0
    ignore_quotas: bool = False
    counter_order: list[str] | None = None
    seed: int = 1
    source: str = "defaults"

    @property
    def open_hours(self) -> range:
        """The office's hours; a day replayed from the database may stretch them."""
        o = self.config.office
        first = o.opening_time.hour
        last = o.closing_time.hour + (1 if o.closing_time.minute or o.closing_time.second
                                      else 0)
        if self.replay:
            first = min(first, int(self.replay[0][0] // 3600))
            last = max(last, int(self.replay[-1][0] // 3600) + 1)
        return range(first, max(last, first + 1))

    @property
    def closing_s(self) -> float:
        """Seconds after midnight when the doors close (the end of the last open hour
        for a replayed day that ran late)."""
        c = self.config.office.closing_time
        return max(c.hour * 3600 + c.minute * 60 + c.second, self.open_hours.stop * 3600
                   if self.replay else 0)

    def default_staffing(self) -> Staffing:
        return self.staffing or Staffing.uniform(self.open_hours, len(self.config.counters))

    def distribution(self, service: str) -> Distribution:
        if service in self.service_times:
            return self.service_times[service]
        svc = self.config.service(service)
        return Distribution("exponential", svc.default_service_minutes if svc else 5.0)

    def route(self, service: str) -> list[tuple[str, Distribution]]:
        """The stages a visit goes through and each one's service time."""
        svc = self.config.service(service)
        stages = self.stage_times.get(service)
        if stages and svc:
            return [(st, stages[st]) for st in svc.stages if st in stages]
        return [(svc.stages[0] if svc else "layanan", self.distribution(service))]


def make_visits(sc: Scenario, seed: int | None = None) -> list[Visit]:
    """The day's applicants, sorted by arrival. The same seed gives the same people."""
    rng = random.Random(sc.seed if seed is None else seed)
    arrivals: list[tuple[float, str, str]] = []
    if sc.replay is not None:
        for at, service, lane in sc.replay:
            copies = int(sc.scale) + (1 if rng.random() < sc.scale % 1 else 0)
            arrivals.extend((at, service, lane) for _ in range(copies))
    else:
        for (service, lane), per_hour in sorted(sc.rates.items()):
            for hour, rate in sorted(per_hour.items()):
                arrivals.extend((at, service, lane)
                                for at in _arrival_times(rate * sc.scale, hour, sc.pattern, rng))
    arrivals.sort(key=lambda a: a[0])
    routes = {s: sc.route(s) for s in {a[1] for a in arrivals}}
    visits = []
    for at, service, lane in arrivals:
        route = routes[service]
        visits.append(Visit(at, service, lane, tuple(st for st, _ in route),
                            tuple(d.sample(rng) for _, d in route),
                            rng.random() < sc.no_show_share))
    return visits


def _arrival_times(rate: float, hour: int, pattern: str, rng: random.Random) -> list[float]:
    start = hour * 3600.0
    if rate <= 0:
        return []
    if pattern == "even":
        n = round(rate)
        return [start + (k + 0.5) * 3600 / n for k in range(n)]
    # A Poisson process within the hour: exponential gaps at `rate` per hour.
    times, t = [], start
    while True:
        t += rng.expovariate(rate / 3600)
        if t >= start + 3600:
            return times
        times.append(t)


# ---------------------------------------------------------------------- sources
def default_rates(config: OfficeConfig) -> dict[tuple[str, str], dict[int, float]]:
    """Generic defaults when no scenario is given: 10 an hour per service in the regular
    lane and 1 in each priority lane, from opening to the service's cut-off."""
    o = config.office
    rates: dict[tuple[str, str], dict[int, float]] = {}
    for svc in config.services:
        start = (svc.opening_time or o.opening_time).hour
        cutoff = svc.cutoff_time or o.closing_time
        end = cutoff.hour + (1 if cutoff.minute else 0)
        for lane_id in svc.lanes:
            lane = config.lane(lane_id)
            rate = 1.0 if lane and lane.priority else 10.0
            rates[(svc.id, lane_id)] = dict.fromkeys(range(start, end), rate)
    return rates


def load_scenario(path: str | Path | None, config: OfficeConfig) -> Scenario:
    """Read a scenario TOML (see simulation/scenario.example.toml); None → defaults."""
    if path is None:
        return Scenario(config=config, rates=default_rates(config))
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not a valid TOML file: {exc}") from None
    return scenario_from_dict(raw, config, str(path))


def scenario_from_dict(raw: dict[str, Any], config: OfficeConfig,
                       source: str = "<memory>") -> Scenario:
    known = {"day", "seed", "pattern", "scale", "no_show_share", "no_show_wait_minutes",
             "ignore_quotas", "counter_order", "counters", "arrivals", "service_times"}
    extra = set(raw) - known
    if extra:
        raise ScenarioError(f"{source}: unknown setting(s) {', '.join(sorted(extra))}")
    sc = Scenario(config=config, source=source)
    try:
        if "day" in raw:
            sc.day = raw["day"] if isinstance(raw["day"], date) else date.fromisoformat(
                str(raw["day"]))
        sc.seed = int(raw.get("seed", 1))
        sc.pattern = str(raw.get("pattern", "poisson"))
        sc.scale = float(raw.get("scale", 1.0))
        sc.no_show_share = float(raw.get("no_show_share", 0.0))
        sc.no_show_wait_s = float(raw.get("no_show_wait_minutes", 2.0)) * 60
        sc.ignore_quotas = bool(raw.get("ignore_quotas", False))
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{source}: {exc}") from None
    if sc.pattern not in ("poisson", "even"):
        raise ScenarioError(f"{source}: pattern must be 'poisson' or 'even'")
    if not 0 <= sc.no_show_share <= 1 or sc.scale < 0:
        raise ScenarioError(f"{source}: no_show_share is 0-1 and scale is >= 0")
    if "counter_order" in raw:
        order = raw["counter_order"]
        unknown = [c for c in order if config.counter(c) is None]
        if unknown:
            raise ScenarioError(f"{source}: counter_order: unknown counter(s) {unknown}")
        sc.counter_order = list(order)
    for sid, table in (raw.get("arrivals") or {}).items():
        svc = config.service(sid)
        if svc is None:
            raise ScenarioError(f"{source}: arrivals: unknown service {sid!r}")
        for lane, per in table.items():
            if lane not in svc.lanes:
                raise ScenarioError(f"{source}: arrivals.{sid}: service has no lane {lane!r}")
            sc.rates[(sid, lane)] = _rates(per, sc.open_hours, f"{source}: arrivals.{sid}.{lane}")
    if not raw.get("arrivals"):
        sc.rates = default_rates(config)
    for sid, spec in (raw.get("service_times") or {}).items():
        svc = config.service(sid)
        if svc is None:
            raise ScenarioError(f"{source}: service_times: unknown service {sid!r}")
        where = f"{source}: service_times.{sid}"
        if isinstance(spec, dict) and "stages" in spec:
            stages = {}
            for st, s in spec["stages"].items():
                if st not in svc.stages:
                    raise ScenarioError(f"{where}.stages: {sid} has no stage {st!r}")
                stages[st] = Distribution.parse(s, f"{where}.stages.{st}")
            sc.stage_times[sid] = stages
            if "mean" not in spec:
                continue
        sc.service_times[sid] = Distribution.parse(spec, where)
    if "counters" in raw:
        sc.staffing = Staffing.parse(raw["counters"], sc.open_hours)
    return sc


def _rates(per: Any, hours: range, where: str) -> dict[int, float]:
    out: dict[int, float] = {}
    try:
        if isinstance(per, list):
            for i, r in enumerate(per):
                out[hours.start + i] = float(r)
        elif isinstance(per, dict):
            for key, r in per.items():
                for h in parse_hours(str(key), where):
                    out[h] = float(r)
        elif isinstance(per, int | float) and not isinstance(per, bool):
            out = dict.fromkeys(hours, float(per))
        else:
            raise ValueError
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}: arrivals are per hour: a number, a list from "
                            "opening, or a table like {\"8-10\" = 30}") from None
    if any(r < 0 or not math.isfinite(r) for r in out.values()):
        raise ScenarioError(f"{where}: arrival rates must be >= 0")
    return out


def from_database(sc: Scenario, db_path: str | Path, day: date) -> Scenario:
    """Replay the tickets issued on `day` (events `ticket_issued`) and, for services the
    scenario leaves open, take service times from that day's `ticket_finished` events
    (a lognormal with the observed mean and sd, when at least 5 were finished)."""
    path = Path(db_path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such database file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            where, params = events_of_days(day.isoformat(), day.isoformat())
            rows = conn.execute(f"SELECT name, payload FROM events WHERE {where} AND name IN "
                                "('ticket_issued', 'ticket_finished') ORDER BY seq",
                                params).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ScenarioError(f"{path}: cannot read events: {exc}") from None
    tz = sc.config.tz
    midnight = datetime.combine(day, time(0), tz)
    replay: list[tuple[float, str, str]] = []
    observed: dict[str, list[float]] = {}
    for name, payload in rows:
        try:
            data = json.loads(payload)
            ticket = data["ticket"]
            if name == "ticket_finished":
                observed.setdefault(ticket["service"], []).append(float(data["service_s"]))
                continue
            if sc.config.service(ticket["service"]) is None:
                continue  # a service since removed from the config
            at = datetime.fromisoformat(ticket["issued_at"])
            at = at if at.tzinfo else at.replace(tzinfo=tz)
            replay.append(((at - midnight).total_seconds(), ticket["service"], ticket["lane"]))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed row says nothing about the crowd
    if not replay:
        raise ScenarioError(f"{path}: no tickets issued on {day.isoformat()}")
    replay = [r for r in replay if 0 <= r[0] < DAY_S]
    replay.sort(key=lambda r: r[0])
    times = dict(sc.service_times)
    for sid, samples in observed.items():
        samples = [s for s in samples if s > 0]
        if sid not in times and sid not in sc.stage_times and len(samples) >= 5:
            mean, sd = fmean(samples) / 60, pstdev(samples) / 60
            times[sid] = Distribution("lognormal", mean, sd) if sd > 0 else \
                Distribution("fixed", mean)
    return replace(sc, day=day, replay=replay, rates={}, service_times=times,
                   source=f"{path} {day.isoformat()}")
