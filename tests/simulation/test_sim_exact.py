"""Known answers: one counter, fixed service times, deterministic arrivals."""

from __future__ import annotations

import pytest
from tests_sim_helpers import one_counter_office

from simulation.model import Scenario, Staffing, Visit
from simulation.run import simulate

H8 = 8 * 3600.0


def visit(minute: float, service_min: float = 5, lane: str = "reguler",
          stages: tuple[str, ...] = ("berkas",), no_show: bool = False) -> Visit:
    return Visit(H8 + minute * 60, "paspor", lane, stages,
                 tuple(service_min * 60 for _ in stages), no_show)


def scenario() -> Scenario:
    return Scenario(config=one_counter_office(), staffing=Staffing.uniform(range(8, 16), 1))


def test_fifo_waits_are_exact():
    # a person every minute, 5 minutes each: the k-th waits 4k minutes
    visits = [visit(k) for k in range(6)]
    r = simulate(scenario(), visits=visits)
    waits = [rec.wait_s / 60 for rec in r.records]
    assert waits == pytest.approx([0, 4, 8, 12, 16, 20])
    assert all(rec.outcome == "done" for rec in r.records)
    s = r.overall()
    assert s.mean_min == pytest.approx(10)
    assert s.p90_min == pytest.approx(20)  # nearest rank: ceil(0.9*6) = 6th
    assert s.max_min == pytest.approx(20)
    assert s.within_target == pytest.approx(3 / 6)  # target 10 min: 0, 4, 8
    assert r.last_finish_s == pytest.approx(H8 + 30 * 60)


def test_priority_lane_goes_first_through_the_engine_policy():
    # busy from 8:00; a regular at 8:01, an elderly person at 8:02 is called first
    visits = [visit(0), visit(1), visit(2, lane="lansia")]
    r = simulate(scenario(), visits=visits)
    assert [rec.wait_s / 60 for rec in r.records] == pytest.approx([0, 9, 3])
    assert r.by_lane()["lansia"].mean_min == pytest.approx(3)


def test_two_stages_queue_again_after_the_transfer():
    # stage 1 (5 min), then back in line for stage 2 behind the second arrival
    visits = [visit(0, stages=("berkas", "foto")), visit(1, stages=("berkas", "foto"))]
    r = simulate(scenario(), visits=visits)
    # A: berkas 8:00-8:05, waits for foto until B's berkas ends 8:10, foto 8:10-8:15
    # B: waits 4 for berkas (8:05-8:10), queued for foto 8:10, called 8:15 (5), ends 8:20
    assert [rec.wait_s / 60 for rec in r.records] == pytest.approx([5, 9])
    assert r.last_finish_s == pytest.approx(H8 + 20 * 60)


def test_no_show_frees_the_counter_after_the_wait():
    sc = scenario()
    sc.no_show_wait_s = 120
    visits = [visit(0, no_show=True), visit(1)]
    r = simulate(sc, visits=visits)
    assert [rec.outcome for rec in r.records] == ["no_show", "done"]
    assert r.records[1].wait_s / 60 == pytest.approx(1)


def test_counters_per_hour_and_people_left_at_closing():
    # nobody staffs 8-9: a person at 8:00 waits until the counter opens at 9:00
    sc = scenario()
    st = Staffing.parse("9-16:1", range(8, 16))
    r = simulate(sc, staffing=st, visits=[visit(0)])
    assert r.records[0].wait_s == pytest.approx(3600)
    # 15:50 onward, 20 min each: at 16:00 one is served, two still wait; all served after
    late = [visit(470 + k, service_min=20) for k in range(3)]
    r = simulate(sc, visits=late)
    assert r.left_at_closing == 2 and r.in_service_at_closing == 1
    assert r.count("done") == 3
    assert r.last_finish_s == pytest.approx(H8 + (470 + 60) * 60)


def test_no_counter_at_all_leaves_people_unserved():
    r = simulate(scenario(), staffing=Staffing.parse("8-16:0", range(8, 16)),
                 visits=[visit(0)])
    assert r.records[0].outcome == "unserved"
    assert r.overall().p90_min == float("inf")
    assert r.overall().within_target == 0
