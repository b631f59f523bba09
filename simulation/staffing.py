"""The fewest counters per hour that meet a wait target.

The target is judged per arrival hour: the people who took a ticket in each hour must
meet it (p90 wait at most N minutes, or a share of them within their service's
`target_wait_minutes`). That is stricter than a day-wide figure — a quiet afternoon
cannot hide a bad morning — and is what makes "counters per hour" answerable.

Search: start from the most counters in every hour; that must pass, or the target is out
of reach. Then, hour by hour from the morning, binary-search the fewest counters for that
hour such that every arrival hour still meets the target (later hours still at the
maximum, so the current staffing always passes and each step keeps it passing).
Finally polish: try one counter fewer in every hour until no hour can lose one. Every
trial re-simulates the same visits (common random numbers), so two trials differ only
by the counters, and the answer is minimal in the sense the tests check: one counter
fewer in any hour fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulation.model import Scenario, ScenarioError, Staffing, Visit, make_visits
from simulation.run import DayResult, Record, SimOffice, p90, simulate


@dataclass(frozen=True)
class Target:
    p90_minutes: float | None = None
    share: float | None = None  # of people within their service's target wait

    def __post_init__(self) -> None:
        if (self.p90_minutes is None) == (self.share is None):
            raise ScenarioError("give one target: p90 minutes or a share within target")
        if self.share is not None and not 0 < self.share <= 1:
            raise ScenarioError("the share within target is between 0 and 1 (e.g. 0.9)")
        if self.p90_minutes is not None and self.p90_minutes < 0:
            raise ScenarioError("the p90 target is minutes >= 0")

    def describe(self) -> str:
        if self.p90_minutes is not None:
            return f"p90 wait <= {self.p90_minutes:g} min for every arrival hour"
        return f">= {self.share:.0%} within the service's target wait, every arrival hour"

    def met(self, result: DayResult, records: list[Record]) -> bool:
        counted = [r for r in records if r.outcome in ("done", "no_show", "unserved")]
        if not counted:
            return True
        if self.p90_minutes is not None:
            return p90(result.waited(counted)) <= self.p90_minutes
        s = result.stats(counted).within_target
        return s is not None and s >= self.share - 1e-12

    def hours_met(self, result: DayResult) -> bool:
        by_hour: dict[int, list[Record]] = {}
        for r in result.records:
            by_hour.setdefault(r.hour, []).append(r)
        return all(self.met(result, recs) for recs in by_hour.values())


@dataclass
class StaffingResult:
    staffing: Staffing
    met: bool  # False: even the most counters in every hour miss the target
    result: DayResult
    trials: int


def find_staffing(scenario: Scenario, target: Target, max_counters: int | None = None,
                  visits: list[Visit] | None = None,
                  progress: Callable[[str], None] | None = None) -> StaffingResult:
    hours = scenario.default_staffing().hours
    hours = range(min(hours.start, scenario.open_hours.start),
                  max(hours.stop, scenario.open_hours.stop))
    top = max_counters or len(scenario.config.counters)
    if top < 1:
        raise ScenarioError("--max-counters must be at least 1")
    visits = visits if visits is not None else make_visits(scenario)
    office = SimOffice.build(scenario, top)
    cache: dict[tuple[int, ...], DayResult] = {}

    def run(st: Staffing) -> DayResult:
        if st.counts not in cache:
            cache[st.counts] = simulate(scenario, st, visits, office)
            if progress:
                progress(f"trial {len(cache)}: {st}")
        return cache[st.counts]

    best = Staffing.uniform(hours, top)
    if not target.hours_met(run(best)):
        return StaffingResult(best, False, run(best), len(cache))
    for h in hours:
        lo, hi = 0, best.at(h)  # hi passes
        while lo < hi:
            mid = (lo + hi) // 2
            if target.hours_met(run(best.with_count(h, mid))):
                hi = mid
            else:
                lo = mid + 1
        best = best.with_count(h, hi)
    changed = True
    while changed:  # polish: no single hour may lose a counter and still pass
        changed = False
        for h in hours:
            if best.at(h) > 0 and target.hours_met(run(best.with_count(h, best.at(h) - 1))):
                best = best.with_count(h, best.at(h) - 1)
                changed = True
    return StaffingResult(best, True, run(best), len(cache))
