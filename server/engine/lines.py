"""The waiting lines: where each waiting ticket waits, in the order it arrived.

A waiting ticket is in exactly one line: its (service, stage, lane), or for a checked-in
regular appointment its service and stage's booking line (kept in slot order); or, when
it was transferred to one counter, that counter's own line (`reserved`). Called, served
and finished tickets are in none. A line's head is its oldest ticket, so the calling
policy looks at heads only (`policy.pick`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from operator import attrgetter

from config.office import Counter, OfficeConfig
from server.engine.model import Ticket
from server.engine.policy import BOOKING_LINE, Eligibility, LineKey


class Lines:
    def __init__(self, config: OfficeConfig) -> None:
        self.priority = {lane.id for lane in config.lanes if lane.priority}
        self.by_key: dict[LineKey, dict[str, Ticket]] = {
            (svc.id, stage, kind): {} for svc in config.services for stage in svc.stages
            for kind in (*svc.lanes, BOOKING_LINE)}
        self.reserved: dict[str, dict[str, Ticket]] = {c.id: {} for c in config.counters}
        self.eligible = {c.id: self._eligibility(config, c) for c in config.counters}

    def _eligibility(self, config: OfficeConfig, counter: Counter) -> Eligibility:
        """The lines a counter may call from: its services, lanes and stages."""
        prio: list[LineKey] = []
        reg: list[LineKey] = []
        book: list[LineKey] = []
        for svc in map(config.service, counter.services):
            lanes = [lane for lane in svc.lanes if counter.lanes is None or lane in counter.lanes]
            for stage in svc.stages:
                if counter.stages is not None and stage not in counter.stages:
                    continue
                for lane in lanes:
                    (prio if lane in self.priority else reg).append((svc.id, stage, lane))
                if any(lane not in self.priority for lane in lanes):
                    book.append((svc.id, stage, BOOKING_LINE))
        return Eligibility(tuple(prio), tuple(reg), tuple(book))

    def key(self, ticket: Ticket) -> LineKey:
        booked = ticket.booking_slot is not None and ticket.lane not in self.priority
        return (ticket.service, ticket.stage, BOOKING_LINE if booked else ticket.lane)

    def add(self, ticket: Ticket) -> None:
        if ticket.reserved_counter in self.reserved:
            self.reserved[ticket.reserved_counter][ticket.id] = ticket
            return
        key = self.key(ticket)
        line = self.by_key.setdefault(key, {})
        line[ticket.id] = ticket
        if key[2] == BOOKING_LINE:  # in slot order (a booking line is short)
            ordered = sorted(line.values(), key=attrgetter("booking_slot", "queued_at"))
            line.clear()
            line.update((tk.id, tk) for tk in ordered)

    def remove(self, ticket: Ticket) -> None:
        self.reserved.get(ticket.reserved_counter, {}).pop(ticket.id, None)
        self.by_key.get(self.key(ticket), {}).pop(ticket.id, None)

    def waiting(self, service: str) -> list[Ticket]:
        """Every waiting ticket of a service, those transferred to one counter too."""
        return [tk for (sid, _, _), line in self.by_key.items() if sid == service
                for tk in line.values()] + [
            tk for line in self.reserved.values() for tk in line.values() if tk.service == service]

    def ahead_of_new(self, service: str, stage: str, lane: str) -> int:
        """How many wait before a ticket that joins this lane now: of a priority lane,
        those of the priority lanes; else everyone at that stage."""
        return sum(len(line) for (sid, st, kind), line in self.by_key.items()
                   if sid == service and st == stage
                   and (lane not in self.priority or kind in self.priority))

    def call_order(self, now: datetime, wait_cap: timedelta,
                   booking_early: timedelta) -> list[Ticket]:
        """All waiting tickets in the order a counter serving all would call them (the
        policy's rules, but interleaving, which is per counter)."""
        over, prio, slot, fifo, early = [], [], [], [], []
        for (_, _, kind), line in self.by_key.items():
            for tk in line.values():
                if kind == BOOKING_LINE:
                    opens = tk.booking_slot - booking_early
                    if opens <= now:
                        since = max(tk.queued_at, opens)
                        (over if now - since > wait_cap else slot).append((since, tk))
                    else:
                        early.append((tk.booking_slot, tk))
                elif kind in self.priority:
                    prio.append((tk.queued_at, tk))
                else:
                    (over if now - tk.queued_at > wait_cap else fifo).append((tk.queued_at, tk))
        reserved = [(tk.queued_at, tk) for line in self.reserved.values() for tk in line.values()]
        order: list[Ticket] = []
        # over-cap regulars and priority tickets interleave by how long they waited
        for group in (reserved, over + prio, slot, fifo, early):
            order.extend(tk for _, tk in sorted(group, key=lambda p: (p[0], p[1].id)))
        return order
