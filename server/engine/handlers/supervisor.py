"""The supervisor's commands (the /admin console): the day's decisions about services
and tickets, the office's calendar, reprints at a kiosk; and the queue's part of what the
hub does for people and devices (an officer disabled, a device gone offline).

The supervisor also sends the admin's commands (`open_counter`, `close_counter`, `cancel`,
`set_announcement`, `import_bookings`), answered by their own handlers: the supervisor is
an office-wide role (`counter.OFFICE_WIDE_ROLES`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from protocol import ErrorCode, Event
from protocol.messages import NOTE_CHARS, Bilingual, check_value
from server.engine import lifecycle as lc
from server.engine.handlers.counter import join_line, require_scope, ticket_event
from server.engine.model import Command, EngineError, Ticket

if TYPE_CHECKING:
    from server.engine.core import Engine

HOLIDAY_NAME = Bilingual(NOTE_CHARS)


def _service(eng: Engine, sid: str) -> str:
    if sid not in eng.service_cfg:
        raise EngineError(ErrorCode.NOT_FOUND, "err_unknown_service", service=sid)
    return sid


def _service_changed(eng: Engine, cmd: Command, sid: str) -> dict[str, Any]:
    """The service as it is now, to everyone (`service_changed`), and as the result."""
    eng.service_open[sid] = eng.service_state(sid, cmd.now)[0]
    eng.touch_meta()
    wire = eng.service_wire(sid, cmd.now)
    cmd.events.append((Event.SERVICE_CHANGED, {"service": wire}))
    return wire


# ---------------------------------------------------------------- services today
def pause_issuing(eng: Engine, cmd: Command) -> dict[str, Any]:
    sid = _service(eng, cmd.args["service"])
    eng.issuing_paused[sid] = cmd.args["reason"]
    return _service_changed(eng, cmd, sid)


def resume_issuing(eng: Engine, cmd: Command) -> dict[str, Any]:
    sid = _service(eng, cmd.args["service"])
    eng.issuing_paused.pop(sid, None)
    return _service_changed(eng, cmd, sid)


def set_quota(eng: Engine, cmd: Command) -> dict[str, Any]:
    sid, lane, quota = _service(eng, cmd.args["service"]), cmd.args["lane"], cmd.args["quota"]
    if lane not in eng.service_cfg[sid].lanes:
        raise EngineError(ErrorCode.BAD_REQUEST, "err_lane_not_offered", lane=lane,
                          service=sid)
    today = eng.quota_today.setdefault(sid, {})
    if quota is None:  # back to the configured one
        today.pop(lane, None)
    else:
        today[lane] = quota
    if not today:
        del eng.quota_today[sid]
    return _service_changed(eng, cmd, sid)


# ---------------------------------------------------------------- tickets
def move_ticket(eng: Engine, cmd: Command) -> dict[str, Any]:
    """A waiting ticket to another service, lane or counter; it keeps its place (by the
    time it joined), goes to the front of its new line or to its back."""
    ticket = eng.find_ticket(cmd.args["ticket"])
    if ticket.status != lc.WAITING:
        raise EngineError(ErrorCode.INVALID_STATE, "err_ticket_state", number=ticket.number,
                          status=ticket.status, action="move_ticket")
    target = _service(eng, cmd.args["service"] or ticket.service)
    svc = eng.service_cfg[target]
    stage = ticket.stage if target == ticket.service else svc.stages[0]
    lane = cmd.args["lane"] or (ticket.lane if ticket.lane in svc.lanes else svc.lanes[0])
    if lane not in svc.lanes:
        raise EngineError(ErrorCode.BAD_REQUEST, "err_lane_not_offered", lane=lane,
                          service=target)
    to_counter, position = cmd.args["to_counter"], cmd.args["position"] or "keep"
    if to_counter is not None:
        eng.counter(to_counter)
        require_scope(eng, to_counter, ticket, (target, lane, stage), ErrorCode.BAD_REQUEST)
    previous = {"service": ticket.service, "stage": ticket.stage, "lane": ticket.lane,
                "counter": ticket.reserved_counter, "queued_at": eng.iso(ticket.queued_at),
                "called_at": None, "started_at": None}
    eng.lines.remove(ticket)
    ticket.service, ticket.stage, ticket.lane = target, stage, lane
    ticket.reserved_counter = to_counter
    ticket.transfers += 1
    join_line(eng, ticket, position, cmd.now)
    return ticket_event(eng, cmd, Event.TICKET_TRANSFERRED, ticket, **{
        "from": previous, "to_counter": to_counter, "note": None,
        "officer": cmd.actor.officer, "by": cmd.actor.officer, "position": position})


def reprint(eng: Engine, cmd: Command) -> dict[str, Any]:
    """Ask a kiosk to print a ticket of today again (the hub checked that `kiosk` is a
    paired kiosk); it takes the request with `take_reprint`."""
    ticket = eng.find_ticket(cmd.args["ticket"])
    request = eng.new_token()
    eng.reprints[request] = {"ticket": ticket.id, "kiosk": cmd.args["kiosk"],
                             "at": eng.iso(cmd.now)}
    eng.touch_meta()
    cmd.events.append((Event.REPRINT_REQUESTED, {"request": request, "ticket": ticket.number,
                                                 "kiosk": cmd.args["kiosk"]}))
    return {}


def take_reprint(eng: Engine, cmd: Command) -> dict[str, Any]:
    """The kiosk a reprint was asked of takes it, once: the whole ticket, to print."""
    entry = eng.reprints.get(cmd.args["request"])
    if entry is None or entry["kiosk"] != cmd.actor.device or entry["ticket"] not in eng.tickets:
        raise EngineError(ErrorCode.NOT_FOUND, "err_unknown_reprint")
    del eng.reprints[cmd.args["request"]]
    eng.touch_meta()
    return {**eng.ticket_wire(eng.tickets[entry["ticket"]]), "reprint": True}


# ---------------------------------------------------------------- the calendar
def set_holidays(eng: Engine, cmd: Command) -> dict[str, Any]:
    """The office's holidays (and cuti bersama), all of them at once: on those days every
    service is closed (`closed_reason` "holiday", the day's name on the kiosks)."""
    days: dict[str, dict[str, str]] = {}
    for i, row in enumerate(cmd.args["days"]):
        try:
            if not isinstance(row, dict):
                raise ValueError
            day = date.fromisoformat(row.get("date")).isoformat()
            name = check_value(HOLIDAY_NAME, row.get("name"))
        except (TypeError, ValueError):
            raise EngineError(ErrorCode.BAD_REQUEST, "err_holiday_row", row=i + 1) from None
        if day in days:
            raise EngineError(ErrorCode.BAD_REQUEST, "err_holiday_twice", row=i + 1, date=day)
        days[day] = name
    eng.holidays = days
    eng.touch_meta()
    for sid in eng.service_cfg:
        eng.update_service_open(sid, cmd.now, cmd.events)
    wire = eng.holidays_wire()
    cmd.events.append((Event.CALENDAR_CHANGED, {"days": wire}))
    return {"days": wire}


# ---------------------------------------------------------------- for the hub
def officer_serving(eng: Engine, officer: str) -> Ticket | None:
    """The ticket an officer has called or serves, if any."""
    return next((eng.tickets[c.ticket] for c in eng.counters.values()
                 if c.officer == officer and c.ticket in eng.tickets), None)


def end_officer_sessions(eng: Engine, officer: str, events: list) -> None:
    """An officer disabled: every counter they are logged in at closes (the hub has made
    sure they serve no ticket)."""
    for state in eng.counters.values():
        if state.officer == officer and state.status != lc.COUNTER_CLOSED:
            eng.close_counter(state, "logout", "officer_disabled", events)


def device_offline(eng: Engine, device: str, role: str, now: datetime) -> tuple[str, dict]:
    """A paired device's connection has been gone a while: its status is `offline`."""
    entry = {"device": device, "role": role, "status": "offline", "detail": "",
             "at": eng.iso(now)}
    eng.device_status[device] = entry
    eng.touch_meta()
    return Event.DEVICE_STATUS, entry
