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

from config.office import Counter, OfficeConfig, Policy
from server.engine.model import Ticket
from server.engine.policy import BOOKING_LINE, Eligibility, LineKey


class Lines:
    def __init__(self, config: OfficeConfig) -> None:
        self.priority = {lane.id for lane in config.lanes if lane.priority}
        self.by_key: dict[LineKey, dict[str, Ticket]] = {}
        self.of_service: dict[str, list[tuple[LineKey, dict[str, Ticket]]]] = {}  # its lines
        for svc in config.services:
            for stage in svc.stages:
                for kind in (*svc.lanes, BOOKING_LINE):
                    self._line((svc.id, stage, kind))
        self.reserved: dict[str, dict[str, Ticket]] = {c.id: {} for c in config.counters}
        self.eligible = {c.id: self._eligibility(c) for c in config.counters}

    def _eligibility(self, counter: Counter) -> Eligibility:
        """The lines a counter may call from: its services, lanes and stages; a booking
        line where it serves a regular lane."""
        keys = [key for sid in counter.services for key, _ in self.of_service[sid]
                if counter.stages is None or key[1] in counter.stages]
        lanes = [key for key in keys if key[2] != BOOKING_LINE
                 and (counter.lanes is None or key[2] in counter.lanes)]
        regular = tuple(key for key in lanes if key[2] not in self.priority)
        booking = tuple(key for key in keys if key[2] == BOOKING_LINE
                        and any(r[:2] == key[:2] for r in regular))
        return Eligibility(tuple(k for k in lanes if k[2] in self.priority), regular, booking)

    def _line(self, key: LineKey) -> dict[str, Ticket]:
        if key not in self.by_key:
            self.by_key[key] = {}
            self.of_service.setdefault(key[0], []).append((key, self.by_key[key]))
        return self.by_key[key]

    def key(self, ticket: Ticket) -> LineKey:
        booked = ticket.booking_slot is not None and ticket.lane not in self.priority
        return (ticket.service, ticket.stage, BOOKING_LINE if booked else ticket.lane)

    def add(self, ticket: Ticket) -> None:
        if ticket.reserved_counter in self.reserved:
            self.reserved[ticket.reserved_counter][ticket.id] = ticket
            return
        key = self.key(ticket)
        line = self._line(key)
        line[ticket.id] = ticket
        if key[2] == BOOKING_LINE:  # in slot order (a booking line is short)
            ordered = sorted(line.values(), key=attrgetter("booking_slot", "queued_at"))
            line.clear()
            line.update((tk.id, tk) for tk in ordered)

    def add_in_order(self, ticket: Ticket) -> None:
        """Add a ticket to its line at the place its `queued_at` gives it (a ticket that
        joins again, or is moved, keeping its place or put at the front)."""
        self.add(ticket)
        if ticket.reserved_counter not in self.reserved and self.key(ticket)[2] == BOOKING_LINE:
            return  # a booking line is in slot order (`add` keeps it so)
        line = self.line_of(ticket)
        ordered = sorted(line.values(), key=attrgetter("queued_at"))
        line.clear()
        line.update((tk.id, tk) for tk in ordered)

    def line_of(self, ticket: Ticket) -> dict[str, Ticket]:
        """The line a waiting ticket is (or would be) in."""
        if ticket.reserved_counter in self.reserved:
            return self.reserved[ticket.reserved_counter]
        return self._line(self.key(ticket))

    def add_by_time(self, ticket: Ticket) -> None:
        """Add a ticket that joins as if it had come at its `queued_at` (a kiosk's offline
        ticket, handed over later): before the first ticket of its line that came after
        it; the others keep their order."""
        self.add(ticket)
        key = self.key(ticket)
        line = self.by_key.get(key)
        if ticket.reserved_counter in self.reserved or key[2] == BOOKING_LINE or not line:
            return  # (a booking line is kept in slot order by `add`)
        others = [tk for tk in line.values() if tk is not ticket]
        at = next((i for i, tk in enumerate(others) if tk.queued_at > ticket.queued_at),
                  len(others))
        if at == len(others):
            return  # it came last: where `add` put it
        others.insert(at, ticket)
        line.clear()
        line.update((tk.id, tk) for tk in others)

    def remove(self, ticket: Ticket) -> None:
        self.reserved.get(ticket.reserved_counter, {}).pop(ticket.id, None)
        self.by_key.get(self.key(ticket), {}).pop(ticket.id, None)

    def waiting(self, service: str) -> list[Ticket]:
        """Every waiting ticket of a service, those transferred to one counter too."""
        return [tk for _, line in self.of_service[service] for tk in line.values()] + [
            tk for line in self.reserved.values() if line for tk in line.values()
            if tk.service == service]

    def count(self, service: str) -> int:
        return sum(len(line) for _, line in self.of_service[service]) + sum(
            tk.service == service for line in self.reserved.values() if line
            for tk in line.values())

    def ahead_of_new(self, service: str, stage: str, lane: str) -> int:
        """How many wait before a ticket that joins this lane now: of a priority lane,
        those of the priority lanes; else everyone at that stage."""
        return sum(len(line) for (_, st, kind), line in self.of_service[service]
                   if st == stage and (lane not in self.priority or kind in self.priority))

    def call_order(self, now: datetime, rules: Policy) -> list[Ticket]:
        """All waiting tickets in the order a counter serving all would call them: ranked by
        the policy's rules (but interleaving, which is per counter), then by waiting time."""
        wait_cap = timedelta(minutes=rules.regular_wait_cap_minutes)
        booking_early = timedelta(minutes=rules.booking_early_minutes)

        def rank(kind: str, tk: Ticket) -> tuple[int, datetime]:
            if kind == BOOKING_LINE:
                opens = tk.booking_slot - booking_early
                if opens > now:  # checked in early: after everyone else
                    return 4, tk.booking_slot
                since = max(tk.queued_at, opens)
                return (1 if now - since > wait_cap else 2), since
            # priority tickets and regular ones over the cap, by how long they waited
            if kind in self.priority or now - tk.queued_at > wait_cap:
                return 1, tk.queued_at
            return 3, tk.queued_at

        ranked = [(0, tk.queued_at, tk.id, tk) for line in self.reserved.values()
                  for tk in line.values()]
        ranked += [(*rank(kind, tk), tk.id, tk) for (_, _, kind), line in self.by_key.items()
                   for tk in line.values()]
        return [entry[-1] for entry in sorted(ranked, key=lambda entry: entry[:3])]
