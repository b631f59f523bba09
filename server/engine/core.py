"""The queue engine: commands in, events out. No I/O, no asyncio, no clock of its own.

`Engine.handle(name, args, actor, now)` checks a command against its spec in the protocol
(`protocol.messages.COMMANDS`: the sender's role, the arguments), runs its handler from
the command table (`handlers/`) and returns an `Outcome`: result data or an error, plus
the events it caused. A refused command changes nothing. `Engine.tick(now)` does what
time alone causes: day rollover, service opening/closing, service-level alerts,
announcement expiry. The store persists `drain_changes()` after each batch;
`Engine.restore` rebuilds today's state from those records without replaying history.

The engine's parts: plain data (`model.py`), the ticket and counter lifecycle tables
(`lifecycle.py`), the waiting lines (`lines.py`), the calling policy (`policy.py`), the
command handlers, one module per role (`handlers/`); here, the state and what clients see.
"""

from __future__ import annotations

import functools
import math
import secrets
from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from config.office import OfficeConfig
from protocol import PUBLIC_ROLES, ErrorCode, Event, public_snapshot
from protocol.messages import COMMANDS, ArgError, check_args
from server.engine import lifecycle as lc
from server.engine.handlers import HANDLERS
from server.engine.handlers.counter import unanswered_calls
from server.engine.lines import Lines
from server.engine.model import (
    Actor,
    Booking,
    Changes,
    Command,
    CounterState,
    EngineError,
    Outcome,
    Ticket,
    number_parts,
    ticket_id,
    ticket_number,
)

RECENT_CALLS = 20
OBSERVED_SAMPLES = 30  # service times kept per service for wait estimates
Events = list[tuple[str, dict[str, Any]]]


NO_SHOWS_IN_SNAPSHOT = 50


class Engine:
    def __init__(self, config: OfficeConfig, now: datetime,
                 token_factory: Callable[[], str] | None = None) -> None:
        self.config, self.tz, self.lang = config, config.tz, config.default_language
        self.public_url = config.office.public_url
        self._iso_of: datetime | None = None  # see iso()
        self._iso = ""
        # a ticket's secret status token (its phone page's link)
        self.new_token = token_factory or functools.partial(secrets.token_urlsafe, 16)
        self.lane_cfg = {lane.id: lane for lane in config.lanes}
        self.service_cfg = {s.id: s for s in config.services}
        self.counter_cfg = {c.id: c for c in config.counters}
        self.serving = {s: [c.id for c in config.counters if s in c.services]
                        for s in self.service_cfg}  # service -> the counters that serve it
        self._start_day(self.local_date(now))
        self.counters = {c.id: CounterState(c.id) for c in config.counters}
        self.bookings: dict[str, Booking] = {}
        self.announcement: dict[str, Any] | None = None
        self.device_status: dict[str, dict[str, Any]] = {}
        # the office's calendar (a supervisor's `set_holidays`): ISO date -> {id, en} name
        self.holidays: dict[str, dict[str, str]] = {}
        self.service_open = {s: self.service_state(s, now)[0] for s in self.service_cfg}
        # what changed since the last drain, for the store
        self._gone_tickets: list[dict[str, Any]] = []  # records of tickets no longer held
        self._dirty_tickets: set[str] = set()  # ids, each written as it is at the drain
        self._dirty_counters: set[str] = set()
        self._dirty_bookings: set[str] = set()  # codes: written if held, else removed
        self._dirty_meta = True

    def _start_day(self, day: date) -> None:
        """The day's state, as it starts: no tickets, no numbers."""
        self.day = day
        self.tickets: dict[str, Ticket] = {}
        self.lines = Lines(self.config)
        self.numbers: dict[str, int] = {}  # prefix -> today's last number
        self.issued: dict[str, int] = {}  # "service/lane" -> walk-ins issued today
        self.recent_calls: deque[dict[str, Any]] = deque(maxlen=RECENT_CALLS)
        self.observed: dict[str, deque[float]] = {s: deque(maxlen=OBSERVED_SAMPLES)
                                                   for s in self.service_cfg}
        self.officer_stats: dict[str, dict[str, float]] = {}
        self.alerts: dict[str, dict[str, Any]] = {}  # "service/kind" -> alert
        # a supervisor's decisions for today (handlers/supervisor.py)
        self.issuing_paused: dict[str, dict[str, str]] = {}  # service -> reason {id, en}
        self.quota_today: dict[str, dict[str, int]] = {}  # service -> {lane: quota}
        self.reprints: dict[str, dict[str, Any]] = {}  # request -> {ticket, kiosk, at}
        # offline issuing (handlers/offline.py): kiosk -> "service/lane" -> {number:
        # leased at}, the numbers each kiosk holds unused; the kiosk's id of each synced
        # offline ticket -> [ticket id, digest of the entry]. Today's only: a new day
        # starts without them (leases expire at the rollover).
        self.leases: dict[str, dict[str, dict[str, str]]] = {}
        self.offline_ids: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ public API
    def handle(self, name: str, args: dict[str, Any], actor: Actor, now: datetime) -> Outcome:
        """Apply one command. Rollover first, so a command never lands on a stale day."""
        events = self._rollover_if_needed(now)
        try:
            spec, handler = COMMANDS.get(name), HANDLERS.get(name)
            if handler is None:
                raise EngineError(ErrorCode.UNKNOWN_COMMAND, "err_unknown_command", name=name)
            if actor.role not in spec.roles:
                raise EngineError(ErrorCode.FORBIDDEN, "err_forbidden_role", name=name,
                                  role=actor.role)
            checked = check_args(name, args, skip=spec.hub_checked)
            data = handler(self, Command(checked, actor, now, events))
        except (EngineError, ArgError) as exc:
            return Outcome(False, None, exc.code, exc.message(self.lang), events)
        return Outcome(True, data, events=events)

    def tick(self, now: datetime) -> Events:
        """Everything that happens because time passes. Cheap: called every few seconds."""
        events = self._rollover_if_needed(now)
        for sid in self.service_cfg:
            self.update_service_open(sid, now, events)
        # the events of a no-show by time, as if the server had sent the command
        unanswered_calls(self, Command({}, Actor("server"), now, events))
        events.extend(self._check_alerts(now))
        until = (self.announcement or {}).get("until")
        if until and datetime.fromisoformat(until) <= now:
            self.announcement = None
            self._dirty_meta = True
            events.append((Event.ANNOUNCEMENT, {"text": None, "until": None}))
        return events

    def drain_changes(self) -> Changes:
        """Everything changed since the last drain, for the store."""
        changes = Changes(
            tickets=self._gone_tickets + [self.tickets[t].to_record()
                                          for t in self._dirty_tickets if t in self.tickets],
            counters=[self.counters[c].to_record() for c in self._dirty_counters],
            bookings=[self.bookings[b].to_record() for b in self._dirty_bookings
                      if b in self.bookings],
            removed_bookings=sorted(self._dirty_bookings - self.bookings.keys()),
            meta=self.take_meta(),
        )
        self._gone_tickets = []
        for dirty in (self._dirty_tickets, self._dirty_counters, self._dirty_bookings):
            dirty.clear()
        return changes

    def take_meta(self) -> dict[str, Any] | None:
        """The meta record if it changed since it was last taken (or drained), else None."""
        if not self._dirty_meta:
            return None
        self._dirty_meta = False
        return self.export_meta()

    def day_iso(self) -> str:
        """Today's office-local date, ISO."""
        return self.day.isoformat()

    def iso(self, dt: datetime | None) -> str | None:
        """A time for the wire: office offset, milliseconds. The last one is remembered: a
        batch's commands share one `now`, written into every ticket, event and result."""
        if dt is None:
            return None
        if dt is not self._iso_of:
            self._iso_of, self._iso = dt, dt.astimezone(self.tz).isoformat(timespec="milliseconds")
        return self._iso

    def local_date(self, dt: datetime) -> date:
        return dt.astimezone(self.tz).date()

    def find_by_token(self, token: str) -> Ticket | None:
        return next((tk for tk in self.tickets.values() if tk.token == token), None)

    def waiting_order(self, now: datetime) -> list[Ticket]:
        """All waiting tickets in the order a counter serving all would call them."""
        return self.lines.call_order(now, self.config.policy)

    # ------------------------------------------------------------------ what clients see
    def ticket_wire(self, ticket: Ticket) -> dict[str, Any]:
        return ticket.to_wire(self.iso, self.public_url)

    def service_wire(self, sid: str, now: datetime) -> dict[str, Any]:
        svc = self.service_cfg[sid]
        is_open, why = self.service_state(sid, now)
        stats = self.service_stats(sid)
        return {"id": svc.id, "prefix": svc.prefix, "name": svc.name.model_dump(),
                "lanes": list(svc.lanes), "stages": list(svc.stages), "open": is_open,
                "closed_reason": why, "waiting": stats["waiting"],
                "estimated_wait_s": stats["estimated_wait_s"],
                "target_wait_minutes": svc.target_wait_minutes, "quota": dict(svc.quota),
                "issued": {lane: self.issued.get(f"{sid}/{lane}", 0) for lane in svc.lanes},
                "info": svc.info.model_dump() if svc.info else None,
                "issuing_paused": self.issuing_paused.get(sid),
                "holiday": self.holidays.get(self.local_date(now).isoformat()),
                "quota_today": dict(self.quota_today.get(sid, {}))}

    def counter_wire(self, cid: str) -> dict[str, Any]:
        cfg = self.counter_cfg[cid]
        state = self.counters[cid]
        ticket = self.tickets.get(state.ticket) if state.ticket else None
        stats = self.officer_stats.get(state.officer or "", {})
        served = int(stats.get("served", 0))
        return {"id": cid, "name": cfg.name, "services": list(cfg.services),
                "lanes": list(cfg.lanes or [lane.id for lane in self.config.lanes]),
                "stages": list(cfg.stages) if cfg.stages else None, "zone": cfg.zone,
                "status": state.status, "officer": state.officer,
                "officer_name": state.officer_name, "pause_reason": state.pause_reason,
                "ticket": self.ticket_wire(ticket) if ticket else None,
                "call_reason": state.call_reason if ticket else None,
                "stats": {"served": served, "no_show": int(stats.get("no_show", 0)),
                          "avg_service_s": (stats.get("service_s", 0) / served) if served
                          else None}}

    def office_wire(self) -> dict[str, Any]:
        o = self.config.office
        return {"id": o.id, "name": o.name, "timezone": o.timezone, "languages": o.languages,
                "day": self.day_iso(), "ticket_footer": [f.model_dump() for f in o.ticket_footer],
                "device_names": dict(o.device_names), "public_url": o.public_url,
                "policy": {"no_show_after_minutes": self.config.policy.no_show_after_minutes,
                           "reinstate_minutes": self.config.policy.reinstate_minutes}}

    def snapshot(self, now: datetime, role: str) -> dict[str, Any]:
        snap = {
            "office": self.office_wire(),
            "lanes": [{"id": lane.id, "name": lane.name.model_dump(), "priority": lane.priority}
                      for lane in self.config.lanes],
            "services": [self.service_wire(sid, now) for sid in self.service_cfg],
            "counters": [self.counter_wire(cid) for cid in self.counter_cfg],
            "waiting": [self.ticket_wire(tk) for tk in self.waiting_order(now)],
            "recent_calls": [{"ticket": self.ticket_wire(self.tickets[c["ticket"]]),
                              "counter": c["counter"], "at": c["at"]}
                             for c in reversed(self.recent_calls) if c["ticket"] in self.tickets],
            "announcement": self.announcement,
            "alerts": list(self.alerts.values()),
            "device_status": list(self.device_status.values()),
            "holidays": self.holidays_wire(),
            # for a console's "came back" list (reinstate)
            "no_shows": [self.ticket_wire(tk) for tk in sorted(
                (tk for tk in self.tickets.values() if tk.status == lc.NO_SHOW),
                key=lambda tk: tk.finished_at, reverse=True)[:NO_SHOWS_IN_SNAPSHOT]],
        }
        return public_snapshot(snap) if role in PUBLIC_ROLES else snap

    # ------------------------------------------------------------------ persistence
    def export_meta(self) -> dict[str, Any]:
        return {"day": self.day_iso(), "numbers": dict(self.numbers), "issued": dict(self.issued),
                "recent_calls": list(self.recent_calls), "officer_stats": self.officer_stats,
                "announcement": self.announcement, "device_status": self.device_status,
                "alerts": self.alerts, "service_open": self.service_open,
                "holidays": self.holidays, "issuing_paused": self.issuing_paused,
                "quota_today": self.quota_today, "reprints": self.reprints,
                "leases": self.leases, "offline_ids": self.offline_ids}

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
            eng.holidays = dict(meta.get("holidays") or {})
            eng.issuing_paused = {s: r for s, r in (meta.get("issuing_paused") or {}).items()
                                  if s in eng.service_cfg}
            eng.quota_today = {s: q for s, q in (meta.get("quota_today") or {}).items()
                               if s in eng.service_cfg}
            eng.reprints = dict(meta.get("reprints") or {})
            eng.leases = dict(meta.get("leases") or {})
            eng.offline_ids = dict(meta.get("offline_ids") or {})
            # before 0.4 the meta record listed who answered the survey (growing all day,
            # rewritten on every commit); now each ticket's row says so: moved below
            surveyed = set(meta.get("surveyed", []))
        for rec in counters:
            if rec["id"] in eng.counters:
                eng.counters[rec["id"]] = CounterState.from_record(rec)
        # Tickets of one batch share a timestamp and the store's row order is arbitrary:
        # break ties by issue time and number so FIFO order survives a restart.
        restored = sorted((Ticket.from_record(r) for r in tickets if r["day"] == eng.day_iso()),
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
                eng.touch(ticket)
            if ticket.status == lc.WAITING:
                eng.lines.add(ticket)
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

    # ------------------------------------------------------------------ changes
    def touch(self, ticket: Ticket) -> None:
        """The ticket changed: the store writes it with the batch."""
        self._dirty_tickets.add(ticket.id)

    def touch_counter(self, state: CounterState) -> None:
        self._dirty_counters.add(state.id)

    def touch_meta(self) -> None:
        self._dirty_meta = True

    def touch_booking(self, code: str) -> None:
        self._dirty_bookings.add(code)

    def move(self, ticket: Ticket, action: str) -> None:
        """A ticket's status changes by its lifecycle table only."""
        lc.move(ticket, action)
        self.touch(ticket)

    def move_counter(self, state: CounterState, action: str) -> None:
        """A counter's status changes by its lifecycle table only."""
        lc.move_counter(state, action)
        self.touch_counter(state)

    def new_ticket(self, service: str, lane: str, lang: str, now: datetime,
                   booking_slot: datetime | None = None,
                   issued_as: str | None = None) -> Ticket:
        svc = self.service_cfg[service]
        n = self.numbers.get(svc.prefix, 0) + 1
        self.numbers[svc.prefix] = n  # not in the meta record: see restore
        number = ticket_number(svc.prefix, n)
        day = self.day_iso()
        ticket = Ticket(id=ticket_id(day.replace("-", ""), number), day=day,
                        number=number, service=service, stage=svc.stages[0], lane=lane,
                        status=lc.WAITING, token=self.new_token(), lang=lang, issued_at=now,
                        queued_at=now, booking_slot=booking_slot, issued_as=issued_as)
        self.tickets[ticket.id] = ticket
        self.lines.add(ticket)
        self.touch(ticket)
        return ticket

    def quota(self, service: str, lane: str) -> int | None:
        """Today's quota of a service's lane: a supervisor's `set_quota`, else the
        configured one (None: no quota)."""
        today = self.quota_today.get(service, {})
        return today[lane] if lane in today else self.service_cfg[service].quota.get(lane)

    def holidays_wire(self) -> list[dict[str, Any]]:
        return [{"date": day, "name": name} for day, name in sorted(self.holidays.items())]

    def counter(self, cid: str) -> CounterState:
        if cid not in self.counters:
            raise EngineError(ErrorCode.NOT_FOUND, "err_unknown_counter", counter=cid)
        return self.counters[cid]

    def find_ticket(self, ref: str) -> Ticket:
        """A ticket of today by its id or its number."""
        ticket = self.tickets.get(ref) or next(
            (tk for tk in self.tickets.values() if tk.number == ref.upper()), None)
        if ticket is None:
            raise EngineError(ErrorCode.NOT_FOUND, "err_unknown_ticket", ticket=ref)
        return ticket

    def close_counter(self, state: CounterState, action: str, reason: str,
                      events: Events) -> None:
        """Close a counter (`action`: "close" or "logout"); its officer leaves it."""
        officer = state.officer
        self.move_counter(state, action)
        state.officer = state.officer_name = state.device = state.session = None
        state.pause_reason, state.consecutive_priority = None, 0
        if officer:
            events.append((Event.OFFICER_LOGGED_OUT, {"counter": state.id, "officer": officer}))
        events.append((Event.COUNTER_CLOSED, {"counter": self.counter_wire(state.id),
                                              "reason": reason}))

    # ------------------------------------------------------------------ services
    def service_state(self, service: str, now: datetime) -> tuple[bool, str | None]:
        """Whether a service issues tickets now, and if not, why."""
        svc = self.service_cfg[service]
        office = self.config.office
        local = now.astimezone(self.tz)
        if local.date().isoformat() in self.holidays:
            return False, "holiday"
        if service in self.issuing_paused:
            return False, "paused"
        if local.isoweekday() not in office.working_days:
            return False, "not_working_day"
        if local.time() < (svc.opening_time or office.opening_time):
            return False, "before_opening"
        if local.time() >= (svc.cutoff_time or office.closing_time):
            return False, "after_cutoff"
        if all((quota := self.quota(service, lane)) is not None
               and self.issued.get(f"{service}/{lane}", 0) >= quota for lane in svc.lanes):
            return False, "quota_reached"
        return True, None

    def update_service_open(self, service: str, now: datetime, events: Events,
                            is_open: bool | None = None) -> None:
        """`service_changed` when a service opened or closed (its hours, its quota)."""
        is_open = self.service_state(service, now)[0] if is_open is None else is_open
        if is_open != self.service_open.get(service):
            self.service_open[service] = is_open
            self._dirty_meta = True
            events.append((Event.SERVICE_CHANGED,
                           {"service": self.service_wire(service, now)}))

    def estimate_wait_s(self, service: str, ahead: int) -> int:
        """People ahead times the observed mean service time, shared by the open counters."""
        samples = self.observed[service]
        mean_s = (sum(samples) / len(samples) if samples
                  else self.service_cfg[service].default_service_minutes * 60)
        open_counters = sum(self.counters[cid].status == lc.COUNTER_OPEN
                            for cid in self.serving[service])
        return int(math.ceil(ahead * mean_s / max(1, open_counters)))

    def service_stats(self, service: str) -> dict[str, Any]:
        waiting = self.lines.count(service)
        return {"service": service, "waiting": waiting,
                "estimated_wait_s": self.estimate_wait_s(service, waiting)}

    # ------------------------------------------------------------------ time-driven
    def _rollover_if_needed(self, now: datetime) -> Events:
        today = self.local_date(now)
        if today <= self.day:
            return []
        expired = []
        for ticket in self.tickets.values():
            if ticket.status in lc.ACTIVE:
                self.move(ticket, "expire")
                ticket.finished_at = now
                expired.append(ticket.id)
        events: Events = []
        for state in self.counters.values():
            state.ticket = None
            if state.status != lc.COUNTER_CLOSED:
                self.close_counter(state, "close", "day_end", events)
            self.touch_counter(state)
        # expired tickets must reach the store even though they leave memory now
        self._gone_tickets.extend(self.tickets[t].to_record() for t in self._dirty_tickets)
        self._dirty_tickets.clear()
        previous = self.day
        self._start_day(today)
        self.bookings = {c: b for c, b in self.bookings.items()
                         if self.local_date(b.slot_end) >= today}
        self._dirty_meta = True
        return [*events, (Event.DAY_ROLLED_OVER, {"day": today.isoformat(),
                                                  "previous_day": previous.isoformat(),
                                                  "expired": expired})]

    def _check_alerts(self, now: datetime) -> Events:
        """An `alert` when a service passes a target, `alert_cleared` when it is back."""
        current: dict[str, dict[str, Any]] = {}
        for sid, svc in self.service_cfg.items():
            waiting = self.lines.waiting(sid)
            longest = max(((now - tk.queued_at).total_seconds() / 60 for tk in waiting),
                          default=0)
            if longest > svc.target_wait_minutes:
                current[f"{sid}/wait"] = {"service": sid, "kind": "wait",
                                          "value": round(longest, 1),
                                          "target": svc.target_wait_minutes}
            if svc.max_waiting is not None and len(waiting) > svc.max_waiting:
                current[f"{sid}/waiting"] = {"service": sid, "kind": "waiting",
                                             "value": len(waiting), "target": svc.max_waiting}
            for tk in self.tickets.values() if svc.target_service_minutes is not None else ():
                if tk.service == sid and tk.status == lc.SERVING and tk.started_at:
                    minutes = (now - tk.started_at).total_seconds() / 60
                    if minutes > svc.target_service_minutes:
                        current[f"{sid}/service_time"] = {
                            "service": sid, "kind": "service_time", "value": round(minutes, 1),
                            "target": svc.target_service_minutes, "counter": tk.counter}
        events: Events = [(Event.ALERT, current[key])
                          for key in sorted(current.keys() - self.alerts.keys())]
        events += [(Event.ALERT_CLEARED, {k: self.alerts[key][k] for k in ("service", "kind")})
                   for key in sorted(self.alerts.keys() - current.keys())]
        if current.keys() != self.alerts.keys():
            self._dirty_meta = True
        self.alerts = current
        return events
