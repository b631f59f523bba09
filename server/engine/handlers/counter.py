"""The counter's commands: an officer's session, calling and serving, the counter's status.

A counter device acts only through the counter its officer is logged in at (its device
and session), and only on tickets of that counter's services, lanes and stages. The
admin acts for any counter (`open_counter`, `close_counter`) and on any ticket (`cancel`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from protocol import ErrorCode, Event, Role
from server.engine import lifecycle as lc
from server.engine.model import Actor, Command, CounterState, EngineError, Ticket
from server.engine.policy import Reason, manual_reason, pick

if TYPE_CHECKING:
    from server.engine.core import Engine

# act on any ticket and for any counter
OFFICE_WIDE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
FRONT_MARGIN = timedelta(milliseconds=1)  # a ticket put at the front: just before the head


# ---------------------------------------------------------------- who acts where
def named_counter(eng: Engine, cmd: Command) -> CounterState:
    """The counter the command names, if its sender may act for it: a counter device only
    on the connection its officer logged in on (or resumed with the session secret)."""
    cid, actor = cmd.args["counter"], cmd.actor
    state = eng.counter(cid)
    if actor.role == Role.COUNTER and (state.device != actor.device or state.session is None
                                       or state.session != actor.session):
        raise EngineError(ErrorCode.FORBIDDEN, "err_not_logged_in", counter=cid)
    return state


def acting_counter(eng: Engine, actor: Actor, code: str = ErrorCode.FORBIDDEN) -> CounterState:
    """The counter a counter device's officer is logged in at: all it may act for."""
    state = next((c for c in eng.counters.values() if actor.session is not None
                  and c.device == actor.device and c.session == actor.session), None)
    if state is None:
        raise EngineError(code, "err_not_logged_in_any")
    return state


def require_scope(eng: Engine, counter_id: str, ticket: Ticket,
                  to: tuple[str, str, str] | None = None,
                  code: str = ErrorCode.FORBIDDEN) -> None:
    """A counter acts only on tickets of its configured `services`, `lanes` and `stages`:
    where the ticket is, or goes `to` (service, lane, stage)."""
    service, lane, stage = to or (ticket.service, ticket.lane, ticket.stage)
    cfg = eng.counter_cfg[counter_id]
    names = {"number": ticket.number, "counter": cfg.name}
    if service not in cfg.services:
        raise EngineError(code, "err_scope_service", service=service, **names)
    if cfg.lanes is not None and lane not in cfg.lanes:
        raise EngineError(code, "err_scope_lane", lane=lane, **names)
    if cfg.stages is not None and stage not in cfg.stages:
        raise EngineError(code, "err_scope_stage", stage=stage, **names)


def serving(eng: Engine, cmd: Command) -> tuple[CounterState, Ticket]:
    """The counter the command names and the ticket it has called or serves."""
    state = named_counter(eng, cmd)
    if state.ticket not in eng.tickets:
        raise EngineError(ErrorCode.INVALID_STATE, "err_no_current_ticket", counter=state.id)
    return state, eng.tickets[state.ticket]


def require_free(eng: Engine, state: CounterState) -> None:
    if state.ticket:
        raise EngineError(ErrorCode.INVALID_STATE, "err_finish_first",
                          number=eng.tickets[state.ticket].number)


def release(eng: Engine, state: CounterState) -> None:
    state.ticket = None
    state.call_reason = None
    eng.touch_counter(state)


def ticket_event(eng: Engine, cmd: Command, event: str, ticket: Ticket,
                 **data: Any) -> dict[str, Any]:
    """The ticket's `event` (the ticket, then `data`); the ticket as its result."""
    wire = eng.ticket_wire(ticket)
    cmd.events.append((event, {"ticket": wire, **data}))
    return wire


def counter_event(eng: Engine, cmd: Command, event: str, state: CounterState,
                  **data: Any) -> dict[str, Any]:
    """The counter's `event` (the counter, then `data`); the counter as its result."""
    cmd.events.append((event, {"counter": eng.counter_wire(state.id), **data}))
    return eng.counter_wire(state.id)


def _officer_stats(eng: Engine, officer: str) -> dict[str, float]:
    eng.touch_meta()
    return eng.officer_stats.setdefault(officer, {"served": 0, "no_show": 0, "service_s": 0.0})


# ---------------------------------------------------------------- an officer's session
def login(eng: Engine, cmd: Command) -> dict[str, Any]:
    actor, cid = cmd.actor, cmd.args["counter"]
    if actor.officer is None:  # the hub verifies the PIN and sets the officer
        raise EngineError(ErrorCode.UNAUTHORIZED, "err_login")
    state = eng.counter(cid)
    if state.device not in (None, actor.device) and state.officer != actor.officer:
        raise EngineError(ErrorCode.INVALID_STATE, "err_counter_taken", counter=cid,
                          officer=state.officer_name or state.officer)
    # One officer, one counter; one device, one counter. Check every other counter
    # before closing any: a refused login must change nothing.
    others = [other for other in eng.counters.values()
              if other.id != cid and other.status != lc.COUNTER_CLOSED
              and (other.officer == actor.officer or other.device == actor.device)]
    for other in others:
        if other.ticket:
            raise EngineError(ErrorCode.INVALID_STATE, "err_busy_elsewhere", counter=other.id)
    for other in others:
        eng.close_counter(other, "logout", "moved", cmd.events)
    eng.move_counter(state, "login")
    state.officer, state.officer_name = actor.officer, actor.officer_name
    state.device, state.session = actor.device, actor.session
    _officer_stats(eng, actor.officer)
    cmd.events.append((Event.OFFICER_LOGGED_IN, {"counter": cid, "officer": actor.officer,
                                                 "officer_name": actor.officer_name}))
    cmd.events.append((Event.COUNTER_OPENED, {"counter": eng.counter_wire(cid)}))
    return {"officer": {"id": actor.officer, "name": actor.officer_name},
            "counter": eng.counter_wire(cid)}


def logout(eng: Engine, cmd: Command) -> dict[str, Any]:
    state = acting_counter(eng, cmd.actor, ErrorCode.INVALID_STATE)
    require_free(eng, state)
    eng.close_counter(state, "logout", "logout", cmd.events)
    return {}


# ---------------------------------------------------------------- calling and serving
def _require_calling(eng: Engine, state: CounterState) -> None:
    if state.status not in lc.CALLING:
        raise EngineError(ErrorCode.INVALID_STATE, "err_counter_status", counter=state.id,
                          status=state.status)
    require_free(eng, state)


def _call(eng: Engine, cmd: Command, state: CounterState, ticket: Ticket,
          reason: Reason) -> dict[str, Any]:
    eng.move(ticket, "call")
    eng.lines.remove(ticket)
    ticket.reserved_counter = None
    ticket.called_at, ticket.counter, ticket.officer = cmd.now, state.id, state.officer
    ticket.recalls, ticket.recalled_at = 0, None
    state.ticket = ticket.id
    state.call_reason = reason.to_wire()
    if reason.code != "manual":
        state.consecutive_priority = (state.consecutive_priority + 1
                                      if ticket.lane in eng.lines.priority else 0)
    eng.touch_counter(state)
    # a reference, not a copy: keeps the meta record small (it is written per commit)
    eng.recent_calls.append({"ticket": ticket.id, "counter": state.id, "at": eng.iso(cmd.now)})
    eng.touch_meta()
    wire = ticket_event(eng, cmd, Event.TICKET_CALLED, ticket, counter=state.id,
                        counter_name=eng.counter_cfg[state.id].name, reason=reason.to_wire(),
                        officer=state.officer, service_stats=eng.service_stats(ticket.service))
    return {**wire, "reason": reason.to_wire()}


def call_next(eng: Engine, cmd: Command) -> dict[str, Any]:
    state = named_counter(eng, cmd)
    _require_calling(eng, state)
    picked = pick(eng.lines.by_key, eng.lines.reserved[state.id], eng.lines.eligible[state.id],
                  cmd.now, eng.config.policy, state.consecutive_priority)
    if picked is None:
        raise EngineError(ErrorCode.QUEUE_EMPTY, "err_queue_empty", counter=state.id)
    return _call(eng, cmd, state, *picked)


def call_ticket(eng: Engine, cmd: Command) -> dict[str, Any]:
    state = named_counter(eng, cmd)
    _require_calling(eng, state)
    ticket = eng.find_ticket(cmd.args["ticket"])
    require_scope(eng, state.id, ticket)
    return _call(eng, cmd, state, ticket, manual_reason(state.officer))


def recall(eng: Engine, cmd: Command) -> dict[str, Any]:
    state, ticket = serving(eng, cmd)
    eng.move(ticket, "recall")
    if ticket.recalls >= eng.config.policy.max_recalls:
        return _no_show(eng, cmd, state, ticket, cause="recalls")
    ticket.recalls += 1
    ticket.recalled_at = cmd.now
    return ticket_event(eng, cmd, Event.TICKET_RECALLED, ticket, counter=state.id,
                        counter_name=eng.counter_cfg[state.id].name, recalls=ticket.recalls)


def start_service(eng: Engine, cmd: Command) -> dict[str, Any]:
    state, ticket = serving(eng, cmd)
    eng.move(ticket, "start_service")
    ticket.started_at = cmd.now
    return ticket_event(eng, cmd, Event.SERVICE_STARTED, ticket, counter=state.id)


def finish(eng: Engine, cmd: Command) -> dict[str, Any]:
    state, ticket = serving(eng, cmd)
    eng.move(ticket, "finish")
    ticket.finished_at = cmd.now
    service_s = (cmd.now - (ticket.started_at or cmd.now)).total_seconds()
    eng.observed[ticket.service].append(service_s)
    if state.officer:
        stats = _officer_stats(eng, state.officer)
        stats["served"] += 1
        stats["service_s"] += service_s
    release(eng, state)
    return ticket_event(eng, cmd, Event.TICKET_FINISHED, ticket, counter=state.id,
                        service_s=service_s, officer=state.officer,
                        stats=eng.counter_wire(state.id)["stats"],
                        service_stats=eng.service_stats(ticket.service))


def no_show(eng: Engine, cmd: Command) -> dict[str, Any]:
    return _no_show(eng, cmd, *serving(eng, cmd), cause="officer")


def _no_show(eng: Engine, cmd: Command, state: CounterState, ticket: Ticket,
             cause: str) -> dict[str, Any]:
    """`cause`: the officer said so, the recalls ran out ("recalls") or the time after the
    last call did ("timeout"); the last two are `auto`."""
    eng.move(ticket, "no_show")
    ticket.finished_at = cmd.now
    if state.officer:
        _officer_stats(eng, state.officer)["no_show"] += 1
    release(eng, state)
    return ticket_event(eng, cmd, Event.TICKET_NO_SHOW, ticket, counter=state.id,
                        auto=cause != "officer", cause=cause,
                        stats=eng.counter_wire(state.id)["stats"])


def no_show_deadline(eng: Engine, ticket: Ticket) -> datetime | None:
    """When a called ticket whose service has not started becomes a no-show by itself
    (`[policy] no_show_after_minutes` after its last call or recall); None: never."""
    minutes = eng.config.policy.no_show_after_minutes
    if not minutes or ticket.status != lc.CALLED or ticket.called_at is None:
        return None
    return (ticket.recalled_at or ticket.called_at) + timedelta(minutes=minutes)


def unanswered_calls(eng: Engine, cmd: Command) -> None:
    """Time passes (`Engine.tick`): each call unanswered past its deadline is a no-show,
    and its counter is free to call the next."""
    for state in eng.counters.values():
        ticket = eng.tickets.get(state.ticket) if state.ticket else None
        deadline = no_show_deadline(eng, ticket) if ticket else None
        if deadline is not None and deadline <= cmd.now:
            _no_show(eng, cmd, state, ticket, cause="timeout")


def transfer(eng: Engine, cmd: Command) -> dict[str, Any]:
    """To another service or this one's next stage; its line, or one counter's."""
    state, ticket = serving(eng, cmd)
    target, stage, to_counter = cmd.args["service"], cmd.args["stage"], cmd.args["to_counter"]
    svc = eng.service_cfg.get(target)
    if svc is None:
        raise EngineError(ErrorCode.NOT_FOUND, "err_unknown_service", service=target)
    if stage is None:  # another service: its first stage; the same one: its next stage
        same = target == ticket.service and ticket.stage in svc.stages
        at = svc.stages.index(ticket.stage) + 1 if same else 0
        if at >= len(svc.stages):
            raise EngineError(ErrorCode.INVALID_STATE, "err_last_stage", number=ticket.number)
        stage = svc.stages[at]
    if stage not in svc.stages:
        raise EngineError(ErrorCode.BAD_REQUEST, "err_unknown_stage", stage=stage,
                          service=target)
    keep_priority = cmd.args["keep_priority"] is not False
    lane = cmd.args["lane"] or transfer_lane(eng, ticket.lane, target, keep_priority)
    if lane not in svc.lanes:
        raise EngineError(ErrorCode.BAD_REQUEST, "err_lane_not_offered", lane=lane,
                          service=target)
    if to_counter is not None:
        eng.counter(to_counter)
        require_scope(eng, to_counter, ticket, (target, lane, stage), ErrorCode.BAD_REQUEST)
    position = cmd.args["position"] or "back"
    if position not in ("back", "front"):
        raise EngineError(ErrorCode.BAD_REQUEST, "err_bad_position", position=position)
    previous = {"service": ticket.service, "stage": ticket.stage, "counter": state.id,
                "lane": ticket.lane,
                # the visit that ends here, for its anonymised fact (server/store/outbox.py)
                "queued_at": eng.iso(ticket.queued_at), "called_at": eng.iso(ticket.called_at),
                "started_at": eng.iso(ticket.started_at)}
    eng.move(ticket, "transfer")
    if ticket.started_at:  # served here, then sent on: a service time of its service
        eng.observed[ticket.service].append((cmd.now - ticket.started_at).total_seconds())
    ticket.service, ticket.stage, ticket.lane = target, stage, lane
    ticket.called_at = ticket.started_at = ticket.recalled_at = None
    ticket.counter = ticket.officer = None
    ticket.recalls = 0
    ticket.transfers += 1
    ticket.reserved_counter = to_counter
    ticket.queued_at = cmd.now  # its wait at the new line starts now
    join_line(eng, ticket, position, cmd.now)
    release(eng, state)
    return ticket_event(eng, cmd, Event.TICKET_TRANSFERRED, ticket, **{
        "from": previous, "to_counter": to_counter, "note": cmd.args["note"],
        "officer": state.officer, "position": position})


def transfer_lane(eng: Engine, lane: str, service: str, keep_priority: bool) -> str:
    """The lane a ticket sent to `service` waits in: its own where the service offers it;
    a priority ticket (elderly, disabled …) keeps a priority lane unless the officer says
    otherwise; else the service's first regular lane."""
    lanes = eng.service_cfg[service].lanes
    priority = eng.lines.priority
    if lane in priority and not keep_priority:
        return next((ln for ln in lanes if ln not in priority), lanes[0])
    if lane in lanes:
        return lane
    if lane in priority:
        return next((ln for ln in lanes if ln in priority), lanes[0])
    return next((ln for ln in lanes if ln not in priority), lanes[0])


def join_line(eng: Engine, ticket: Ticket, position: str, now: datetime) -> None:
    """A ticket joins its (new) line: at the `back`, as if it came `now`; at the `front`,
    just before the head (its wait counts from there); or where its `queued_at` puts it
    (`keep`)."""
    if position == "back":
        ticket.queued_at = now
        eng.lines.add(ticket)
    else:
        if position == "front":
            head = min((tk.queued_at for tk in eng.lines.line_of(ticket).values()
                        if tk.id != ticket.id), default=None)
            if head is not None:
                ticket.queued_at = min(ticket.queued_at, head - FRONT_MARGIN)
        eng.lines.add_in_order(ticket)
    eng.touch(ticket)


def cancel(eng: Engine, cmd: Command) -> dict[str, Any]:
    ticket, actor = eng.find_ticket(cmd.args["ticket"]), cmd.actor
    if actor.role not in OFFICE_WIDE_ROLES:
        mine = acting_counter(eng, actor)
        require_scope(eng, mine.id, ticket)
        if ticket.counter not in (None, mine.id) and ticket.status in (lc.CALLED, lc.SERVING):
            cfg = eng.counter_cfg.get(ticket.counter)
            raise EngineError(ErrorCode.FORBIDDEN, "err_ticket_elsewhere",
                              number=ticket.number, counter=cfg.name if cfg else ticket.counter)
    eng.move(ticket, "cancel")
    eng.lines.remove(ticket)
    for state in eng.counters.values():
        if state.ticket == ticket.id:
            release(eng, state)
    ticket.finished_at = cmd.now
    return ticket_event(eng, cmd, Event.TICKET_CANCELLED, ticket, reason=cmd.args["reason"],
                        by=actor.officer or actor.device)


def reinstate(eng: Engine, cmd: Command) -> dict[str, Any]:
    """A no-show who came back waits again, at the place it had (its `queued_at`). An
    officer may do it for a ticket of their counter's services within `[policy]
    reinstate_minutes` of the no-show; a supervisor for any, the whole day."""
    ticket, actor = eng.find_ticket(cmd.args["ticket"]), cmd.actor
    if actor.role not in OFFICE_WIDE_ROLES:
        mine = acting_counter(eng, actor)
        require_scope(eng, mine.id, ticket)
        minutes = eng.config.policy.reinstate_minutes
        if ticket.status == lc.NO_SHOW and (
                ticket.finished_at is None
                or cmd.now - ticket.finished_at > timedelta(minutes=minutes)):
            raise EngineError(ErrorCode.FORBIDDEN, "err_reinstate_late",
                              number=ticket.number, minutes=f"{minutes:g}")
    eng.move(ticket, "reinstate")
    ticket.called_at = ticket.started_at = ticket.finished_at = ticket.recalled_at = None
    ticket.counter = ticket.officer = None
    ticket.recalls = 0
    eng.lines.add_in_order(ticket)
    return ticket_event(eng, cmd, Event.TICKET_REINSTATED, ticket, by=actor.officer,
                        service_stats=eng.service_stats(ticket.service))


# ---------------------------------------------------------------- the counter's status
def pause(eng: Engine, cmd: Command) -> dict[str, Any]:
    state = named_counter(eng, cmd)
    require_free(eng, state)
    eng.move_counter(state, "pause")
    state.pause_reason = cmd.args["reason"]
    return counter_event(eng, cmd, Event.COUNTER_PAUSED, state, reason=state.pause_reason)


def resume(eng: Engine, cmd: Command) -> dict[str, Any]:
    state = named_counter(eng, cmd)
    eng.move_counter(state, "resume")
    state.pause_reason = None
    return counter_event(eng, cmd, Event.COUNTER_OPENED, state, reason="resume")


def open_counter(eng: Engine, cmd: Command) -> dict[str, Any]:
    state = named_counter(eng, cmd)
    eng.move_counter(state, "open")
    state.pause_reason = None
    return counter_event(eng, cmd, Event.COUNTER_OPENED, state)


def close_counter(eng: Engine, cmd: Command) -> dict[str, Any]:
    state = named_counter(eng, cmd)
    require_free(eng, state)
    eng.close_counter(state, "close", cmd.args["reason"] or "closed", cmd.events)
    return eng.counter_wire(state.id)
