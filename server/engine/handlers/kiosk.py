"""What applicants do: take a ticket at the kiosk, check in for an appointment, answer the
satisfaction survey (at a kiosk, on the phone page, on the survey tablet at a counter)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from protocol import APPLICANT, ErrorCode, Event, Role
from server.engine import lifecycle as lc
from server.engine.handlers.counter import acting_counter, require_scope, ticket_event
from server.engine.model import Command, EngineError, Ticket

if TYPE_CHECKING:
    from server.engine.core import Engine

# the phone page acts for whoever holds a ticket's link: by its token, never its id or number
TOKEN_ONLY_ROLES = frozenset({APPLICANT})
TABLET_OFFER = timedelta(minutes=10)  # how long a finished ticket's survey is offered


def check_issuable(eng: Engine, service: str, lane: str, now: datetime
                   ) -> tuple[Any, str, int | None]:
    """A service and lane that issue numbers now (a ticket, or a kiosk's lease of them):
    (the service's config, its "service/lane" key, today's quota or None); else the
    EngineError a kiosk shows."""
    svc = eng.service_cfg.get(service)
    if svc is None:
        raise EngineError(ErrorCode.NOT_FOUND, "err_unknown_service", service=service)
    if lane not in svc.lanes:
        raise EngineError(ErrorCode.BAD_REQUEST, "err_lane_not_offered", lane=lane,
                          service=service)
    key, quota = f"{service}/{lane}", eng.quota(service, lane)  # today's (a supervisor's)
    if quota is not None and eng.issued.get(key, 0) >= quota:
        raise EngineError(ErrorCode.QUOTA_REACHED, "err_quota", service=svc.name.get(eng.lang),
                          lane=eng.lane_cfg[lane].name.get(eng.lang))
    is_open, why = eng.service_state(service, now)
    if not is_open:
        raise EngineError(ErrorCode.SERVICE_CLOSED, f"closed_{why}",
                          service=svc.name.get(eng.lang))
    return svc, key, quota


def issue_ticket(eng: Engine, cmd: Command) -> dict[str, Any]:
    service, lane = cmd.args["service"], cmd.args["lane"]
    svc, key, _quota = check_issuable(eng, service, lane, cmd.now)
    ahead = eng.lines.ahead_of_new(service, svc.stages[0], lane)
    eng.issued[key] = eng.issued.get(key, 0) + 1  # not in the meta record: see restore
    ticket = eng.new_ticket(service, lane, cmd.args["lang"] or eng.lang, cmd.now,
                            issued_as=key)
    payload = _issued(eng, cmd, ticket, ahead)
    # open, as it issued; only a quota can close it now
    eng.update_service_open(service, cmd.now, cmd.events,
                            None if svc.quota or eng.quota_today.get(service) else True)
    return payload


def check_in(eng: Engine, cmd: Command) -> dict[str, Any]:
    code = cmd.args["booking_code"].strip().upper()
    booking = eng.bookings.get(code)
    if booking is None:
        raise EngineError(ErrorCode.NOT_FOUND, "err_unknown_booking")
    rules, slot = eng.config.booking, f"{booking.slot_start.astimezone(eng.tz):%H:%M}"
    if cmd.now < booking.slot_start - timedelta(minutes=rules.checkin_early_minutes):
        raise EngineError(ErrorCode.INVALID_STATE, "err_booking_early", slot=slot)
    if cmd.now > booking.slot_end + timedelta(minutes=rules.checkin_late_minutes):
        raise EngineError(ErrorCode.INVALID_STATE, "err_booking_late", slot=slot)
    svc = eng.service_cfg[booking.service]
    lane = booking.lane if booking.lane in svc.lanes else svc.lanes[0]
    ahead = eng.lines.ahead_of_new(svc.id, svc.stages[0], lane)
    ticket = eng.new_ticket(svc.id, lane, cmd.args["lang"] or eng.lang, cmd.now,
                            booking.slot_start)
    # The code has done its job: forget it (UU 27/2022 — keep only what is needed).
    del eng.bookings[code]
    eng.touch_booking(code)
    return _issued(eng, cmd, ticket, ahead, checked_in=True)


def _issued(eng: Engine, cmd: Command, ticket: Ticket, ahead: int,
            **extra: Any) -> dict[str, Any]:
    """The new ticket as its kiosk gets it, and its `ticket_issued` event."""
    payload = {**eng.ticket_wire(ticket), "ahead": ahead,
               "estimated_wait_s": eng.estimate_wait_s(ticket.service, ahead)}
    cmd.events.append((Event.TICKET_ISSUED, {
        "ticket": payload, "ahead": ahead, "estimated_wait_s": payload["estimated_wait_s"],
        **extra, "service_stats": eng.service_stats(ticket.service)}))
    return payload


def submit_survey(eng: Engine, cmd: Command) -> dict[str, Any]:
    ref, actor = cmd.args["ticket"], cmd.actor
    ticket = eng.find_by_token(ref)
    if ticket is None:
        if actor.role in TOKEN_ONLY_ROLES:
            raise EngineError(ErrorCode.NOT_FOUND, "err_unknown_ticket_token")
        ticket = eng.find_ticket(ref)
    if actor.role == Role.COUNTER:
        require_scope(eng, acting_counter(eng, actor).id, ticket)
    if ticket.status != lc.DONE:
        raise EngineError(ErrorCode.INVALID_STATE, "err_survey_not_done")
    if ticket.surveyed:
        raise EngineError(ErrorCode.INVALID_STATE, "err_survey_twice")
    ticket.surveyed = True  # on its row: the meta record does not grow with them
    eng.touch(ticket)
    # Anonymous: the event names the service and day, never the ticket; the profile is
    # codes (age group, gender, education, occupation), each one optional.
    cmd.events.append((Event.SURVEY_SUBMITTED, {
        "service": ticket.service, "day": eng.day_iso(), "answers": cmd.args["answers"],
        "comment": cmd.args["comment"], "profile": cmd.args["profile"] or {}}))
    return {}


def tablet_survey(eng: Engine, cmd: Command) -> dict[str, Any]:
    """The survey tablet at a counter asks whose survey to show: the status token of
    the ticket finished last at its counter, if that was under 10 minutes ago and its
    survey is not answered yet; else null. Only the last one: an older applicant who
    left without answering is not offered to the next person at the desk."""
    counter = cmd.actor.counter
    if counter is None:
        raise EngineError(ErrorCode.INVALID_STATE, "err_tablet_unbound")
    done = [tk for tk in eng.tickets.values()
            if tk.counter == counter and tk.status == lc.DONE and tk.finished_at]
    # of two finished at once, the one issued later
    last = max(reversed(done), key=lambda tk: tk.finished_at, default=None)
    recent = last is not None and cmd.now - last.finished_at <= TABLET_OFFER
    return {"counter": counter, "token": last.token if recent and not last.surveyed else None}


def cancel_own(eng: Engine, cmd: Command) -> dict[str, Any]:
    """The applicant gives up their place ("Batalkan nomor saya" on the phone page). Found
    by the ticket's secret status token only: an id or a number (printed, called out, on
    the board) finds nothing, so no one cancels someone else's ticket. Only while
    waiting: once called, the officer at the counter decides (no-show, or serve)."""
    ticket = eng.find_by_token(cmd.args["ticket"])
    if ticket is None:
        raise EngineError(ErrorCode.NOT_FOUND, "err_unknown_ticket_token")
    if ticket.status != lc.WAITING:
        raise EngineError(ErrorCode.INVALID_STATE, "err_cancel_own_not_waiting",
                          number=ticket.number)
    eng.move(ticket, "cancel")
    eng.lines.remove(ticket)
    ticket.finished_at = cmd.now
    ticket_event(eng, cmd, Event.TICKET_CANCELLED, ticket, reason="applicant",
                 by=APPLICANT)
    return {"number": ticket.number, "status": ticket.status}
