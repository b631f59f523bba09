"""Benchmark: one 3,000-ticket day with 30 counters through the real engine.

Prints the simulated day's wall time (target: under a second) next to two baselines
measured in the same run: the same number of engine commands sent in a plain loop
without the simulator's event heap and bookkeeping (what the engine alone costs), and
the same number of plain Python heap operations (what the event loop alone costs).
Run: .venv/bin/python bench/bench_simulate_day.py
"""

from __future__ import annotations

import heapq
import itertools
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import office as office_config  # noqa: E402
from server.engine import Actor, Engine  # noqa: E402
from simulation.model import Distribution, Scenario, Staffing, make_visits  # noqa: E402
from simulation.run import SimOffice, simulate  # noqa: E402

TICKETS = 3000
COUNTERS = 30


def scenario() -> Scenario:
    """The example office, quotas off, 375 people an hour for 8 hours, 30 counters."""
    cfg = office_config.load()
    share = {"paspor-baru": 0.3, "paspor-ganti": 0.25, "paspor-hilang": 0.05,
             "percepatan": 0.05, "izin-tinggal": 0.15, "informasi": 0.2}
    rates = {}
    for sid, s in share.items():
        rates[(sid, "reguler")] = dict.fromkeys(range(8, 16), TICKETS / 8 * s * 0.9)
        rates[(sid, "lansia")] = dict.fromkeys(range(8, 16), TICKETS / 8 * s * 0.1)
    # mean 4 min at a counter: 30 counters are about 85% busy, a realistic busy day
    times = {sid: Distribution("lognormal", 4, 2) for sid in share}
    sc = Scenario(config=cfg, rates=rates, service_times=times, ignore_quotas=True, seed=7,
                  source="bench")
    sc.staffing = Staffing.uniform(range(8, 16), COUNTERS)
    return sc


def engine_only(sc: Scenario, office: SimOffice, commands: int) -> float:
    """The engine's own cost: issue, call, start, finish in a plain loop."""
    cfg = office.config
    counter = itertools.count()
    t0 = datetime(2025, 3, 3, 8, tzinfo=cfg.tz)
    eng = Engine(cfg, t0, token_factory=lambda: f"b{next(counter)}")
    kiosk = Actor("kiosk", "bench-kiosk")
    actors = [Actor("counter", f"b-{c}", f"b-{c}", "Bench", session=f"b-{c}")
              for c in office.pool[:COUNTERS]]
    for c, a in zip(office.pool, actors, strict=False):
        eng.handle("login", {"officer": a.officer, "pin": "x", "counter": c}, a, t0)
    # each service with a counter that serves it, so no call is refused
    pairs = [(s.id, next(i for i, c in enumerate(office.pool[:COUNTERS])
                         if s.id in cfg.counter(c).services)) for s in cfg.services]
    start = time.perf_counter()
    sent, now, i = 0, t0, 0
    while sent < commands:
        now += timedelta(seconds=9)
        service, c = pairs[i % len(pairs)]
        args = {"counter": office.pool[c]}
        eng.handle("issue_ticket", {"service": service, "lane": "reguler"}, kiosk, now)
        eng.handle("call_next", args, actors[c], now)
        eng.handle("start_service", args, actors[c], now)
        eng.handle("finish", args, actors[c], now)
        sent += 4
        i += 1
    return time.perf_counter() - start


def heap_only(ops: int) -> float:
    rng = random.Random(1)
    heap: list[tuple[float, int]] = []
    start = time.perf_counter()
    for n in range(ops // 2):
        heapq.heappush(heap, (rng.random(), n))
    while heap:
        heapq.heappop(heap)
    return time.perf_counter() - start


def main() -> None:
    sc = scenario()
    visits = make_visits(sc)
    office = SimOffice.build(sc, COUNTERS)
    simulate(sc, visits=visits, office=office)  # warm-up: imports, translations
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        result = simulate(sc, visits=visits, office=office)
        runs.append(time.perf_counter() - start)
    sim = min(runs)
    issued = len(visits) - sum(result.refused.values())
    stages = sum(len(v.stages) for v in visits)
    commands = issued + 3 * stages  # issue + (call, start, finish|transfer) per stage
    eng = engine_only(sc, office, commands)
    heap = heap_only(2 * (len(visits) + stages))
    o = result.overall()
    print(f"simulated day: {len(visits)} tickets, {stages} counter visits, {COUNTERS} "
          f"counters, mean wait {o.mean_min:.1f} min, p90 {o.p90_min:.1f} min")
    print(f"  simulate():                 {sim * 1000:8.1f} ms  (best of 3; target < 1000)")
    print(f"  engine commands only:       {eng * 1000:8.1f} ms  (~{commands} handle() calls)")
    print(f"  heap operations only:       {heap * 1000:8.1f} ms")
    print(f"  ratio simulate/engine-only: {sim / eng:8.2f}")
    print(f"  ratio simulate/heap-only:   {sim / heap:8.1f}")
    print("PASS" if sim < 1.0 else "SLOW: over one second")


if __name__ == "__main__":
    main()
