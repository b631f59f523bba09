"""Plain data the engine works on: tickets, counters, bookings, and their wire/record forms.

Records (`to_record` / `from_record`) are what the store persists; wire dicts
(`to_wire`) are what clients see. Times are aware datetimes inside, ISO strings outside.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def iso(dt: datetime | None, tz: Any) -> str | None:
    return dt.astimezone(tz).isoformat(timespec="milliseconds") if dt else None


class LastOf:
    """`fn(x)`, remembered for the last `x` (the very object: held here, so its identity
    cannot pass to another). A batch of commands shares one `now`, so it is put in office
    time and formatted once for all of them, and the day once a day."""

    __slots__ = ("fn", "key", "value")

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn, self.key, self.value = fn, LastOf, None  # the class: never an argument

    def __call__(self, x: Any) -> Any:
        if x is not self.key:
            self.key, self.value = x, self.fn(x)
        return self.value


_record_iso = LastOf(datetime.isoformat)  # every ticket of a batch: issued at its `now`


def ticket_number(prefix: str, n: int) -> str:
    """What the applicant reads: the service's prefix and the day's count, "A007"."""
    return f"{prefix}{n:03d}"


def number_parts(number: Any) -> tuple[str, int] | None:
    """"A007" -> ("A", 7); None for anything `ticket_number` does not make."""
    if not isinstance(number, str):
        return None
    prefix = number.rstrip("0123456789")
    digits = number[len(prefix):]
    return (prefix, int(digits)) if digits else None


def ticket_id(day_compact: str, number: str) -> str:
    """A ticket's id: its office day (YYYYMMDD) then its number, unique for ever (numbers
    start again every day)."""
    return f"t_{day_compact}_{number}"


def parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(slots=True)
class Ticket:
    id: str
    day: str  # office-local date, ISO
    number: str
    service: str
    stage: str
    lane: str
    status: str
    token: str
    lang: str
    issued_at: datetime
    queued_at: datetime  # when it (re)joined a waiting line: FIFO order and wait caps
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counter: str | None = None
    officer: str | None = None
    recalls: int = 0
    transfers: int = 0
    booking_slot: datetime | None = None  # set for checked-in appointments
    reserved_counter: str | None = None  # transferred to one specific counter
    # answered the satisfaction survey (once only); the answers are kept apart, without it
    surveyed: bool = False
    # "service/lane" a walk-in was issued for (its quota); None for a checked-in booking.
    # Today's numbers and quota counts are rebuilt from the tickets at restart, so an
    # issue need not rewrite the engine's meta record.
    issued_as: str | None = None

    def to_wire(self, fmt: Callable[[datetime | None], str | None],
                public_url: str) -> dict[str, Any]:
        """`fmt` formats a time for the wire (the engine's `iso`: office offset, ms)."""
        called, started, finished, slot = (self.called_at, self.started_at,
                                           self.finished_at, self.booking_slot)
        return {
            "id": self.id,
            "number": self.number,
            "service": self.service,
            "stage": self.stage,
            "lane": self.lane,
            "status": self.status,
            "issued_at": (issued := fmt(self.issued_at)),
            # the same moment until the ticket is transferred: format it once
            "queued_at": issued if self.queued_at is self.issued_at else fmt(self.queued_at),
            "called_at": fmt(called) if called else None,
            "started_at": fmt(started) if started else None,
            "finished_at": fmt(finished) if finished else None,
            "counter": self.counter,
            "recalls": self.recalls,
            "booked": slot is not None,
            "booking_slot": fmt(slot) if slot else None,
            "to_counter": self.reserved_counter,
            "lang": self.lang,
            "status_url": f"{public_url}/t/{self.token}",
        }

    def to_record(self) -> dict[str, Any]:
        # Spelled out, field by field: this runs for every changed ticket of every commit
        # (asdict deep-copies; a comprehension over getattr was twice as slow). A test
        # checks that every field is here and comes back through from_record.
        issued = _record_iso(self.issued_at)
        queued, called, started = self.queued_at, self.called_at, self.started_at
        finished, slot = self.finished_at, self.booking_slot
        return {
            "id": self.id, "day": self.day, "number": self.number, "service": self.service,
            "stage": self.stage, "lane": self.lane, "status": self.status,
            "token": self.token, "lang": self.lang, "issued_at": issued,
            "queued_at": issued if queued is self.issued_at else queued.isoformat(),
            "called_at": called.isoformat() if called else None,
            "started_at": started.isoformat() if started else None,
            "finished_at": finished.isoformat() if finished else None,
            "counter": self.counter, "officer": self.officer, "recalls": self.recalls,
            "transfers": self.transfers,
            "booking_slot": slot.isoformat() if slot else None,
            "reserved_counter": self.reserved_counter, "surveyed": self.surveyed,
            "issued_as": self.issued_as,
        }

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Ticket:
        values = dict(rec)
        for key in ("issued_at", "queued_at", "called_at", "started_at", "finished_at",
                    "booking_slot"):
            values[key] = parse_dt(values.get(key))
        values["surveyed"] = bool(values.get("surveyed"))  # stored as 0/1; NULL before 0.4
        return cls(**{k: values[k] for k in cls.__dataclass_fields__ if k in values})




@dataclass(slots=True)
class CounterState:
    id: str
    status: str = "closed"
    officer: str | None = None
    officer_name: str | None = None
    device: str | None = None
    ticket: str | None = None  # id of the ticket called/served here
    pause_reason: str | None = None
    consecutive_priority: int = 0
    call_reason: dict[str, Any] | None = None  # why the current ticket was picked
    session: str | None = None  # hash of the logged-in officer's session secret

    def to_record(self) -> dict[str, Any]:
        # not dataclasses.asdict: its deep copy was a third of a call's whole cost
        rec = {name: getattr(self, name) for name in _COUNTER_FIELDS}
        rec["call_reason"] = json.dumps(self.call_reason) if self.call_reason else None
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> CounterState:
        values = {k: rec[k] for k in cls.__dataclass_fields__ if k in rec}
        reason = values.get("call_reason")
        values["call_reason"] = json.loads(reason) if isinstance(reason, str) else reason
        return cls(**values)



_COUNTER_FIELDS = tuple(CounterState.__dataclass_fields__)

@dataclass(slots=True)
class Booking:
    code: str
    service: str
    slot_start: datetime
    slot_end: datetime
    lane: str = "reguler"
    ticket: str | None = None  # set once checked in; the code itself is then forgotten

    def to_record(self) -> dict[str, Any]:
        return {"code": self.code, "service": self.service,
                "slot_start": self.slot_start.isoformat(), "slot_end": self.slot_end.isoformat(),
                "lane": self.lane, "ticket": self.ticket}

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Booking:
        return cls(code=rec["code"], service=rec["service"],
                   slot_start=datetime.fromisoformat(rec["slot_start"]),
                   slot_end=datetime.fromisoformat(rec["slot_end"]),
                   lane=rec.get("lane") or "reguler", ticket=rec.get("ticket"))


@dataclass(slots=True)
class Changes:
    """What a batch of commands changed, for the store to persist in one transaction."""

    tickets: list[dict[str, Any]] = field(default_factory=list)
    counters: list[dict[str, Any]] = field(default_factory=list)
    bookings: list[dict[str, Any]] = field(default_factory=list)
    removed_bookings: list[str] = field(default_factory=list)
    meta: dict[str, Any] | None = None

    def __bool__(self) -> bool:
        return bool(self.tickets or self.counters or self.bookings or self.removed_bookings
                    or self.meta is not None)
