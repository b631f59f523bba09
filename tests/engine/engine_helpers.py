"""Driving the pure engine in tests: an office-local clock and one-line commands.

`Desk` wraps an `Engine` with a clock that only moves forward when a test says so, and
`ok()` / `err()` assert the outcome so a test reads as the day it describes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.engine import Actor, Engine, Outcome

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = (2024, 1, 8)  # a Monday
SATURDAY = (2024, 1, 13)

KIOSK = Actor("kiosk", "kiosk-1")
ADMIN = Actor("admin", "admin-1")
DISPLAY = Actor("display", "board-1")


def at(hour: int, minute: int = 0, day: tuple[int, int, int] = MONDAY) -> datetime:
    """An aware office-local time on the given date."""
    return datetime(*day, hour, minute, tzinfo=WIB)


def officer(n: int) -> Actor:
    names = {1: ("budi", "Budi Santoso"), 2: ("sari", "Sari Dewi"), 3: ("andi", "Andi Pratama"),
             4: ("rina", "Rina Wulandari"), 5: ("joko", "Joko Susilo")}
    oid, name = names[n]
    return Actor("counter", f"console-{n}", oid, name, session=f"s-{n}")


class Desk:
    """An engine and its clock."""

    def __init__(self, config: Any, now: datetime, tokens: bool = True) -> None:
        self.now = now
        counter = iter(range(1, 10**9))
        self.engine = Engine(config, now, (lambda: f"tok{next(counter):08d}") if tokens else None)
        self.events: list[tuple[str, dict[str, Any]]] = []

    def advance(self, minutes: float = 0, seconds: float = 0) -> datetime:
        self.now += timedelta(minutes=minutes, seconds=seconds)
        return self.now

    def run(self, name: str, actor: Actor, **args: Any) -> Outcome:
        outcome = self.engine.handle(name, args, actor, self.now)
        self.events.extend(outcome.events)
        return outcome

    def ok(self, name: str, actor: Actor, **args: Any) -> Any:
        outcome = self.run(name, actor, **args)
        assert outcome.ok, (name, args, outcome.error_code, outcome.error_message)
        return outcome.data

    def err(self, name: str, actor: Actor, code: str, **args: Any) -> Outcome:
        outcome = self.run(name, actor, **args)
        assert not outcome.ok, (name, args, outcome.data)
        assert outcome.error_code == code, (outcome.error_code, outcome.error_message)
        assert outcome.error_message  # human text, never empty
        assert outcome.events == [] or all(n == "day_rolled_over" or n.startswith("counter_")
                                           or n.startswith("officer_")
                                           for n, _ in outcome.events)
        return outcome

    def issue(self, service: str = "paspor-baru", lane: str = "reguler", **extra: Any) -> dict:
        return self.ok("issue_ticket", KIOSK, service=service, lane=lane, **extra)

    def login(self, n: int, counter: str) -> dict:
        return self.ok("login", officer(n), officer=officer(n).officer, pin="x", counter=counter)

    def call(self, n: int, counter: str) -> dict:
        return self.ok("call_next", officer(n), counter=counter)

    def serve(self, n: int, counter: str) -> dict:
        """call_next, start, finish: one applicant through the counter."""
        called = self.call(n, counter)
        self.ok("start_service", officer(n), counter=counter)
        self.ok("finish", officer(n), counter=counter)
        return called

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def last(self, name: str) -> dict[str, Any]:
        return next(data for n, data in reversed(self.events) if n == name)

    def status(self, number: str) -> str:
        return next(tk.status for tk in self.engine.tickets.values() if tk.number == number)

    def waiting_numbers(self) -> list[str]:
        return [tk.number for tk in self.engine.waiting_order(self.now)]
