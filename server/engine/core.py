"""The queue engine: commands in, events out. No I/O, no asyncio, no clock of its own.

`Engine.handle(name, args, actor, now)` validates a command against the current state,
applies it, and returns an `Outcome` (result data or an error, plus the events it
caused). A refused command changes nothing. `Engine.tick(now)` does what time alone
causes: day rollover, service opening/closing, service-level alerts, announcement
expiry. The store persists `drain_changes()` after each batch; `Engine.restore`
rebuilds today's state from those records without replaying history.
"""

from __future__ import annotations

import base64
import bisect
import math
import re
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from config.office import OfficeConfig
from i18n import t
from protocol import PUBLIC_ROLES, ErrorCode, Event
from protocol.messages import DEVICE_STATUSES, public_snapshot
from server.engine import lifecycle as lc
from server.engine.model import (
    Booking,
    Changes,
    CounterState,
    LastOf,
    Ticket,
    iso,
    number_parts,
    ticket_id,
    ticket_number,
)
from server.engine.policy import BOOKING_LINE, Eligibility, LineKey, Reason, manual_reason, pick

RECENT_CALLS = 20
OBSERVED_SAMPLES = 30  # service times kept per service for wait estimates
SKM_ELEMENTS = 9
# Roles that may act on any ticket of the office; a counter acts only on the tickets of
# the counter it is logged in at (its services, lanes and stages).
OFFICE_WIDE_ROLES = frozenset({"admin"})
# Roles that find a ticket by its secret token only, never by its (guessable) id or
# number: the phone page acts for whoever holds the ticket's link.
TOKEN_ONLY_ROLES = frozenset({"applicant"})
# Booking imports: a slot is today's, a past week's (a late import) or within a year;
# without an end it lasts an hour, and none lasts longer than a day.
BOOKING_CODE_CHARS = 64
BOOKING_DAYS_BACK = 7
BOOKING_DAYS_AHEAD = 366
BOOKING_DEFAULT_SLOT = timedelta(hours=1)
BOOKING_LONGEST_SLOT = timedelta(hours=24)
# Longest free text each argument takes (characters). Reasons are a line on a console;
# the console's transfer note and announcement fields allow 500.
REASON_CHARS = 200
NOTE_CHARS = 500
DETAIL_CHARS = 500
ANNOUNCEMENT_CHARS = 500
COMMENT_CHARS = 2000
# Free text is one plain line: no control characters (C0, DEL, C1), no line or paragraph
# separators, no bidirectional overrides (they make a log line or a screen read other than
# it is stored), no lone surrogates. A survey comment is typed in a text area: it may
# have line breaks (CR, LF) and tabs.
_NOT_PLAIN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                        "\ud800-\udfff]")
_NOT_PLAIN_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
                                  "\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Actor:
    role: str
    device: str | None = None
    officer: str | None = None  # for counter role: verified by the shell at login
    officer_name: str | None = None
    counter: str | None = None  # the counter a paired device is bound to
    session: str | None = None  # a logged-in officer's session (hash of its secret)


class TokenSource:
    """Ticket tokens, as `secrets.token_urlsafe(16)` makes them, from the OS's CSPRNG read
    4 KiB at a time: one getrandom call per 256 tickets instead of one per ticket (on a
    virtual machine each call costs as much as the rest of issuing a ticket's number)."""

    SIZE = 16

    def __init__(self) -> None:
        self._pool = b""
        self._at = 0

    def __call__(self) -> str:
        if self._at + self.SIZE > len(self._pool):
            self._pool, self._at = secrets.token_bytes(4096), 0
        raw = self._pool[self._at:self._at + self.SIZE]
        self._at += self.SIZE
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(slots=True)
class Outcome:
    ok: bool
    data: Any = None
    error_code: str | None = None
    error_message: str | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class EngineError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Engine:
    def __init__(self, config: OfficeConfig, now: datetime,
                 token_factory: Callable[[], str] | None = None) -> None:
        self.config = config
        self.tz = config.tz
        self.lang = config.default_language
        self.public_url = config.office.public_url
        self._token = token_factory or TokenSource()
        self._iso_of = LastOf(lambda dt: iso(dt, self.tz))
        self._local = LastOf(lambda now: now.astimezone(self.tz))  # office time
        self._rolled_over_at: datetime | None = None  # the last `now` rollover saw
        self._day_texts = LastOf(lambda day: (day.isoformat(), f"{day:%Y%m%d}"))
        self._lanes = {lane.id: lane for lane in config.lanes}
        self._services = {s.id: s for s in config.services}
        self._counters_cfg = {c.id: c for c in config.counters}
        self._elig = {c.id: self._eligibility(c.id) for c in config.counters}
        self.day: date = self._local_date(now)
        self.tickets: dict[str, Ticket] = {}
        # Every line exists from the start and its dict is never replaced, so each
        # service keeps a direct list of its lines (counting waiting people is cheap).
        self.lines: dict[LineKey, dict[str, Ticket]] = {}
        self._lines_of: dict[str, list[dict[str, Ticket]]] = {}
        self._stage_lines: dict[tuple[str, str], list[tuple[str, dict[str, Ticket]]]] = {}
        self._stage_line_dicts: dict[tuple[str, str], list[dict[str, Ticket]]] = {}
        for svc in config.services:
            for stage in svc.stages:
                for kind in (*svc.lanes, BOOKING_LINE):
                    self._line((svc.id, stage, kind))
        self.reserved: dict[str, dict[str, Ticket]] = {c.id: {} for c in config.counters}
        self.counters: dict[str, CounterState] = {c.id: CounterState(c.id)
                                                   for c in config.counters}
        self.numbers: dict[str, int] = {}
        self.issued: dict[str, int] = {}  # "service/lane" -> walk-ins issued today
        self.bookings: dict[str, Booking] = {}
        self.recent_calls: deque[dict[str, Any]] = deque(maxlen=RECENT_CALLS)
        self.observed: dict[str, deque[float]] = {s: deque(maxlen=OBSERVED_SAMPLES)
                                                   for s in self._services}
        self.officer_stats: dict[str, dict[str, float]] = {}
        self.announcement: dict[str, Any] | None = None
        self.device_status: dict[str, dict[str, Any]] = {}
        self.alerts: dict[str, dict[str, Any]] = {}  # "service/kind" -> alert
        self.service_open: dict[str, bool] = {}
        self._dirty_tickets: set[str] = set()
        self._open_count: dict[str, int] | None = None
        self._open_ids: set[str] = set()
        self._wire_cache: dict[str, tuple[tuple, dict[str, Any]]] = {}
        self._pending_tickets: list[dict[str, Any]] = []
        self._dirty_counters: set[str] = set()
        self._dirty_bookings: set[str] = set()
        self._removed_bookings: set[str] = set()
        self._dirty_meta = True
        self.service_open = {s: self._service_state(s, now)[0] for s in self._services}

    # ------------------------------------------------------------------ time helpers
    def _local_date(self, now: datetime) -> date:
        return self._local(now).date()

    def day_iso(self) -> str:
        """Today's office-local date, ISO (asked for every command and ticket)."""
        return self._day_texts(self.day)[0]

    def iso(self, dt: datetime | None) -> str | None:
        """A time for the wire: office offset, milliseconds."""
        return None if dt is None else self._iso_of(dt)

    # ------------------------------------------------------------------ public API
    def handle(self, name: str, args: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
        """Apply one command. Rollover first, so a command never lands on a stale day."""
        events: list[tuple[str, dict[str, Any]]] = (
            [] if now is self._rolled_over_at else self._rollover_if_needed(now))
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            return Outcome(False, None, ErrorCode.UNKNOWN_COMMAND, f"unknown command {name!r}",
                           events)
        try:
            data = handler(args, actor, now, events)
        except EngineError as exc:
            return Outcome(False, None, exc.code, exc.message, events)
        return Outcome(True, data, events=events)

    def tick(self, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """Everything that happens because time passes. Cheap: called every few seconds."""
        events = self._rollover_if_needed(now)
        for sid in self._services:
            is_open = self._service_state(sid, now)[0]
            if is_open != self.service_open.get(sid):
                self.service_open[sid] = is_open
                self._dirty_meta = True
                events.append((Event.SERVICE_CHANGED, {"service": self._service_wire(sid, now)}))
        events.extend(self._check_alerts(now))
        if self.announcement and self.announcement.get("until"):
            if datetime.fromisoformat(self.announcement["until"]) <= now:
                self.announcement = None
                self._dirty_meta = True
                events.append((Event.ANNOUNCEMENT, {"text": None, "until": None}))
        return events

    def drain_changes(self, with_meta: bool = True) -> Changes:
        """Everything changed since the last drain, for the store. `with_meta=False`
        leaves the meta record to `take_meta`: it is the whole engine meta, so a writer
        that commits several drains at once needs only the newest, exported once."""
        changes = Changes(
            tickets=self._pending_tickets + [self.tickets[t].to_record()
                                             for t in self._dirty_tickets if t in self.tickets],
            counters=[self.counters[c].to_record() for c in self._dirty_counters],
            bookings=[self.bookings[b].to_record() for b in self._dirty_bookings
                      if b in self.bookings],
            removed_bookings=sorted(self._removed_bookings),
            meta=self.export_meta() if with_meta and self._dirty_meta else None,
        )
        self._pending_tickets = []
        self._dirty_tickets.clear()
        self._dirty_counters.clear()
        self._dirty_bookings.clear()
        self._removed_bookings.clear()
        if with_meta:
            self._dirty_meta = False
        return changes

    def take_meta(self) -> dict[str, Any] | None:
        """The meta record if it changed since it was last taken (or drained), else None."""
        if not self._dirty_meta:
            return None
        self._dirty_meta = False
        return self.export_meta()

    # ------------------------------------------------------------------ persistence
    def export_meta(self) -> dict[str, Any]:
        return {
            "day": self.day_iso(),
            "numbers": dict(self.numbers),
            "issued": dict(self.issued),
            "recent_calls": list(self.recent_calls),
            "officer_stats": self.officer_stats,
            "announcement": self.announcement,
            "device_status": self.device_status,
            "alerts": self.alerts,
            "service_open": self.service_open,
        }

    @classmethod
    def restore(cls, config: OfficeConfig, now: datetime, meta: dict[str, Any] | None,
                tickets: list[dict[str, Any]], counters: list[dict[str, Any]],
                bookings: list[dict[str, Any]],
                token_factory: Callable[[], str] | None = None) -> Engine:
        """Rebuild the state the store saved (today's tickets, counters, meta)."""
        eng = cls(config, now, token_factory)
        surveyed: set[str] = set()
        if meta:
            eng.day = date.fromisoformat(meta["day"])
            eng.numbers = dict(meta.get("numbers", {}))
            eng.issued = dict(meta.get("issued", {}))
            eng.recent_calls.extend(r for r in meta.get("recent_calls", [])
                                    if isinstance(r.get("ticket"), str))
            eng.officer_stats = dict(meta.get("officer_stats", {}))
            eng.announcement = meta.get("announcement")
            eng.device_status = dict(meta.get("device_status", {}))
            alerts = meta.get("alerts") or {}
            eng.alerts = dict(alerts) if isinstance(alerts, dict) else {}
            eng.service_open.update(meta.get("service_open", {}))
            # before 0.4 the meta record listed who answered the survey (growing all day,
            # rewritten on every commit); now each ticket's row says so: moved below
            surveyed = set(meta.get("surveyed", []))
        for rec in counters:
            if rec["id"] in eng.counters:
                eng.counters[rec["id"]] = CounterState.from_record(rec)
        eng._open_count = None
        day = eng.day.isoformat()
        # Tickets of one batch share a timestamp and the store's row order is arbitrary:
        # break ties by issue time and number so FIFO order survives a restart.
        restored = sorted((Ticket.from_record(r) for r in tickets if r["day"] == day),
                          key=lambda tk: (tk.queued_at, tk.issued_at, tk.number))
        # Issuing a ticket does not rewrite the meta record, so the record may be older
        # than the newest tickets: those issued after it have a higher number than it
        # holds for their prefix. Its counts plus theirs are today's (exact, also for
        # tickets from before 0.5, which have no issued_as but never postdate the record).
        recorded = dict(eng.numbers)
        for ticket in restored:
            eng.tickets[ticket.id] = ticket
            parts = number_parts(ticket.number)
            if parts is not None and parts[1] > recorded.get(parts[0], 0):
                eng.numbers[parts[0]] = max(eng.numbers.get(parts[0], 0), parts[1])
                if ticket.issued_as:
                    eng.issued[ticket.issued_as] = eng.issued.get(ticket.issued_as, 0) + 1
            if ticket.id in surveyed and not ticket.surveyed:
                ticket.surveyed = True
                eng._touch(ticket)
            if ticket.status == lc.WAITING:
                eng._enqueue(ticket)
            if ticket.status == lc.DONE and ticket.started_at and ticket.finished_at:
                eng.observed[ticket.service].append(
                    (ticket.finished_at - ticket.started_at).total_seconds())
        for rec in bookings:
            booking = Booking.from_record(rec)
            if booking.ticket is None:
                eng.bookings[booking.code] = booking
        # nothing saved yet: the record must be written (it says which day the tickets
        # on disk belong to), though issuing alone does not mark it
        eng._dirty_meta = meta is None
        return eng

    # ------------------------------------------------------------------ lines
    def _line(self, key: LineKey) -> dict[str, Ticket]:
        line = self.lines.get(key)
        if line is None:
            line = self.lines[key] = {}
            self._lines_of.setdefault(key[0], []).append(line)
            self._stage_lines.setdefault((key[0], key[1]), []).append((key[2], line))
            self._stage_line_dicts.setdefault((key[0], key[1]), []).append(line)
        return line

    def _line_key(self, ticket: Ticket) -> LineKey:
        lane = self._lanes[ticket.lane]
        kind = BOOKING_LINE if (ticket.booking_slot is not None and not lane.priority) \
            else ticket.lane
        return (ticket.service, ticket.stage, kind)

    def _enqueue(self, ticket: Ticket) -> None:
        if ticket.reserved_counter and ticket.reserved_counter in self.reserved:
            self.reserved[ticket.reserved_counter][ticket.id] = ticket
            return
        key = self._line_key(ticket)
        line = self._line(key)
        if key[2] == BOOKING_LINE:
            # booking lines stay sorted by slot: rebuild in place (they are short)
            items = list(line.values())
            keys = [(x.booking_slot, x.queued_at) for x in items]
            pos = bisect.bisect_right(keys, (ticket.booking_slot, ticket.queued_at))
            items.insert(pos, ticket)
            line.clear()
            line.update((x.id, x) for x in items)
        else:
            line[ticket.id] = ticket

    def _dequeue(self, ticket: Ticket) -> None:
        if ticket.reserved_counter and ticket.id in self.reserved.get(ticket.reserved_counter,
                                                                        {}):
            del self.reserved[ticket.reserved_counter][ticket.id]
            return
        line = self.lines.get(self._line_key(ticket))
        if line is not None:
            line.pop(ticket.id, None)

    def _eligibility(self, counter_id: str) -> Eligibility:
        cfg = self._counters_cfg[counter_id]
        prio: list[LineKey] = []
        reg: list[LineKey] = []
        book: list[LineKey] = []
        for sid in cfg.services:
            svc = self._services[sid]
            stages = [s for s in svc.stages if cfg.stages is None or s in cfg.stages]
            lanes = [lane for lane in svc.lanes if cfg.lanes is None or lane in cfg.lanes]
            for stage in stages:
                for lane in lanes:
                    (prio if self._lanes[lane].priority else reg).append((sid, stage, lane))
                if any(not self._lanes[lane].priority for lane in lanes):
                    book.append((sid, stage, BOOKING_LINE))
        return Eligibility(tuple(prio), tuple(reg), tuple(book))

    def _service_lines(self, service: str) -> list[dict[str, Ticket]]:
        return self._lines_of[service]

    def waiting_in(self, service: str, stage: str | None = None) -> list[Ticket]:
        """Every waiting ticket of a service, incl. those transferred to one counter."""
        lined = [tk for (sid, st, _), line in self.lines.items()
                 if sid == service and (stage is None or st == stage) for tk in line.values()]
        reserved = [tk for r in self.reserved.values() for tk in r.values()
                    if tk.service == service and (stage is None or tk.stage == stage)]
        return lined + reserved

    def waiting_order(self, now: datetime) -> list[Ticket]:
        """All waiting tickets in the order they would be called by a counter serving all.

        Interleaving is per counter and is left out; everything else follows the policy.
        """
        cap = timedelta(minutes=self.config.policy.regular_wait_cap_minutes)
        early = timedelta(minutes=self.config.policy.booking_early_minutes)
        over, prio, slot, fifo, early_booked = [], [], [], [], []
        for (_, _, kind), line in self.lines.items():
            for tk in line.values():
                if kind == BOOKING_LINE:
                    opens = tk.booking_slot - early
                    if opens <= now:
                        since = max(tk.queued_at, opens)
                        (over if now - since > cap else slot).append((since, tk))
                    else:
                        early_booked.append((tk.booking_slot, tk))
                elif self._lanes[kind].priority:
                    prio.append((tk.queued_at, tk))
                else:
                    (over if now - tk.queued_at > cap else fifo).append((tk.queued_at, tk))
        reserved = [(tk.queued_at, tk) for r in self.reserved.values() for tk in r.values()]
        order: list[Ticket] = []
        # over-cap regulars and priority tickets interleave by how long they waited
        for group in (reserved, over + prio, slot, fifo, early_booked):
            order.extend(tk for _, tk in sorted(group, key=lambda p: (p[0], p[1].id)))
        return order

    # ------------------------------------------------------------------ estimates
    def avg_service_s(self, service: str) -> float:
        samples = self.observed[service]
        if samples:
            return sum(samples) / len(samples)
        return self._services[service].default_service_minutes * 60

    def open_counters_for(self, service: str) -> int:
        # cached: asked on every issue and call; counters change far less often
        if self._open_count is None:
            counts = dict.fromkeys(self._services, 0)
            self._open_ids = {cid for cid, c in self.counters.items()
                              if c.status == lc.COUNTER_OPEN}
            for cid in self._open_ids:
                for sid in self._counters_cfg[cid].services:
                    counts[sid] += 1
            self._open_count = counts
        return self._open_count[service]

    def estimate_wait_s(self, service: str, ahead: int) -> int:
        """People ahead times the observed mean service time, shared by the open counters."""
        return int(math.ceil(ahead * self.avg_service_s(service)
                             / max(1, self.open_counters_for(service))))

    def _ahead_of_new(self, service: str, stage: str, lane: str) -> int:
        if not self._lanes[lane].priority:
            return sum(map(len, self._stage_line_dicts.get((service, stage), ())))
        lines = self._stage_lines.get((service, stage), ())
        return sum(len(line) for kind, line in lines
                   if kind != BOOKING_LINE and self._lanes[kind].priority)

    def service_stats(self, service: str) -> dict[str, Any]:
        waiting = sum(map(len, self._service_lines(service)))
        if any(self.reserved.values()):  # tickets transferred to one counter: rare
            waiting += sum(tk.service == service for r in self.reserved.values() if r
                           for tk in r.values())
        return {"service": service, "waiting": waiting,
                "estimated_wait_s": self.estimate_wait_s(service, waiting)}

    # ------------------------------------------------------------------ service hours
    def _service_state(self, service: str, now: datetime) -> tuple[bool, str | None]:
        svc = self._services[service]
        office = self.config.office
        local = self._local(now)
        if local.isoweekday() not in office.working_days:
            return False, "not_working_day"
        opening = svc.opening_time or office.opening_time
        cutoff = svc.cutoff_time or office.closing_time
        if local.time() < opening:
            return False, "before_opening"
        if local.time() >= cutoff:
            return False, "after_cutoff"
        if svc.quota and all(self.issued.get(f"{service}/{lane}", 0) >= svc.quota[lane]
                             for lane in svc.lanes if lane in svc.quota) \
                and all(lane in svc.quota for lane in svc.lanes):
            return False, "quota_reached"
        return True, None

    # ------------------------------------------------------------------ wire views
    def ticket_wire(self, ticket: Ticket) -> dict[str, Any]:
        # Cached per ticket until something on it changes: a ticket goes out in several
        # events and results, and formatting six timestamps each time dominated profiles.
        key = (ticket.status, ticket.service, ticket.stage, ticket.lane, ticket.counter,
               ticket.recalls, ticket.queued_at, ticket.called_at, ticket.started_at,
               ticket.finished_at, ticket.reserved_counter, self.public_url)
        cached = self._wire_cache.get(ticket.id)
        if cached is None or cached[0] != key:
            cached = (key, ticket.to_wire(self.iso, self.public_url))
            self._wire_cache[ticket.id] = cached
        return dict(cached[1])

    def _service_wire(self, sid: str, now: datetime) -> dict[str, Any]:
        svc = self._services[sid]
        is_open, why = self._service_state(sid, now)
        stats = self.service_stats(sid)
        return {"id": svc.id, "prefix": svc.prefix, "name": svc.name.model_dump(),
                "lanes": list(svc.lanes), "stages": list(svc.stages), "open": is_open,
                "closed_reason": why, "waiting": stats["waiting"],
                "estimated_wait_s": stats["estimated_wait_s"],
                "target_wait_minutes": svc.target_wait_minutes,
                "quota": dict(svc.quota),
                "issued": {lane: self.issued.get(f"{sid}/{lane}", 0) for lane in svc.lanes},
                "info": svc.info.model_dump() if svc.info else None}

    def counter_wire(self, cid: str) -> dict[str, Any]:
        cfg = self._counters_cfg[cid]
        state = self.counters[cid]
        ticket = self.tickets.get(state.ticket) if state.ticket else None
        stats = self.officer_stats.get(state.officer or "", {})
        served = int(stats.get("served", 0))
        return {"id": cid, "name": cfg.name, "services": list(cfg.services),
                "lanes": list(cfg.lanes or [lane.id for lane in self.config.lanes]),
                "stages": list(cfg.stages) if cfg.stages else None, "zone": cfg.zone,
                "status": state.status, "officer": state.officer,
                "officer_name": state.officer_name,
                "pause_reason": state.pause_reason,
                "ticket": self.ticket_wire(ticket) if ticket else None,
                "call_reason": state.call_reason if ticket else None,
                "stats": {"served": served, "no_show": int(stats.get("no_show", 0)),
                          "avg_service_s": (stats.get("service_s", 0) / served) if served
                          else None}}

    def office_wire(self) -> dict[str, Any]:
        o = self.config.office
        return {"id": o.id, "name": o.name, "timezone": o.timezone, "languages": o.languages,
                "day": self.day_iso(),
                "ticket_footer": [f.model_dump() for f in o.ticket_footer]}

    def snapshot(self, now: datetime, role: str) -> dict[str, Any]:
        snap = {
            "office": self.office_wire(),
            "lanes": [{"id": lane.id, "name": lane.name.model_dump(), "priority": lane.priority}
                      for lane in self.config.lanes],
            "services": [self._service_wire(sid, now) for sid in self._services],
            "counters": [self.counter_wire(cid) for cid in self._counters_cfg],
            "waiting": [self.ticket_wire(tk) for tk in self.waiting_order(now)],
            "recent_calls": [{"ticket": self.ticket_wire(self.tickets[c["ticket"]]),
                              "counter": c["counter"], "at": c["at"]}
                             for c in reversed(self.recent_calls) if c["ticket"] in self.tickets],
            "announcement": self.announcement,
            "alerts": list(self.alerts.values()),
            "device_status": list(self.device_status.values()),
        }
        if role in PUBLIC_ROLES:
            return public_snapshot(snap)
        return snap

    # ------------------------------------------------------------------ helpers
    def _err(self, code: str, key: str, **params: Any) -> EngineError:
        return EngineError(code, t(f"server.{key}", self.lang, **params))

    def _touch(self, ticket: Ticket) -> None:
        self._dirty_tickets.add(ticket.id)

    def _touch_counter(self, cid: str) -> None:
        self._dirty_counters.add(cid)
        if (self.counters[cid].status == lc.COUNTER_OPEN) != (cid in self._open_ids):
            self._open_count = None  # only a change of open/not-open moves the estimates

    def _counter_for(self, args: dict[str, Any], actor: Actor) -> CounterState:
        cid = args.get("counter")
        if not isinstance(cid, str) or cid not in self.counters:
            raise self._err(ErrorCode.NOT_FOUND, "err_unknown_counter", counter=cid)
        state = self.counters[cid]
        # A counter's commands come from the connection its officer logged in on (or
        # resumed with the session secret): the device token alone is not enough.
        if actor.role == "counter" and (state.device != actor.device or state.session is None
                                        or state.session != actor.session):
            raise self._err(ErrorCode.FORBIDDEN, "err_not_logged_in", counter=cid)
        return state

    def _acting_counter(self, actor: Actor) -> CounterState:
        """The counter a counter device's officer is logged in at: all it may act for."""
        state = self._logged_in_counter(actor)
        if state is None:
            raise self._err(ErrorCode.FORBIDDEN, "err_not_logged_in_any")
        return state

    def _scope_problem(self, counter_id: str, number: str, service: str, lane: str,
                       stage: str, code: str = ErrorCode.FORBIDDEN) -> EngineError | None:
        """Why a ticket of this service, lane and stage is not one for this counter (its
        configured `services`, `lanes`, `stages`), or None when it is."""
        cfg = self._counters_cfg[counter_id]
        if service not in cfg.services:
            return self._err(code, "err_scope_service", number=number, counter=cfg.name,
                             service=service)
        if cfg.lanes is not None and lane not in cfg.lanes:
            return self._err(code, "err_scope_lane", number=number, counter=cfg.name,
                             lane=lane)
        if cfg.stages is not None and stage not in cfg.stages:
            return self._err(code, "err_scope_stage", number=number, counter=cfg.name,
                             stage=stage)
        return None

    def _require_scope(self, state: CounterState, ticket: Ticket) -> None:
        """A counter acts only on tickets of its own services, lanes and stages."""
        problem = self._scope_problem(state.id, ticket.number, ticket.service, ticket.lane,
                                      ticket.stage)
        if problem is not None:
            raise problem

    def _text_arg(self, args: dict[str, Any], name: str, limit: int,
                  default: str | None = "", multiline: bool = False) -> str | None:
        """A free-text argument: absent, or a plain string of at most `limit` characters."""
        value = args.get(name)
        if value is None or value == "":
            return default
        if (not isinstance(value, str) or len(value) > limit
                or (_NOT_PLAIN_MULTILINE if multiline else _NOT_PLAIN).search(value)):
            raise self._err(ErrorCode.BAD_REQUEST, "err_bad_text", arg=name, limit=limit)
        return value

    def _current(self, state: CounterState) -> Ticket:
        if state.ticket is None or state.ticket not in self.tickets:
            raise self._err(ErrorCode.INVALID_STATE, "err_no_current_ticket", counter=state.id)
        return self.tickets[state.ticket]

    def _move(self, ticket: Ticket, action: str) -> None:
        new = lc.next_status(action, ticket.status)
        if new is None:
            raise self._err(ErrorCode.INVALID_STATE, "err_ticket_state", number=ticket.number,
                            status=ticket.status, action=action)
        ticket.status = new
        self._touch(ticket)

    def _find_ticket(self, ref: Any) -> Ticket:
        if not isinstance(ref, str):
            raise self._err(ErrorCode.BAD_REQUEST, "err_bad_arg", arg="ticket")
        ticket = self.tickets.get(ref)
        if ticket is None:
            ticket = next((tk for tk in self.tickets.values() if tk.number == ref.upper()), None)
        if ticket is None:
            raise self._err(ErrorCode.NOT_FOUND, "err_unknown_ticket", ticket=ref)
        return ticket

    def find_by_token(self, token: str) -> Ticket | None:
        return next((tk for tk in self.tickets.values() if tk.token == token), None)

    def _lang_arg(self, args: dict[str, Any]) -> str:
        lang = args.get("lang") or self.lang
        if lang not in ("id", "en"):
            raise self._err(ErrorCode.BAD_REQUEST, "err_bad_arg", arg="lang")
        return lang

    def _new_ticket(self, service: str, lane: str, lang: str, now: datetime,
                    booking_slot: datetime | None = None,
                    issued_as: str | None = None) -> Ticket:
        svc = self._services[service]
        n = self.numbers.get(svc.prefix, 0) + 1
        self.numbers[svc.prefix] = n  # not in the meta record: see restore
        number = ticket_number(svc.prefix, n)
        day_iso, day_compact = self._day_texts(self.day)
        ticket = Ticket(id=ticket_id(day_compact, number), day=day_iso,
                        number=number, service=service, stage=svc.stages[0], lane=lane,
                        status=lc.WAITING, token=self._token(), lang=lang, issued_at=now,
                        queued_at=now, booking_slot=booking_slot, issued_as=issued_as)
        self.tickets[ticket.id] = ticket
        self._enqueue(ticket)
        self._touch(ticket)
        return ticket

    def _issued_payload(self, ticket: Ticket, ahead: int) -> dict[str, Any]:
        wire = self.ticket_wire(ticket)
        wire["ahead"] = ahead
        wire["estimated_wait_s"] = self.estimate_wait_s(ticket.service, ahead)
        return wire

    # ------------------------------------------------------------------ kiosk commands
    def _cmd_issue_ticket(self, args, actor, now, events):
        service, lane = args.get("service"), args.get("lane")
        svc = self._services.get(service) if isinstance(service, str) else None
        if svc is None:
            raise self._err(ErrorCode.NOT_FOUND, "err_unknown_service", service=service)
        if not isinstance(lane, str) or lane not in svc.lanes:
            raise self._err(ErrorCode.BAD_REQUEST, "err_lane_not_offered", lane=lane,
                            service=service)
        lang = self._lang_arg(args)
        is_open, why = self._service_state(service, now)
        quota = svc.quota.get(lane)
        key = f"{service}/{lane}"
        if quota is not None and self.issued.get(key, 0) >= quota:
            raise self._err(ErrorCode.QUOTA_REACHED, "err_quota", service=svc.name.get(self.lang),
                            lane=self._lanes[lane].name.get(self.lang))
        if not is_open:
            raise self._err(ErrorCode.SERVICE_CLOSED, f"closed_{why}",
                            service=svc.name.get(self.lang))
        ahead = self._ahead_of_new(service, svc.stages[0], lane)
        self.issued[key] = self.issued.get(key, 0) + 1  # as numbers: see restore
        ticket = self._new_ticket(service, lane, lang, now, issued_as=key)
        payload = self._issued_payload(ticket, ahead)
        events.append((Event.TICKET_ISSUED, {"ticket": payload, "ahead": ahead,
                                             "estimated_wait_s": payload["estimated_wait_s"],
                                             "service_stats": self.service_stats(service)}))
        # open when issued; without a quota, issuing cannot close it
        self._after_quota_change(service, now, events, True if not svc.quota else None)
        return payload

    def _after_quota_change(self, service: str, now: datetime, events: list,
                            is_open: bool | None = None) -> None:
        if is_open is None:
            is_open = self._service_state(service, now)[0]
        if is_open != self.service_open.get(service):
            self.service_open[service] = is_open
            self._dirty_meta = True
            events.append((Event.SERVICE_CHANGED, {"service": self._service_wire(service, now)}))

    def _cmd_check_in(self, args, actor, now, events):
        code = args.get("booking_code")
        if not isinstance(code, str):
            raise self._err(ErrorCode.BAD_REQUEST, "err_bad_arg", arg="booking_code")
        code = code.strip().upper()
        booking = self.bookings.get(code)
        if booking is None:
            raise self._err(ErrorCode.NOT_FOUND, "err_unknown_booking")
        b = self.config.booking
        if now < booking.slot_start - timedelta(minutes=b.checkin_early_minutes):
            raise self._err(ErrorCode.INVALID_STATE, "err_booking_early",
                            slot=f"{self._local(booking.slot_start):%H:%M}")
        if now > booking.slot_end + timedelta(minutes=b.checkin_late_minutes):
            raise self._err(ErrorCode.INVALID_STATE, "err_booking_late",
                            slot=f"{self._local(booking.slot_start):%H:%M}")
        svc = self._services[booking.service]
        lane = booking.lane if booking.lane in svc.lanes else svc.lanes[0]
        lang = self._lang_arg(args)
        ahead = self._ahead_of_new(booking.service, svc.stages[0], lane)
        ticket = self._new_ticket(booking.service, lane, lang, now, booking.slot_start)
        # The code has done its job: forget it (UU 27/2022 — keep only what is needed).
        del self.bookings[code]
        self._removed_bookings.add(code)
        payload = self._issued_payload(ticket, ahead)
        events.append((Event.TICKET_ISSUED, {"ticket": payload, "ahead": ahead,
                                             "estimated_wait_s": payload["estimated_wait_s"],
                                             "checked_in": True,
                                             "service_stats": self.service_stats(svc.id)}))
        return payload

    # ------------------------------------------------------------------ counter commands
    def _cmd_login(self, args, actor, now, events):
        if actor.officer is None:  # the shell verifies the PIN and sets the officer
            raise self._err(ErrorCode.UNAUTHORIZED, "err_login")
        cid = args.get("counter")
        if not isinstance(cid, str) or cid not in self.counters:
            raise self._err(ErrorCode.NOT_FOUND, "err_unknown_counter", counter=cid)
        state = self.counters[cid]
        if state.device not in (None, actor.device) and state.officer != actor.officer:
            raise self._err(ErrorCode.INVALID_STATE, "err_counter_taken", counter=cid,
                            officer=state.officer_name or state.officer)
        # One officer, one counter; one device, one counter. Check every other counter
        # before closing any: a refused login must change nothing.
        others = [other for other in self.counters.values()
                  if other.id != cid and (other.officer == actor.officer
                                          or other.device == actor.device)]
        for other in others:
            if other.ticket:
                raise self._err(ErrorCode.INVALID_STATE, "err_busy_elsewhere",
                                counter=other.id)
        for other in others:
            self._close_counter(other, "moved", events)
        state.officer, state.officer_name, state.device = (actor.officer, actor.officer_name,
                                                           actor.device)
        state.session = actor.session
        state.status = lc.COUNTER_OPEN if state.status == lc.COUNTER_CLOSED else state.status
        self._touch_counter(cid)
        self.officer_stats.setdefault(actor.officer, {"served": 0, "no_show": 0,
                                                      "service_s": 0.0})
        self._dirty_meta = True
        events.append((Event.OFFICER_LOGGED_IN, {"counter": cid, "officer": actor.officer,
                                                 "officer_name": actor.officer_name}))
        events.append((Event.COUNTER_OPENED, {"counter": self.counter_wire(cid)}))
        return {"officer": {"id": actor.officer, "name": actor.officer_name},
                "counter": self.counter_wire(cid)}

    def _close_counter(self, state: CounterState, reason: str, events: list) -> None:
        officer = state.officer
        state.status, state.officer, state.officer_name, state.device = "closed", None, None, None
        state.session = None
        state.pause_reason = None
        state.consecutive_priority = 0
        self._touch_counter(state.id)
        if officer:
            events.append((Event.OFFICER_LOGGED_OUT, {"counter": state.id, "officer": officer}))
        events.append((Event.COUNTER_CLOSED, {"counter": self.counter_wire(state.id),
                                              "reason": reason}))

    def _logged_in_counter(self, actor: Actor) -> CounterState | None:
        """The counter this actor's officer is logged in at (its device and session)."""
        if actor.session is None:
            return None
        return next((c for c in self.counters.values()
                     if c.device == actor.device and c.session == actor.session), None)

    def _cmd_logout(self, args, actor, now, events):
        state = self._logged_in_counter(actor)
        if state is None:
            raise self._err(ErrorCode.INVALID_STATE, "err_not_logged_in_any")
        if state.ticket:
            raise self._err(ErrorCode.INVALID_STATE, "err_finish_first",
                            number=self.tickets[state.ticket].number)
        self._close_counter(state, "logout", events)
        return {}

    def _require_open(self, state: CounterState) -> None:
        if state.status != lc.COUNTER_OPEN:
            raise self._err(ErrorCode.INVALID_STATE, "err_counter_status", counter=state.id,
                            status=state.status)
        if state.ticket:
            raise self._err(ErrorCode.INVALID_STATE, "err_finish_first",
                            number=self.tickets[state.ticket].number)

    def _call(self, state: CounterState, ticket: Ticket, reason: Reason, actor: Actor,
              now: datetime, events: list) -> dict[str, Any]:
        self._move(ticket, "call")
        self._dequeue(ticket)
        ticket.reserved_counter = None
        ticket.called_at, ticket.counter, ticket.officer = now, state.id, state.officer
        ticket.recalls = 0
        state.ticket = ticket.id
        state.call_reason = reason.to_wire()
        if reason.code != "manual":
            state.consecutive_priority = (state.consecutive_priority + 1
                                          if self._lanes[ticket.lane].priority else 0)
        self._touch_counter(state.id)
        wire = self.ticket_wire(ticket)
        # a reference, not a copy: keeps the meta record small (it is written per commit)
        self.recent_calls.append({"ticket": ticket.id, "counter": state.id,
                                  "at": self.iso(now)})
        self._dirty_meta = True
        events.append((Event.TICKET_CALLED, {
            "ticket": wire, "counter": state.id,
            "counter_name": self._counters_cfg[state.id].name,
            "reason": reason.to_wire(), "officer": state.officer,
            "service_stats": self.service_stats(ticket.service)}))
        return {**wire, "reason": reason.to_wire()}

    def _cmd_call_next(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        self._require_open(state)
        p = self.config.policy
        picked = pick(self.lines, self.reserved[state.id], self._elig[state.id], now,
                      wait_cap=timedelta(minutes=p.regular_wait_cap_minutes),
                      interleave_after=p.interleave_after,
                      consecutive_priority=state.consecutive_priority,
                      booking_early=timedelta(minutes=p.booking_early_minutes))
        if picked is None:
            raise self._err(ErrorCode.QUEUE_EMPTY, "err_queue_empty", counter=state.id)
        ticket, reason = picked
        return self._call(state, ticket, reason, actor, now, events)

    def _cmd_call_ticket(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        self._require_open(state)
        ticket = self._find_ticket(args.get("ticket"))
        self._require_scope(state, ticket)
        return self._call(state, ticket, manual_reason(state.officer), actor, now, events)

    def _cmd_recall(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        ticket = self._current(state)
        if lc.next_status("recall", ticket.status) is None:
            raise self._err(ErrorCode.INVALID_STATE, "err_ticket_state", number=ticket.number,
                            status=ticket.status, action="recall")
        if ticket.recalls >= self.config.policy.max_recalls:
            return self._no_show(state, ticket, True, now, events)
        ticket.recalls += 1
        self._touch(ticket)
        wire = self.ticket_wire(ticket)
        events.append((Event.TICKET_RECALLED, {"ticket": wire, "counter": state.id,
                                               "counter_name": self._counters_cfg[state.id].name,
                                               "recalls": ticket.recalls}))
        return wire

    def _cmd_start_service(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        ticket = self._current(state)
        self._move(ticket, "start_service")
        ticket.started_at = now
        wire = self.ticket_wire(ticket)
        events.append((Event.SERVICE_STARTED, {"ticket": wire, "counter": state.id}))
        return wire

    def _release(self, state: CounterState) -> None:
        state.ticket = None
        state.call_reason = None
        self._touch_counter(state.id)

    def _cmd_finish(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        ticket = self._current(state)
        self._move(ticket, "finish")
        ticket.finished_at = now
        service_s = (now - (ticket.started_at or now)).total_seconds()
        self.observed[ticket.service].append(service_s)
        if state.officer:
            stats = self.officer_stats.setdefault(state.officer, {"served": 0, "no_show": 0,
                                                                  "service_s": 0.0})
            stats["served"] += 1
            stats["service_s"] += service_s
            self._dirty_meta = True
        self._release(state)
        wire = self.ticket_wire(ticket)
        events.append((Event.TICKET_FINISHED, {"ticket": wire, "counter": state.id,
                                               "service_s": service_s, "officer": state.officer,
                                               "stats": self.counter_wire(state.id)["stats"],
                                               "service_stats": self.service_stats(
                                                   ticket.service)}))
        return wire

    def _no_show(self, state: CounterState, ticket: Ticket, auto: bool, now: datetime,
                 events: list) -> dict[str, Any]:
        self._move(ticket, "no_show")
        ticket.finished_at = now
        if state.officer:
            stats = self.officer_stats.setdefault(state.officer, {"served": 0, "no_show": 0,
                                                                  "service_s": 0.0})
            stats["no_show"] += 1
            self._dirty_meta = True
        self._release(state)
        wire = self.ticket_wire(ticket)
        events.append((Event.TICKET_NO_SHOW, {"ticket": wire, "counter": state.id,
                                              "auto": auto,
                                              "stats": self.counter_wire(state.id)["stats"]}))
        return wire

    def _cmd_no_show(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        return self._no_show(state, self._current(state), False, now, events)

    def _cmd_transfer(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        ticket = self._current(state)
        target = args.get("service")
        svc = self._services.get(target) if isinstance(target, str) else None
        if svc is None:
            raise self._err(ErrorCode.NOT_FOUND, "err_unknown_service", service=target)
        stage = args.get("stage")
        if stage is None:
            if target == ticket.service:  # same service: on to its next stage
                idx = svc.stages.index(ticket.stage) if ticket.stage in svc.stages else -1
                if idx + 1 >= len(svc.stages):
                    raise self._err(ErrorCode.INVALID_STATE, "err_last_stage",
                                    number=ticket.number)
                stage = svc.stages[idx + 1]
            else:
                stage = svc.stages[0]
        if stage not in svc.stages:
            raise self._err(ErrorCode.BAD_REQUEST, "err_unknown_stage", stage=stage,
                            service=target)
        lane = args.get("lane") or (ticket.lane if ticket.lane in svc.lanes else svc.lanes[0])
        if lane not in svc.lanes:
            raise self._err(ErrorCode.BAD_REQUEST, "err_lane_not_offered", lane=lane,
                            service=target)
        to_counter = args.get("to_counter")
        if to_counter is not None:
            cfg = self._counters_cfg.get(to_counter) if isinstance(to_counter, str) else None
            if cfg is None:
                raise self._err(ErrorCode.NOT_FOUND, "err_unknown_counter", counter=to_counter)
            problem = self._scope_problem(to_counter, ticket.number, target, lane, stage,
                                          ErrorCode.BAD_REQUEST)
            if problem is not None:
                raise problem
        note = self._text_arg(args, "note", NOTE_CHARS, default=None)
        previous = {"service": ticket.service, "stage": ticket.stage, "counter": state.id,
                    "lane": ticket.lane}
        self._move(ticket, "transfer")
        if ticket.started_at and ticket.service == previous["service"]:
            self.observed[ticket.service].append((now - ticket.started_at).total_seconds())
        ticket.service, ticket.stage, ticket.lane = target, stage, lane
        ticket.queued_at = now
        ticket.called_at = ticket.started_at = None
        ticket.counter = ticket.officer = None
        ticket.recalls = 0
        ticket.transfers += 1
        ticket.reserved_counter = to_counter
        self._enqueue(ticket)
        self._release(state)
        wire = self.ticket_wire(ticket)
        events.append((Event.TICKET_TRANSFERRED, {"ticket": wire, "from": previous,
                                                  "to_counter": to_counter, "note": note,
                                                  "officer": state.officer}))
        return wire

    def _counter_action(self, state: CounterState, action: str) -> str:
        new = lc.next_counter_status(action, state.status)
        if new is None:
            raise self._err(ErrorCode.INVALID_STATE, "err_counter_status", counter=state.id,
                            status=state.status)
        return new

    def _cmd_pause(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        reason = self._text_arg(args, "reason", REASON_CHARS)
        new = self._counter_action(state, "pause")
        if state.ticket:
            raise self._err(ErrorCode.INVALID_STATE, "err_finish_first",
                            number=self.tickets[state.ticket].number)
        state.status, state.pause_reason = new, reason
        self._touch_counter(state.id)
        events.append((Event.COUNTER_PAUSED, {"counter": self.counter_wire(state.id),
                                              "reason": reason}))
        return self.counter_wire(state.id)

    def _cmd_resume(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        state.status = self._counter_action(state, "resume")
        state.pause_reason = None
        self._touch_counter(state.id)
        events.append((Event.COUNTER_OPENED, {"counter": self.counter_wire(state.id),
                                              "reason": "resume"}))
        return self.counter_wire(state.id)

    def _cmd_open_counter(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        state.status = self._counter_action(state, "open")
        state.pause_reason = None
        self._touch_counter(state.id)
        events.append((Event.COUNTER_OPENED, {"counter": self.counter_wire(state.id)}))
        return self.counter_wire(state.id)

    def _cmd_close_counter(self, args, actor, now, events):
        state = self._counter_for(args, actor)
        reason = self._text_arg(args, "reason", REASON_CHARS, default="closed")
        self._counter_action(state, "close")
        if state.ticket:
            raise self._err(ErrorCode.INVALID_STATE, "err_finish_first",
                            number=self.tickets[state.ticket].number)
        self._close_counter(state, reason, events)
        return self.counter_wire(state.id)

    def _cmd_cancel(self, args, actor, now, events):
        ticket = self._find_ticket(args.get("ticket"))
        reason = self._text_arg(args, "reason", REASON_CHARS)
        if actor.role not in OFFICE_WIDE_ROLES:
            mine = self._acting_counter(actor)
            self._require_scope(mine, ticket)
            if ticket.counter not in (None, mine.id) and ticket.status in (lc.CALLED,
                                                                            lc.SERVING):
                raise self._err(ErrorCode.FORBIDDEN, "err_ticket_elsewhere",
                                number=ticket.number,
                                counter=self._counters_cfg[ticket.counter].name
                                if ticket.counter in self._counters_cfg else ticket.counter)
        was_waiting = ticket.status == lc.WAITING
        self._move(ticket, "cancel")
        if was_waiting:
            self._dequeue(ticket)
        for state in self.counters.values():
            if state.ticket == ticket.id:
                self._release(state)
        ticket.finished_at = now
        wire = self.ticket_wire(ticket)
        events.append((Event.TICKET_CANCELLED, {"ticket": wire, "reason": reason,
                                                "by": actor.officer or actor.device}))
        return wire

    # ------------------------------------------------------------------ any role
    def _cmd_ping(self, args, actor, now, events):
        return {"server_time": self.iso(now)}

    def _cmd_report_device_status(self, args, actor, now, events):
        status = args.get("status")
        if status not in DEVICE_STATUSES:
            raise self._err(ErrorCode.BAD_REQUEST, "err_bad_arg", arg="status")
        detail = self._text_arg(args, "detail", DETAIL_CHARS)
        device = actor.device or "unknown"
        entry = {"device": device, "role": actor.role, "status": status, "detail": detail,
                 "at": self.iso(now)}
        self.device_status[device] = entry
        self._dirty_meta = True
        events.append((Event.DEVICE_STATUS, entry))
        return {}

    def _cmd_set_announcement(self, args, actor, now, events):
        text = args.get("text")
        if isinstance(text, str):
            text = {"id": text, "en": text}
        if not isinstance(text, dict) or not all(isinstance(text.get(k), str)
                                                 for k in ("id", "en")):
            raise self._err(ErrorCode.BAD_REQUEST, "err_bad_arg", arg="text")
        for lang in ("id", "en"):
            self._text_arg(text, lang, ANNOUNCEMENT_CHARS)
        until = args.get("until")
        if until is not None:
            try:
                until_dt = datetime.fromisoformat(until)
                if until_dt.tzinfo is None:
                    until_dt = until_dt.replace(tzinfo=self.tz)
                until = until_dt.isoformat()
            except (TypeError, ValueError):
                raise self._err(ErrorCode.BAD_REQUEST, "err_bad_arg", arg="until") from None
        self.announcement = {"text": {"id": text["id"], "en": text["en"]}, "until": until} \
            if text["id"] or text["en"] else None
        self._dirty_meta = True
        events.append((Event.ANNOUNCEMENT, self.announcement or {"text": None, "until": None}))
        return {}

    def _cmd_import_bookings(self, args, actor, now, events):
        rows = args.get("bookings")
        if not isinstance(rows, list) or len(rows) > 5000:
            raise self._err(ErrorCode.BAD_REQUEST, "err_bad_arg", arg="bookings")
        # every row is checked before any is kept: a refused file imports nothing
        parsed = [self.parse_booking(row, i) for i, row in enumerate(rows)]
        for booking in parsed:
            self.bookings[booking.code] = booking
            self._dirty_bookings.add(booking.code)
            self._removed_bookings.discard(booking.code)
        events.append((Event.BOOKINGS_IMPORTED, {"count": len(parsed)}))
        return {"imported": len(parsed)}

    def parse_booking(self, row: Any, index: int = 0) -> Booking:
        """One booking row {code, service, slot_start, slot_end?, lane?} → Booking.

        Every field is checked for its type and range here, before anything is kept: a
        refused row is `bad_request` naming the row and the field, and refuses its file.
        """
        def bad(name: str, problem: str, **params: Any) -> EngineError:
            return self._err(ErrorCode.BAD_REQUEST, "err_booking_row", row=index + 1,
                             field=name, problem=t(f"server.{problem}", self.lang, **params))

        if not isinstance(row, dict):
            raise self._err(ErrorCode.BAD_REQUEST, "err_booking_not_object", row=index + 1)
        for key in ("code", "service", "slot_start", "slot_end", "lane"):
            value = row.get(key)
            if value is not None and not isinstance(value, str):
                raise bad(key, "booking_not_text")
        code = (row.get("code") or "").strip().upper()
        if not code:
            raise bad("code", "booking_missing")
        if len(code) > BOOKING_CODE_CHARS or _NOT_PLAIN.search(code):
            raise bad("code", "booking_bad_code", limit=BOOKING_CODE_CHARS)
        service = row.get("service")
        if not service:
            raise bad("service", "booking_missing")
        if service not in self._services:
            raise bad("service", "booking_unknown", value=repr(str(service)[:40]))
        lane = row.get("lane") or next(lane.id for lane in self.config.lanes
                                       if not lane.priority)
        if lane not in self._lanes:
            raise bad("lane", "booking_unknown", value=repr(lane[:40]))
        first = self.day - timedelta(days=BOOKING_DAYS_BACK)
        last = self.day + timedelta(days=BOOKING_DAYS_AHEAD)
        out_of_range = {"problem": "booking_out_of_range", "first": first.isoformat(),
                        "last": last.isoformat()}
        start = self._booking_time(row.get("slot_start"), bad, "slot_start")
        end_text = row.get("slot_end")
        end = self._booking_time(end_text, bad, "slot_end") if end_text else None
        # Range first, on the dates as written (an offset moves them by less than a day):
        # a time near year 1 or 9999 cannot be moved to the office's zone or given an hour.
        for name, value in (("slot_start", start), ("slot_end", end)):
            if value is not None and not (first - timedelta(days=1) <= value.date()
                                          <= last + timedelta(days=1)):
                raise bad(name, **out_of_range)
        if end is not None and (start.tzinfo is None) != (end.tzinfo is None):
            raise bad("slot_end", "booking_mixed_offsets")
        start = start if start.tzinfo else start.replace(tzinfo=self.tz)
        if not first <= self._local_date(start) <= last:
            raise bad("slot_start", **out_of_range)
        if end is None:
            end = start + BOOKING_DEFAULT_SLOT
        end = end if end.tzinfo else end.replace(tzinfo=self.tz)
        if end <= start:
            raise bad("slot_end", "booking_end_before_start")
        if end - start > BOOKING_LONGEST_SLOT:
            raise bad("slot_end", "booking_slot_too_long",
                      hours=int(BOOKING_LONGEST_SLOT.total_seconds() // 3600))
        return Booking(code, service, start, end, lane)

    @staticmethod
    def _booking_time(text: Any, bad: Callable[..., EngineError], name: str) -> datetime:
        """An ISO date and time ("2026-12-07 09:30", an offset optional), or a refusal."""
        if not isinstance(text, str) or not text.strip():
            raise bad(name, "booking_missing")
        try:
            value = datetime.fromisoformat(text.strip()) if len(text) <= 40 else None
        except ValueError:
            value = None
        # a date alone parses as midnight: a slot needs its time
        if value is None or len(text.strip()) <= 10:
            raise bad(name, "booking_bad_time")
        offset = value.utcoffset()
        if offset is not None and abs(offset) > timedelta(hours=14):
            raise bad(name, "booking_bad_time")
        return value

    def _cmd_submit_survey(self, args, actor, now, events):
        ref = args.get("ticket")
        if not isinstance(ref, str) or not ref:
            raise self._err(ErrorCode.BAD_REQUEST, "err_bad_arg", arg="ticket")
        ticket = self.find_by_token(ref)
        if ticket is None:
            if actor.role in TOKEN_ONLY_ROLES:
                raise self._err(ErrorCode.NOT_FOUND, "err_unknown_ticket_token")
            ticket = self._find_ticket(ref)
        if actor.role == "counter":
            self._require_scope(self._acting_counter(actor), ticket)
        if ticket.status != lc.DONE:
            raise self._err(ErrorCode.INVALID_STATE, "err_survey_not_done")
        if ticket.surveyed:
            raise self._err(ErrorCode.INVALID_STATE, "err_survey_twice")
        answers = args.get("answers")
        if (not isinstance(answers, list) or len(answers) != SKM_ELEMENTS
                or not all(isinstance(a, int) and not isinstance(a, bool) and 1 <= a <= 4
                           for a in answers)):
            raise self._err(ErrorCode.BAD_REQUEST, "err_bad_arg", arg="answers")
        comment = self._text_arg(args, "comment", COMMENT_CHARS, multiline=True)
        ticket.surveyed = True  # on its row: the meta record does not grow with them
        self._touch(ticket)
        # Anonymous: the event names the service and day, never the ticket.
        events.append((Event.SURVEY_SUBMITTED, {"service": ticket.service, "day":
                                                self.day.isoformat(), "answers": answers,
                                                "comment": comment}))
        return {}

    def _cmd_tablet_survey(self, args, actor, now, events):
        """The survey tablet at a counter asks whose survey to show: the status token of
        the ticket finished last at its counter, if that was under 10 minutes ago and its
        survey is not answered yet; else null. Only the last one: an older applicant who
        left without answering is not offered to the next person at the desk."""
        counter = actor.counter
        if counter is None:
            raise self._err(ErrorCode.INVALID_STATE, "err_tablet_unbound")
        last = None
        for tk in self.tickets.values():  # in issue order: of two finished at once, the later
            if tk.counter == counter and tk.status == lc.DONE and tk.finished_at and (
                    last is None or tk.finished_at >= last.finished_at):
                last = tk
        recent = last is not None and now - last.finished_at <= timedelta(minutes=10)
        token = last.token if recent and not last.surveyed else None
        return {"counter": counter, "token": token}

    # ------------------------------------------------------------------ time-driven
    def _rollover_if_needed(self, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        # the hub's batches share one `now`: checked once for all of a batch's commands
        self._rolled_over_at = now
        today = self._local_date(now)
        if today <= self.day:
            return []
        expired = []
        for ticket in self.tickets.values():
            if ticket.status in lc.ACTIVE:
                ticket.status = lc.EXPIRED
                ticket.finished_at = now
                self._touch(ticket)
                expired.append(ticket.id)
        closing: list[tuple[str, dict[str, Any]]] = []
        for state in self.counters.values():
            state.ticket = None
            if state.status != lc.COUNTER_CLOSED or state.officer:
                self._close_counter(state, "day_end", closing)
            self._touch_counter(state.id)
        # expired tickets must reach the store even though they leave memory now
        self._pending_tickets.extend(self.tickets[t].to_record() for t in self._dirty_tickets)
        self._dirty_tickets.clear()
        previous = self.day
        self.day = today
        self.tickets.clear()
        self._wire_cache.clear()
        for line in self.lines.values():
            line.clear()
        for r in self.reserved.values():
            r.clear()
        self.numbers.clear()
        self.issued.clear()
        self.recent_calls.clear()
        for samples in self.observed.values():
            samples.clear()
        self.officer_stats.clear()
        self.alerts.clear()
        self.bookings = {c: b for c, b in self.bookings.items()
                         if self._local_date(b.slot_end) >= today}
        self._dirty_meta = True
        return [*closing, (Event.DAY_ROLLED_OVER, {"day": today.isoformat(),
                                                   "previous_day": previous.isoformat(),
                                                   "expired": expired})]

    def _check_alerts(self, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        events: list[tuple[str, dict[str, Any]]] = []
        current: dict[str, dict[str, Any]] = {}
        for sid, svc in self._services.items():
            waiting = self.waiting_in(sid)
            if waiting:
                oldest = min(tk.queued_at for tk in waiting)
                minutes = (now - oldest).total_seconds() / 60
                if minutes > svc.target_wait_minutes:
                    current[f"{sid}/wait"] = {"service": sid, "kind": "wait",
                                              "value": round(minutes, 1),
                                              "target": svc.target_wait_minutes}
            if svc.max_waiting is not None and len(waiting) > svc.max_waiting:
                current[f"{sid}/waiting"] = {"service": sid, "kind": "waiting",
                                             "value": len(waiting), "target": svc.max_waiting}
            if svc.target_service_minutes is not None:
                for tk in self.tickets.values():
                    if tk.service == sid and tk.status == lc.SERVING and tk.started_at:
                        minutes = (now - tk.started_at).total_seconds() / 60
                        if minutes > svc.target_service_minutes:
                            current[f"{sid}/service_time"] = {
                                "service": sid, "kind": "service_time",
                                "value": round(minutes, 1),
                                "target": svc.target_service_minutes, "counter": tk.counter}
        for key in sorted(current.keys() - self.alerts.keys()):
            events.append((Event.ALERT, current[key]))
        for key in sorted(self.alerts.keys() - current.keys()):
            sid, kind = key.split("/", 1)
            events.append((Event.ALERT_CLEARED, {"service": sid, "kind": kind}))
        if current.keys() != self.alerts.keys():
            self._dirty_meta = True
        self.alerts = current
        return events
