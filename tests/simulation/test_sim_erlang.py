"""M/M/c on the real engine against the Erlang C formula.

Poisson arrivals, exponential service, c identical counters, one FIFO lane: the mean
wait in queue is Wq = C(c, a) / (cμ − λ), a = λ/μ. Each replication is an independent
(seeded) 23-hour day; the first hour's arrivals are dropped as warm-up. The check uses
the spread of the replication means (independent), so the tolerance is a sound
confidence bound rather than a guess, and the run stays deterministic.
"""

from __future__ import annotations

import math
from statistics import fmean, stdev

from tests_sim_helpers import mmc_office

from simulation.model import Distribution, Scenario, Staffing
from simulation.run import SimOffice, simulate

C = 3
MEAN_SERVICE_MIN = 1.0
RHO = 0.7
REPLICATIONS = 8


def erlang_c(c: int, a: float) -> float:
    """Probability an arrival has to wait in M/M/c with offered load a = λ/μ."""
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


def test_erlang_c_known_value():
    # textbook check: c=2, a=1 → C = 1/3
    assert math.isclose(erlang_c(2, 1.0), 1 / 3)


def test_mmc_mean_wait_matches_erlang_c():
    mu = 1 / MEAN_SERVICE_MIN  # per minute
    lam = RHO * C * mu
    wq = erlang_c(C, lam / mu) / (C * mu - lam)  # minutes
    cfg = mmc_office(C)
    hours = range(0, 23)
    sc = Scenario(config=cfg, rates={("paspor", "reguler"): dict.fromkeys(hours, lam * 60)},
                  service_times={"paspor": Distribution("exponential", MEAN_SERVICE_MIN)},
                  staffing=Staffing.uniform(hours, C))
    office = SimOffice.build(sc, C)
    means, people = [], 0
    for seed in range(1, REPLICATIONS + 1):
        sc.seed = seed
        r = simulate(sc, office=office)
        waits = [rec.wait_s / 60 for rec in r.records if rec.hour >= 1]
        assert all(rec.outcome == "done" for rec in r.records)
        people += len(waits)
        means.append(fmean(waits))
    est, se = fmean(means), stdev(means) / math.sqrt(REPLICATIONS)
    assert people > 15_000
    assert se < 0.1 * wq  # enough people for the comparison to mean something
    # t(7) two-sided 99.9% is 5.41: a correct engine fails this about once in 1000 seeds
    assert abs(est - wq) < 5.41 * se, (est, wq, se)
    assert abs(est - wq) / wq < 0.15
