"""The staffing search returns a minimal staffing: one counter fewer in any hour fails."""

from __future__ import annotations

import pytest
from tests_sim_helpers import one_counter_office

from simulation.model import Distribution, Scenario, ScenarioError, Staffing, make_visits
from simulation.run import simulate
from simulation.staffing import Target, find_staffing

RATES = {8: 20, 9: 40, 10: 25, 11: 5, 12: 0, 13: 10, 14: 10, 15: 5}


def scenario() -> Scenario:
    return Scenario(config=one_counter_office(),
                    rates={("paspor", "reguler"): dict(RATES),
                           ("paspor", "lansia"): dict.fromkeys(range(8, 16), 2)},
                    service_times={"paspor": Distribution("lognormal", 5, 2)}, seed=3)


@pytest.mark.parametrize("target", [Target(p90_minutes=10), Target(share=0.9)])
def test_search_is_minimal(target):
    sc = scenario()
    visits = make_visits(sc)
    found = find_staffing(sc, target, max_counters=6, visits=visits)
    assert found.met
    assert target.hours_met(simulate(sc, found.staffing, visits))
    for h in found.staffing.hours:
        n = found.staffing.at(h)
        if n:
            fewer = found.staffing.with_count(h, n - 1)
            assert not target.hours_met(simulate(sc, fewer, visits)), (h, str(found.staffing))
    assert found.staffing.at(12) <= 1  # nobody arrives at noon (only backlog)
    assert found.staffing.at(9) > found.staffing.at(11)  # the rush needs more


def test_unreachable_target_is_reported():
    found = find_staffing(scenario(), Target(p90_minutes=0.5), max_counters=1)
    assert not found.met
    assert found.staffing == Staffing.uniform(range(8, 16), 1)


def test_target_needs_exactly_one_goal():
    with pytest.raises(ScenarioError):
        Target()
    with pytest.raises(ScenarioError):
        Target(p90_minutes=5, share=0.9)
    with pytest.raises(ScenarioError):
        Target(share=1.5)
