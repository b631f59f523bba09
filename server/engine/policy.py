"""The calling policy: which waiting ticket a counter calls next, and why.

Waiting tickets live in lines keyed (service, stage, line) where `line` is a lane id or
BOOKING_LINE for checked-in regular appointments. Each line keeps arrival order, so a
line's head is its oldest ticket and a pick looks only at heads: O(lines), not
O(tickets). The order of rules, first match wins:

1. a ticket transferred to this very counter                      -> "transfer"
2. a regular ticket waiting longer than the cap (and longer than
   every waiting priority ticket)                                 -> "wait_cap"
3. after K priority calls in a row at this counter, one regular   -> "interleave"
4. the oldest ticket of the priority lanes                        -> "priority_lane"
5. a checked-in appointment whose slot is near                    -> "appointment_slot"
6. the oldest regular ticket                                      -> "fifo"
7. an appointment checked in early (nothing else waits)           -> "fifo"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from config.office import Policy
from server.engine.model import Ticket

BOOKING_LINE = "@booking"
LineKey = tuple[str, str, str]  # (service, stage, lane id or BOOKING_LINE)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str
    params: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "params": self.params}


@dataclass(frozen=True, slots=True)
class Eligibility:
    """What one counter may call: its lines, split by kind."""

    priority: tuple[LineKey, ...]
    regular: tuple[LineKey, ...]
    booking: tuple[LineKey, ...]


def _first(lines: dict[LineKey, dict[str, Ticket]], keys: tuple[LineKey, ...],
           order: Callable[[Ticket], Any]) -> Ticket | None:
    """The first by `order` of these lines' heads (the earliest line wins a tie)."""
    return min((next(iter(line.values())) for key in keys if (line := lines.get(key))),
               key=order, default=None)


_QUEUED = attrgetter("queued_at")
_SLOT = attrgetter("booking_slot", "queued_at")  # booking lines are kept in this order


def pick(lines: dict[LineKey, dict[str, Ticket]], reserved: dict[str, Ticket] | None,
         elig: Eligibility, now: datetime, rules: Policy,
         consecutive_priority: int) -> tuple[Ticket, Reason] | None:
    """The ticket this counter should call now and the reason, or None if nothing waits."""
    wait_cap = timedelta(minutes=rules.regular_wait_cap_minutes)
    booking_early = timedelta(minutes=rules.booking_early_minutes)
    if reserved:
        ticket = next(iter(reserved.values()))
        return ticket, Reason("transfer", "transferred to this counter",
                              {"service": ticket.service, "stage": ticket.stage})

    regular = _first(lines, elig.regular, _QUEUED)
    booked = _first(lines, elig.booking, _SLOT)
    # A booked ticket counts as regular for the cap once its slot window has opened.
    if booked is not None and booked.booking_slot - booking_early <= now:
        booked_since = max(booked.queued_at, booked.booking_slot - booking_early)
    else:
        booked_since = None

    prio = _first(lines, elig.priority, _QUEUED)
    over_cap: list[tuple[datetime, Ticket]] = []
    if regular is not None and now - regular.queued_at > wait_cap:
        over_cap.append((regular.queued_at, regular))
    if booked_since is not None and now - booked_since > wait_cap:
        over_cap.append((booked_since, booked))
    # The cap lifts a regular ticket above the priority lanes, but never above a priority
    # ticket that has waited even longer: in an overloaded hall this becomes first come,
    # first served among the long waits instead of starving the priority lanes.
    if over_cap and (prio is None or min(over_cap, key=lambda p: p[0])[0] <= prio.queued_at):
        since, ticket = min(over_cap, key=lambda pair: pair[0])
        waited = int((now - since).total_seconds() // 60)
        cap = int(wait_cap.total_seconds() // 60)
        return ticket, Reason("wait_cap", f"regular waited {waited} min > {cap}",
                              {"waited_min": waited, "cap_min": cap, "lane": ticket.lane})

    if (0 < rules.interleave_after <= consecutive_priority
            and prio is not None and (regular is not None or booked is not None)):
        ticket = regular if regular is not None else booked
        return ticket, Reason("interleave",
                              f"one regular after {consecutive_priority} priority calls",
                              {"after": consecutive_priority, "lane": ticket.lane})

    if prio is not None:
        return prio, Reason("priority_lane", f"lane {prio.lane} (priority)", {"lane": prio.lane})

    if booked_since is not None:
        slot = booked.booking_slot
        return booked, Reason("appointment_slot", f"appointment slot {slot:%H:%M}",
                              {"slot": slot.isoformat()})
    if regular is not None:
        return regular, Reason("fifo", "first come, first served", {"lane": regular.lane})
    if booked is not None:
        return booked, Reason("fifo", "appointment checked in early", {"lane": booked.lane})
    return None


def manual_reason(officer: str | None) -> Reason:
    return Reason("manual", "called by hand", {"officer": officer})
