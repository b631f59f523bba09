"""Engine properties over random command sequences (hypothesis, stateful).

Time only moves forward. After every step: no duplicate number today, a ticket is held
by at most one counter, every issued ticket is in exactly one place (a waiting line, a
counter, or a terminal status). On every `call_next`: only a waiting ticket is called,
the wait cap bounds regular waits, and otherwise priority order holds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from engine_helpers import ADMIN, KIOSK, at, officer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from config import office as office_config
from server.engine import Engine
from server.engine import lifecycle as lc

CONFIG = office_config.always_open(office_config.load())
SERVICES = ["paspor-baru", "paspor-hilang", "informasi", "izin-tinggal"]
LANES = ["reguler", "reguler", "lansia", "disabilitas", "ibu-anak"]
COUNTERS = {1: "loket-1", 2: "loket-2", 3: "loket-3", 4: "loket-4", 5: "loket-5"}
CAP = timedelta(minutes=CONFIG.policy.regular_wait_cap_minutes)
K = CONFIG.policy.interleave_after
DAY_END = at(23, 0)


class QueueDay(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = at(7, 0)
        self.engine = Engine(CONFIG, self.now)
        self.issued: dict[str, str] = {}  # id -> number, today
        self.logged_in: set[int] = set()

    # ------------------------------------------------------------ helpers
    def run(self, name, actor, **args):
        return self.engine.handle(name, args, actor, self.now)

    def waiting_ids(self) -> set[str]:
        return {tk.id for tk in self.engine.tickets.values() if tk.status == lc.WAITING}

    # ------------------------------------------------------------ rules
    @rule(minutes=st.integers(0, 25))
    def time_passes(self, minutes):
        if self.now + timedelta(minutes=minutes) < DAY_END:
            self.now += timedelta(minutes=minutes)
            self.engine.tick(self.now)

    @rule(service=st.sampled_from(SERVICES), lane=st.sampled_from(LANES))
    def issue(self, service, lane):
        out = self.run("issue_ticket", KIOSK, service=service, lane=lane)
        if out.ok:
            number = out.data["number"]
            assert number not in self.issued.values(), f"duplicate number {number}"
            self.issued[out.data["id"]] = number
        else:
            assert out.error_code == "quota_reached"

    @rule(n=st.sampled_from(sorted(COUNTERS)))
    def login(self, n):
        if self.run("login", officer(n), officer=officer(n).officer, pin="x",
                    counter=COUNTERS[n]).ok:
            self.logged_in.add(n)

    @precondition(lambda self: self.logged_in)
    @rule(data=st.data())
    def call_next(self, data):
        self.check_call_next(data.draw(st.sampled_from(sorted(self.logged_in))))

    def check_call_next(self, n: int) -> None:
        cid = COUNTERS[n]
        eng = self.engine
        state = eng.counters[cid]
        waiting = self.waiting_ids()
        elig = eng.lines.eligible[cid]
        regular = [tk for key in elig.regular for tk in eng.lines.by_key.get(key, {}).values()]
        prio = [tk for key in elig.priority for tk in eng.lines.by_key.get(key, {}).values()]
        over_cap = [tk for tk in regular if self.now - tk.queued_at > CAP]
        reserved = bool(eng.lines.reserved[cid])
        interleave_due = 0 < K <= state.consecutive_priority
        out = self.run("call_next", officer(n), counter=cid)
        if not out.ok:
            assert out.error_code in ("queue_empty", "invalid_state")
            if out.error_code == "queue_empty":
                assert not (regular or prio or reserved)
            return
        picked = out.data
        assert picked["id"] in waiting, "call_next called a ticket that was not waiting"
        if reserved:
            assert picked["reason"]["code"] == "transfer"
            return
        oldest_prio = min(prio, key=lambda tk: tk.queued_at) if prio else None
        if over_cap and oldest_prio is not None and oldest_prio.queued_at < min(
                tk.queued_at for tk in over_cap):
            over_cap = []  # a priority ticket waited even longer: it keeps its precedence
        if over_cap:
            assert picked["reason"]["code"] == "wait_cap"
            assert picked["id"] in {tk.id for tk in over_cap}
            # the longest-waiting of them
            assert picked["id"] == min(over_cap, key=lambda tk: tk.queued_at).id
        elif prio and not interleave_due:
            assert picked["reason"]["code"] == "priority_lane"
            assert picked["id"] == min(prio, key=lambda tk: tk.queued_at).id
        elif prio and regular:
            assert picked["reason"]["code"] == "interleave"

    @precondition(lambda self: self.logged_in)
    @rule(data=st.data(), action=st.sampled_from(
        ["start_service", "finish", "recall", "no_show", "finish", "start_service"]))
    def counter_action(self, data, action):
        n = data.draw(st.sampled_from(sorted(self.logged_in)))
        out = self.run(action, officer(n), counter=COUNTERS[n])
        assert out.ok or out.error_code == "invalid_state"

    @precondition(lambda self: self.logged_in)
    @rule(data=st.data(), service=st.sampled_from(SERVICES + [None]),
          to_counter=st.sampled_from([None, None, "loket-3", "loket-5"]))
    def transfer(self, data, service, to_counter):
        n = data.draw(st.sampled_from(sorted(self.logged_in)))
        state = self.engine.counters[COUNTERS[n]]
        current = self.engine.tickets.get(state.ticket) if state.ticket else None
        args = {"service": service or (current.service if current else "paspor-baru")}
        if to_counter:
            args["to_counter"] = to_counter
        out = self.run("transfer", officer(n), counter=COUNTERS[n], **args)
        if out.ok:
            assert out.data["number"] == current.number and out.data["status"] == "waiting"
        else:
            assert out.error_code in ("invalid_state", "bad_request")

    @precondition(lambda self: self.issued)
    @rule(data=st.data())
    def call_by_hand(self, data):
        if not self.logged_in:
            return
        n = data.draw(st.sampled_from(sorted(self.logged_in)))
        number = data.draw(st.sampled_from(sorted(self.issued.values())))
        before = next(tk.status for tk in self.engine.tickets.values() if tk.number == number)
        out = self.run("call_ticket", officer(n), counter=COUNTERS[n], ticket=number)
        if out.ok:
            assert before == lc.WAITING

    @precondition(lambda self: self.issued)
    @rule(data=st.data())
    def cancel(self, data):
        number = data.draw(st.sampled_from(sorted(self.issued.values())))
        out = self.run("cancel", ADMIN, ticket=number, reason="test")
        assert out.ok or out.error_code == "invalid_state"

    @precondition(lambda self: self.logged_in)
    @rule(data=st.data(), action=st.sampled_from(["pause", "resume", "logout"]))
    def session(self, data, action):
        n = data.draw(st.sampled_from(sorted(self.logged_in)))
        args = {} if action == "logout" else {"counter": COUNTERS[n], "reason": "istirahat"}
        out = self.run(action, officer(n), **args)
        if out.ok and action == "logout":
            self.logged_in.discard(n)

    # ------------------------------------------------------------ invariants
    @invariant()
    def numbers_unique(self):
        numbers = [tk.number for tk in self.engine.tickets.values()]
        assert len(numbers) == len(set(numbers))

    @invariant()
    def held_by_at_most_one_counter(self):
        held = [c.ticket for c in self.engine.counters.values() if c.ticket]
        assert len(held) == len(set(held))
        for c in self.engine.counters.values():
            if c.ticket:
                tk = self.engine.tickets[c.ticket]
                assert tk.status in (lc.CALLED, lc.SERVING) and tk.counter == c.id

    @invariant()
    def no_ticket_lost(self):
        eng = self.engine
        in_lines = [tid for line in eng.lines.by_key.values() for tid in line]
        in_reserved = [tid for r in eng.lines.reserved.values() for tid in r]
        at_counters = [c.ticket for c in eng.counters.values() if c.ticket]
        places = in_lines + in_reserved + at_counters
        assert len(places) == len(set(places)), "a ticket is in two places"
        assert set(eng.tickets) == set(self.issued)
        for tid, tk in eng.tickets.items():
            if tk.status == lc.WAITING:
                assert tid in in_lines or tid in in_reserved
            elif tk.status in (lc.CALLED, lc.SERVING):
                assert tid in at_counters
            else:
                assert tk.status in lc.TERMINAL and tid not in places


QueueDay.TestCase.settings = settings(max_examples=100, stateful_step_count=60, deadline=None,
                                      suppress_health_check=[HealthCheck.too_slow])
test_queue_day = QueueDay.TestCase


@pytest.mark.parametrize("seed", range(3))
def test_long_busy_day_keeps_every_promise(seed):
    """A deterministic crowded day: many tickets, all counters, long waits."""
    import random
    rnd = random.Random(seed)
    machine = QueueDay()
    for n in COUNTERS:
        machine.login(n)
    for _ in range(1500):
        r = rnd.random()
        if r < 0.35:
            machine.issue(rnd.choice(SERVICES), rnd.choice(LANES))
        elif r < 0.45:
            machine.time_passes(rnd.randint(0, 4))
        else:
            n = rnd.choice(sorted(machine.logged_in))
            action = rnd.choice(["call", "start_service", "finish", "finish", "no_show"])
            if action == "call":
                machine.check_call_next(n)
            else:
                machine.run(action, officer(n), counter=COUNTERS[n])
        machine.numbers_unique()
        machine.held_by_at_most_one_counter()
        machine.no_ticket_lost()
    machine.teardown()
