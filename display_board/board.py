"""What the hall board shows and which calls it announces — plain Python, no Qt, no I/O.

Owns the board's view logic on top of the shared `OfficeModel`:
- the zone / counter filter (`BoardFilter`): a board sees only its counters' calls and the
  waiting counts of the services those counters serve;
- the latest call, the last calls (without the calls flashing now), the counter grid,
  waiting per service, the running text, the Indonesian date and clock, the offline mark
  (`Board.view()` → `BoardView`);
- the announce decision (`Board.on_event`, `Board.on_welcome`): every call or recall the
  board learns of is announced exactly once, keyed by (ticket id, called_at, recalls).
  After a reconnect the server replays missed events (or sends a fresh snapshot); a call
  made while the board was offline is still announced if it is recent (< `recent_s`,
  measured on the server's clock), never twice, and stale ones are shown but not spoken;
- the flash of a fresh call (`Flash`): ticked by the screen's QTimer, pure here; calls
  made together (officers at several counters within the flash) flash side by side, up
  to `MAX_FRESH`, so one call never hides another (`Board.fresh_calls`);
- per service: its letter, name and count, or "TUTUP" when it is closed; where the QR
  code on the board leads (`follow_url`, the server's /ikuti page).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from i18n import t
from i18n.formats import format_clock, format_date
from office_client.model import OfficeModel, parse_time

RECENT_S = 60.0  # a call older than this (e.g. missed while offline) is shown, not spoken
FLASH_S = 6.0
FLASH_TICK_MS = 500
LAST_CALLS = 6
MAX_FRESH = 3  # calls flashing at once: three officers calling together
FOLLOW_PATH = "/ikuti"  # the server's page on following one's own ticket by phone
ANNOUNCED_MEMORY = 2000  # keys kept; a day of a busy office is a few hundred calls

CallKey = tuple[str, str, int]


@dataclass(frozen=True)
class BoardFilter:
    """Which counters a board shows: all, one zone, and/or an explicit list."""

    zone: str | None = None
    counters: frozenset[str] | None = None

    @classmethod
    def parse(cls, zone: str | None = None, counters: str | Iterable[str] | None = None
              ) -> BoardFilter:
        if isinstance(counters, str):
            counters = [c.strip() for c in counters.split(",")]
        ids = frozenset(c for c in (counters or []) if c)
        return cls(zone=(zone or "").strip() or None, counters=ids or None)

    def includes(self, counter_id: str, counter: dict[str, Any] | None) -> bool:
        if self.counters is not None and counter_id not in self.counters:
            return False
        if self.zone is not None:
            return counter is not None and counter.get("zone") == self.zone
        return True


@dataclass(frozen=True)
class Call:
    """One call (or recall) of a ticket to a counter, as the board shows and speaks it."""

    ticket_id: str
    number: str
    counter: str
    counter_name: str
    called_at: str
    recalls: int = 0
    at: datetime | None = None  # when the server emitted it

    @property
    def key(self) -> CallKey:
        return (self.ticket_id, self.called_at, self.recalls)

    @property
    def recall(self) -> bool:
        return self.recalls > 0


class Flash:
    """The fresh-call highlight: on/off every tick for `duration_s`, then steady."""

    def __init__(self, duration_s: float = FLASH_S, tick_ms: int = FLASH_TICK_MS) -> None:
        self.total_ticks = max(1, int(duration_s * 1000 / tick_ms))
        self.tick_ms = tick_ms
        self.ticks_left = 0
        self.on = False

    @property
    def active(self) -> bool:
        return self.ticks_left > 0

    def start(self) -> None:
        self.ticks_left = self.total_ticks
        self.on = True

    def tick(self) -> bool:
        """Advance one step; returns whether the flash is still running."""
        if self.ticks_left <= 0:
            self.on = False
            return False
        self.ticks_left -= 1
        self.on = not self.on if self.ticks_left > 0 else False
        return self.ticks_left > 0

    def stop(self) -> None:
        self.ticks_left, self.on = 0, False


@dataclass(frozen=True)
class CounterTile:
    id: str
    name: str
    number: str | None
    status: str  # open | paused | closed
    latest: bool = False  # the counter of the latest call


@dataclass(frozen=True)
class WaitingRow:
    service: str
    prefix: str
    name: str
    name_en: str
    waiting: int
    open: bool

    def display_name(self, lang: str = "id") -> str:
        """The service's name as a board in `lang` shows it (English when the office gave
        one)."""
        return self.name_en if lang == "en" and self.name_en else self.name

    def count_text(self, lang: str = "id") -> str:
        """"12 orang", or "TUTUP" for a closed service (not "0 orang", which reads as
        "no wait, come in")."""
        if not self.open:
            return t("board.service_closed", lang)
        return t("board.waiting_people", lang, n=self.waiting)


@dataclass(frozen=True)
class BoardView:
    office_name: str
    date_text: str
    time_text: str
    latest: Call | None
    last_calls: list[Call]
    counters: list[CounterTile]
    waiting: list[WaitingRow]
    running_text: str
    online: bool
    flashing: bool = False
    flash_on: bool = False
    certificate_rejected: bool = False  # the server's certificate is not the pinned one
    fresh: list[Call] = field(default_factory=list)  # flashing now, newest first
    running_alert: bool = False  # the running text is an announcement (red), not the welcome
    follow_url: str = ""  # where the board's QR code leads ("" when the office has none)


@dataclass
class Board:
    """The board's state beyond the office model: filter, latest call, announced keys."""

    model: OfficeModel
    filter: BoardFilter = field(default_factory=BoardFilter)
    recent_s: float = RECENT_S
    last_calls_n: int = LAST_CALLS
    online: bool = False
    certificate_rejected: bool = False
    latest: Call | None = None
    flash: Flash = field(default_factory=Flash)
    # fresh calls (newest first) and the flash ticks each has left
    _fresh: list[tuple[Call, int]] = field(default_factory=list)
    clock_offset: timedelta = timedelta(0)  # server clock minus ours, from each welcome
    _announced: set[CallKey] = field(default_factory=set)
    _announced_order: deque[CallKey] = field(default_factory=deque)
    _started: bool = False

    # ------------------------------------------------------------------ clock
    def server_now(self, now: datetime | None = None) -> datetime:
        return (now or datetime.now(UTC)) + self.clock_offset

    def _is_recent(self, call: Call, now: datetime | None) -> bool:
        when = call.at or parse_time(call.called_at)
        if when is None:
            return False
        return (self.server_now(now) - when).total_seconds() <= self.recent_s

    # ------------------------------------------------------------------ filter
    def shows(self, counter_id: str) -> bool:
        return self.filter.includes(counter_id, self.model.counters.get(counter_id))

    def counter_name(self, counter_id: str, fallback: str | None = None) -> str:
        counter = self.model.counters.get(counter_id) or {}
        return str(counter.get("name") or fallback or counter_id)

    # ------------------------------------------------------------------ announced keys
    def announced(self, key: CallKey) -> bool:
        return key in self._announced

    def _remember(self, key: CallKey) -> None:
        if key in self._announced:
            return
        self._announced.add(key)
        self._announced_order.append(key)
        while len(self._announced_order) > ANNOUNCED_MEMORY:
            self._announced.discard(self._announced_order.popleft())

    # ------------------------------------------------------------------ inputs
    def set_online(self, online: bool) -> None:
        self.online = online

    def _call_from_recent(self, entry: dict[str, Any]) -> Call | None:
        ticket = entry.get("ticket") or {}
        if not ticket.get("id") or not entry.get("counter"):
            return None
        counter = str(entry["counter"])
        return Call(str(ticket["id"]), str(ticket.get("number", "?")), counter,
                    self.counter_name(counter), str(ticket.get("called_at") or entry.get("at")),
                    0, parse_time(entry.get("at")))

    def on_welcome(self, welcome: dict[str, Any], now: datetime | None = None) -> list[Call]:
        """After `model.load_welcome`: returns calls to announce (from a fresh snapshot).

        First start: the snapshot's calls are history — shown, never spoken. A later
        snapshot (a resync too far behind for a replay) may hold calls made while offline:
        the recent ones not yet announced are spoken, oldest first.
        """
        server_time = parse_time(welcome.get("server_time"))
        if server_time is not None:
            self.clock_offset = server_time - (now or datetime.now(UTC))
        self.online = True
        if welcome.get("snapshot") is None:
            return []  # replayed events follow and go through on_event
        calls = [c for c in (self._call_from_recent(e) for e in self.model.recent_calls)
                 if c is not None and self.shows(c.counter)]
        out: list[Call] = []
        if not self._started:
            for call in calls:
                self._remember(call.key)
        else:
            for call in reversed(calls):
                if not self.announced(call.key) and self._is_recent(call, now):
                    self._remember(call.key)
                    out.append(call)
        self._started = True
        newest = calls[0] if calls else None
        if newest is None:
            self.latest = None  # a new day (or nothing called yet): nothing to headline
        elif self.latest is None or (self.latest.ticket_id, self.latest.called_at) != (
                newest.ticket_id, newest.called_at):
            self.latest = newest  # keep our own copy when it is a recall of that call
        for call in out:
            self._add_fresh(call)
        return out

    def on_event(self, message: dict[str, Any], now: datetime | None = None) -> list[Call]:
        """After the event was applied to the model: returns calls to announce (0 or 1)."""
        name = message.get("name")
        data = message.get("data") or {}
        if name == "day_rolled_over":
            self.latest = None
            self.flash.stop()
            self._fresh.clear()
            return []
        if name not in ("ticket_called", "ticket_recalled"):
            return []
        ticket = data.get("ticket") or {}
        counter = data.get("counter")
        if not ticket.get("id") or not counter or not self.shows(str(counter)):
            return []
        recalls = int(data.get("recalls") or 0) if name == "ticket_recalled" else 0
        at = parse_time(message.get("at"))
        call = Call(str(ticket["id"]), str(ticket.get("number", "?")), str(counter),
                    self.counter_name(str(counter), data.get("counter_name")),
                    str(ticket.get("called_at") or message.get("at")), recalls, at)
        self._started = True
        self.latest = call
        if self.announced(call.key):
            return []
        self._remember(call.key)
        if not self._is_recent(call, now):
            return []  # replayed from long ago: shown in the lists, not spoken
        self._add_fresh(call)
        return [call]

    # ------------------------------------------------------------------ fresh calls
    def _add_fresh(self, call: Call) -> None:
        """A call to flash: beside the ones still flashing (a recall replaces its own
        ticket's entry), at most MAX_FRESH, newest first."""
        self.flash.start()
        kept = [(c, ticks) for c, ticks in self._fresh if c.ticket_id != call.ticket_id]
        self._fresh = [(call, self.flash.total_ticks), *kept][:MAX_FRESH]

    def tick(self) -> bool:
        """One flash step (the screen's timer): each fresh call flashes its own
        `FLASH_S`; returns whether anything still flashes."""
        running = self.flash.tick()
        self._fresh = [(c, ticks - 1) for c, ticks in self._fresh if ticks > 1]
        if not self._fresh:
            self.flash.stop()
            return False
        return running or bool(self._fresh)

    def fresh_calls(self) -> list[Call]:
        """The calls flashing now, newest first (empty once the flash is over)."""
        return [c for c, _ in self._fresh] if self.flash.active else []

    # ------------------------------------------------------------------ output
    def last_calls(self) -> list[Call]:
        """Calls before the latest one, newest first (one line per ticket). A call is
        shown once: while it flashes (`fresh_calls`) it is in the flashing block, not
        here; once its flash is over it joins this list (the latest one stays large)."""
        out: list[Call] = []
        seen = {self.latest.ticket_id} if self.latest else set()
        seen.update(c.ticket_id for c in self.fresh_calls())
        for entry in self.model.recent_calls:
            call = self._call_from_recent(entry)
            if call is None or not self.shows(call.counter) or call.ticket_id in seen:
                continue
            seen.add(call.ticket_id)
            out.append(call)
            if len(out) >= self.last_calls_n:
                break
        return out

    def counter_tiles(self) -> list[CounterTile]:
        tiles = []
        for cid, counter in self.model.counters.items():
            if not self.shows(cid):
                continue
            ticket = counter.get("ticket") or None
            tiles.append(CounterTile(
                cid, str(counter.get("name") or cid),
                str(ticket["number"]) if ticket and ticket.get("number") else None,
                str(counter.get("status") or "closed"),
                bool(self.latest and self.latest.counter == cid)))
        return tiles

    def waiting_rows(self, lang: str = "id") -> list[WaitingRow]:
        served: set[str] | None = None
        if self.filter.zone or self.filter.counters:
            served = set()
            for cid, counter in self.model.counters.items():
                if self.shows(cid):
                    served.update(counter.get("services") or [])
        rows = []
        for sid, svc in self.model.services.items():
            if served is not None and sid not in served:
                continue
            name = svc.get("name") or {}
            waiting = svc.get("waiting")
            if not isinstance(waiting, int):
                waiting = self.model.waiting_count(sid)
            rows.append(WaitingRow(sid, str(svc.get("prefix", "")),
                                   str(name.get("id") or sid), str(name.get("en") or ""),
                                   waiting, bool(svc.get("open", True))))
        return rows

    def announcement_active(self, now: datetime | None = None) -> bool:
        """An announcement of the office (e.g. "Waspada calo!") is running: the running
        text turns red; otherwise it is the welcome, in the office's colours."""
        ann = self.model.announcement
        if not ann or not ann.get("text"):
            return False
        until = parse_time(ann.get("until"))
        return until is None or until > self.server_now(now)

    def follow_url(self) -> str:
        """Where the board's QR code leads: the server's page on following one's own
        ticket by phone (from the office's public address, printed on every ticket)."""
        base = str(self.model.office.get("public_url") or "").rstrip("/")
        return base + FOLLOW_PATH if base else ""

    def running_text(self, now: datetime | None = None, lang: str = "id") -> str:
        """The announcement (or the welcome) in both languages, the board's own first."""
        first, second = (lang, "id" if lang == "en" else "en")
        ann = self.model.announcement
        if ann and ann.get("text"):
            if self.announcement_active(now):
                text = ann["text"]
                parts = [str(text.get(first) or "").strip(), str(text.get(second) or "").strip()]
                return "   •   ".join(p for p in parts if p)
        office = self.model.office.get("name") or ""
        lines = [t("board.welcome", first, office=office),
                 t("board.welcome", second, office=office)]
        for footer in self.model.office.get("ticket_footer") or []:
            lines.append(str(footer.get("id") or ""))
        return "   •   ".join(x for x in lines if x)

    def view(self, now: datetime | None = None, lang: str = "id") -> BoardView:
        server_now, zone = self.server_now(now), self.model.office.get("timezone")
        date_text, time_text = format_date(server_now, zone, lang), format_clock(server_now, zone)
        return BoardView(
            office_name=str(self.model.office.get("name") or ""),
            date_text=date_text, time_text=time_text,
            latest=self.latest, last_calls=self.last_calls(),
            counters=self.counter_tiles(), waiting=self.waiting_rows(lang),
            running_text=self.running_text(now, lang), online=self.online,
            flashing=self.flash.active, flash_on=self.flash.on,
            certificate_rejected=self.certificate_rejected, fresh=self.fresh_calls(),
            running_alert=self.announcement_active(now), follow_url=self.follow_url())
