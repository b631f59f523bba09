"""Offline issuing over random interleavings (hypothesis, stateful): online issues, leases,
offline issues at two kiosks, syncs that send part of a journal, send entries again or in
another order, a kiosk sending another's number, calls at a counter, and restarts of the
server from what its store kept.

After every step: no number is held by two tickets, no ticket was issued online with a
number a kiosk holds leased, every entry the server acknowledged is its ticket exactly
once (with that number), and today's tickets are exactly the online ones plus the
acknowledged offline ones. A valid entry is never refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine_helpers import KIOSK, at, officer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from config import office as office_config
from server.engine import Actor, Engine

CONFIG = office_config.always_open(office_config.load())
KIOSKS = {"kiosk-1": KIOSK, "kiosk-2": Actor("kiosk", "kiosk-2")}
# paspor-hilang has a regular quota of 10: leases and online issues share it
SERVICE_LANES = [("paspor-baru", "reguler"), ("paspor-baru", "lansia"),
                 ("paspor-hilang", "reguler"), ("paspor-ganti", "reguler")]
DAY_END = at(22, 0)


class OfflineDay(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = at(8, 0)
        self.engine = Engine(CONFIG, self.now)
        self.records: dict[str, dict[str, Any]] = {}  # what the store holds
        self.counters: list[dict[str, Any]] = []
        self.meta: dict[str, Any] | None = None
        self.online: set[str] = set()  # numbers issued online
        self.held: dict[str, list[tuple[str, str, str]]] = {k: [] for k in KIOSKS}
        self.journal: dict[str, list[dict[str, Any]]] = {k: [] for k in KIOSKS}
        self.acked: dict[str, tuple[str, str]] = {}  # entry id -> (kiosk, number)
        self.sent: list[dict[str, Any]] = []  # acknowledged entries, to send again
        self.serial = 0
        self.logged_in = False

    def run(self, name: str, actor: Actor, **args: Any) -> Any:
        out = self.engine.handle(name, args, actor, self.now)
        self.commit()
        return out

    def commit(self) -> None:
        """What the store does after each batch."""
        changes = self.engine.drain_changes()
        self.records.update({rec["id"]: rec for rec in changes.tickets})
        if changes.counters:
            self.counters = [*{c["id"]: c for c in (*self.counters, *changes.counters)}
                             .values()]
        if changes.meta is not None:
            self.meta = changes.meta

    # ------------------------------------------------------------ rules
    @rule(minutes=st.integers(0, 20))
    def time_passes(self, minutes: int) -> None:
        if self.now + timedelta(minutes=minutes) < DAY_END:
            self.now += timedelta(minutes=minutes)
            self.engine.tick(self.now)
            self.commit()

    @rule(where=st.sampled_from(SERVICE_LANES))
    def issue_online(self, where: tuple[str, str]) -> None:
        out = self.run("issue_ticket", KIOSKS["kiosk-2"], service=where[0], lane=where[1])
        if out.ok:
            self.online.add(out.data["number"])
        else:
            assert out.error_code in ("quota_reached", "service_closed"), out.error_message

    @rule(kiosk=st.sampled_from(sorted(KIOSKS)), where=st.sampled_from(SERVICE_LANES),
          count=st.integers(1, 7))
    def lease(self, kiosk: str, where: tuple[str, str], count: int) -> None:
        out = self.run("lease_numbers", KIOSKS[kiosk], service=where[0], lane=where[1],
                       count=count)
        if not out.ok:
            assert out.error_code in ("quota_reached", "service_closed"), out.error_message
            return
        mine = [n for s, la, n in self.held[kiosk] if (s, la) == where]
        assert len(out.data["numbers"]) <= max(0, CONFIG.kiosk.offline_lease - len(mine))
        self.held[kiosk] += [(*where, n) for n in out.data["numbers"]]

    @precondition(lambda self: any(self.held.values()))
    @rule(data=st.data(), back=st.integers(0, 30))
    def issue_offline(self, data: st.DataObject, back: int) -> None:
        kiosk = data.draw(st.sampled_from([k for k in KIOSKS if self.held[k]]))
        service, lane, number = self.held[kiosk].pop(
            data.draw(st.integers(0, len(self.held[kiosk]) - 1)))
        self.serial += 1
        # a kiosk's clock, corrected, may still be a little behind or ahead
        self.journal[kiosk].append({
            "id": f"k_{kiosk}_{self.serial:08d}", "number": number, "service": service,
            "lane": lane, "lang": "id", "token": f"{kiosk}-token-{self.serial:012d}",
            "issued_at": (self.now - timedelta(minutes=back)).isoformat()})

    @precondition(lambda self: any(self.journal.values()) or self.acked)
    @rule(data=st.data())
    def sync(self, data: st.DataObject) -> None:
        kiosk = data.draw(st.sampled_from(sorted(KIOSKS)))
        pending = self.journal[kiosk]
        again = [e for e in self.sent if self.acked.get(e["id"], ("",))[0] == kiosk]
        batch = data.draw(st.lists(st.sampled_from(pending + again), max_size=8)) \
            if pending or again else []
        before = len(self.engine.tickets)
        out = self.run("sync_offline", KIOSKS[kiosk], tickets=batch)
        assert out.ok, out.error_message
        new = 0
        for sent, answer in zip(batch, out.data["tickets"], strict=True):
            assert answer["ok"], (sent, answer)  # a valid entry is never refused
            assert answer["id"] == sent["id"]
            assert answer["ticket"]["number"] == sent["number"]
            assert answer["ticket"]["status_url"].endswith("/t/" + sent["token"])
            if sent["id"] not in self.acked:
                new += 1
                self.acked[sent["id"]] = (kiosk, sent["number"])
                self.sent.append(sent)
        assert len(self.engine.tickets) == before + new
        # an answered entry leaves the journal (a lost answer: it stays, sent again later)
        if data.draw(st.booleans()):
            self.journal[kiosk] = [e for e in pending if e["id"] not in self.acked]

    @precondition(lambda self: any(self.held.values()))
    @rule(data=st.data())
    def sync_anothers_number(self, data: st.DataObject) -> None:
        owner = data.draw(st.sampled_from([k for k in KIOSKS if self.held[k]]))
        thief = next(k for k in KIOSKS if k != owner)
        service, lane, number = data.draw(st.sampled_from(self.held[owner]))
        self.serial += 1
        entry = {"id": f"k_{thief}_{self.serial:08d}", "number": number, "service": service,
                 "lane": lane, "lang": "id", "issued_at": self.now.isoformat()}
        before = dict(self.engine.tickets)
        out = self.run("sync_offline", KIOSKS[thief], tickets=[entry])
        assert out.ok and out.data["tickets"][0]["error"]["code"] == "invalid_state"
        assert self.engine.tickets == before

    @rule()
    def call(self) -> None:
        if not self.logged_in:
            self.run("login", officer(1), officer="budi", pin="x", counter="loket-1")
            self.logged_in = True
        self.run("finish", officer(1), counter="loket-1")
        self.run("start_service", officer(1), counter="loket-1")
        self.run("call_next", officer(1), counter="loket-1")

    @rule()
    def restart(self) -> None:
        self.commit()
        self.engine = Engine.restore(CONFIG, self.now, self.meta, list(self.records.values()),
                                     self.counters, [])

    # ------------------------------------------------------------ invariants
    @invariant()
    def no_number_twice(self) -> None:
        numbers = [tk.number for tk in self.engine.tickets.values()]
        assert len(numbers) == len(set(numbers))
        held = {n for kiosk in self.held.values() for _, _, n in kiosk}
        journal = {e["number"] for kiosk in self.journal.values() for e in kiosk}
        assert not self.online & (held | journal), "a leased number was issued online"
        assert not held & set(numbers), "a number still held is a ticket already"

    @invariant()
    def every_acknowledged_ticket_is_there_once(self) -> None:
        by_number = {tk.number: tk for tk in self.engine.tickets.values()}
        for entry_id, (_, number) in self.acked.items():
            assert number in by_number, f"acknowledged {number} lost"
            assert self.engine.offline_ids[entry_id][0] == by_number[number].id
        assert set(by_number) == self.online | {n for _, n in self.acked.values()}


OfflineDay.TestCase.settings = settings(max_examples=80, stateful_step_count=50, deadline=None,
                                        suppress_health_check=[HealthCheck.too_slow])
test_offline_day = OfflineDay.TestCase
