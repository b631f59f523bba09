"""Plain data the engine works on: tickets, counters, bookings, and their wire/record forms;
a command as a handler gets it, and what came of it.

Records (`to_record` / `from_record`) are what the store persists; wire dicts
(`to_wire`) are what clients see. Times are aware datetimes inside, ISO strings outside.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from i18n import t


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
    # the last recall of the current call: a no-show by time counts from it (policy)
    recalled_at: datetime | None = None

    def to_wire(self, fmt: Callable[[datetime | None], str | None],
                public_url: str) -> dict[str, Any]:
        """`fmt` formats a time for the wire (the engine's `iso`: office offset, ms)."""
        issued = fmt(self.issued_at)  # and queued, until the ticket is transferred
        return {"id": self.id, "number": self.number, "service": self.service,
                "stage": self.stage, "lane": self.lane, "status": self.status,
                "issued_at": issued,
                "queued_at": issued if self.queued_at == self.issued_at else fmt(self.queued_at),
                "called_at": fmt(self.called_at), "recalled_at": fmt(self.recalled_at),
                "started_at": fmt(self.started_at),
                "finished_at": fmt(self.finished_at), "counter": self.counter,
                "recalls": self.recalls, "booked": self.booking_slot is not None,
                "booking_slot": fmt(self.booking_slot), "to_counter": self.reserved_counter,
                "lang": self.lang, "status_url": f"{public_url}/t/{self.token}"}

    def to_record(self) -> dict[str, Any]:
        rec = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for key in _TIMES:
            rec[key] = rec[key].isoformat() if rec[key] else None
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Ticket:
        values = dict(rec)
        for key in _TIMES:
            values[key] = datetime.fromisoformat(values[key]) if values.get(key) else None
        values["surveyed"] = bool(values.get("surveyed"))  # stored as 0/1; NULL before 0.4
        return cls(**{k: values[k] for k in cls.__dataclass_fields__ if k in values})


_TIMES = ("issued_at", "queued_at", "called_at", "started_at", "finished_at", "booking_slot",
          "recalled_at")


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
        rec = {name: getattr(self, name) for name in self.__dataclass_fields__}
        rec["call_reason"] = json.dumps(self.call_reason) if self.call_reason else None
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> CounterState:
        values = {k: rec[k] for k in cls.__dataclass_fields__ if k in rec}
        reason = values.get("call_reason")
        values["call_reason"] = json.loads(reason) if isinstance(reason, str) else reason
        return cls(**values)


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


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sent a command."""

    role: str
    device: str | None = None
    officer: str | None = None  # for counter role: verified by the shell at login
    officer_name: str | None = None
    counter: str | None = None  # the counter a paired device is bound to
    session: str | None = None  # a logged-in officer's session (hash of its secret)


@dataclass(slots=True)
class Command:
    """A command as its handler gets it: its checked arguments (`protocol.check_args`), who
    sent it, when, and the events it causes so far."""

    args: dict[str, Any]
    actor: Actor
    now: datetime
    events: list[tuple[str, dict[str, Any]]]


@dataclass(slots=True)
class Outcome:
    ok: bool
    data: Any = None
    error_code: str | None = None
    error_message: str | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class EngineError(Exception):
    """A refused command: an error code and the server's message for it (i18n
    `server.<key>` filled with `params`), in the office's language when it is answered."""

    def __init__(self, code: str, key: str, **params: Any) -> None:
        super().__init__(key)
        self.code, self.key, self.params = code, key, params

    def message(self, lang: str) -> str:
        return t(f"server.{self.key}", lang, **self.params)
