"""A kiosk's issuing through a LAN outage: numbers leased while the server is reachable,
and the tickets the kiosk issued from them while it was not, handed over when it is back.

Leases (`lease_numbers`) take the next numbers of the service's daily sequence, the one
regular tickets use: regular numbering continues after them, so a leased number is never
given to anyone else. A lease counts against the day's quota like an issued ticket, so
offline issuing never exceeds a quota. A kiosk holds at most `[kiosk] offline_lease`
unused numbers per service and lane. Leases live in the engine's meta record (a restart
keeps them) and expire at the day's rollover; an unused one is a gap in the numbering,
visible in the audit log (`numbers_leased`).

Sync (`sync_offline`) answers each entry on its own, in order: the ticket as the server
now holds it, or the refusal of that entry. A refused entry changes nothing and costs
the others nothing; each refusal is an `offline_ticket_refused` event (the audit log and
the server's log). Exactly once: the kiosk's id of an entry is its key, so an entry sent
again is answered with the ticket as held (the same content) or refused (other content).
A synced ticket joins its line as if it had been issued at its `issued_at`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from i18n import LANGUAGES
from protocol import ErrorCode, Event
from protocol.messages import NAME_CHARS
from server.engine import lifecycle as lc
from server.engine.handlers.kiosk import _issued, check_issuable
from server.engine.model import Command, EngineError, Ticket, ticket_id, ticket_number

if TYPE_CHECKING:
    from server.engine.core import Engine

# An entry's id is the kiosk's own: "k_<kiosk's device name>_<unique part>" (a uuid), so
# one kiosk's ids can never name another kiosk's tickets.
ENTRY_ID_PART = re.compile(r"[A-Za-z0-9-]{8,64}")
# The status token the kiosk chose and printed in the QR code (secrets.token_urlsafe(16)
# is 22 characters: at least as long, so at least as hard to guess).
STATUS_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")
TICKET_NUMBER = re.compile(r"[A-Z]{1,2}[0-9]{3,6}")  # a prefix and the day's count
# How far a kiosk's issued_at may lie outside today (its clock, corrected by the server's
# time, may still be off a little); within it, the time is taken as the day's edge.
ISSUED_AT_TOLERANCE = timedelta(minutes=5)


def lease_numbers(eng: Engine, cmd: Command) -> dict[str, Any]:
    service, lane, count = cmd.args["service"], cmd.args["lane"], cmd.args["count"]
    kiosk = _kiosk(cmd)
    svc, key, quota = check_issuable(eng, service, lane, cmd.now)
    issued = eng.issued.get(key, 0)
    held = eng.leases.get(kiosk, {}).get(key, {})
    take = min(count, eng.config.kiosk.offline_lease - len(held))
    if quota is not None:
        take = min(take, quota - issued)
    numbers: list[str] = []
    if take > 0:
        for _ in range(take):
            last = eng.numbers.get(svc.prefix, 0) + 1
            eng.numbers[svc.prefix] = last
            numbers.append(ticket_number(svc.prefix, last))
        leased_at = eng.iso(cmd.now)
        held = eng.leases.setdefault(kiosk, {}).setdefault(key, {})
        held.update(dict.fromkeys(numbers, leased_at))
        eng.issued[key] = issued + take
        eng.touch_meta()  # the lease, the numbers and the quota count survive a restart
        cmd.events.append((Event.NUMBERS_LEASED, {"kiosk": kiosk, "service": service,
                                                  "lane": lane, "numbers": numbers}))
        eng.update_service_open(service, cmd.now, cmd.events)  # a quota may close it
    return {"service": service, "lane": lane, "day": eng.day_iso(), "numbers": numbers,
            "held": list(held)}


def sync_offline(eng: Engine, cmd: Command) -> dict[str, Any]:
    kiosk = _kiosk(cmd)
    answers: list[dict[str, Any]] = []
    for index, entry in enumerate(cmd.args["tickets"]):
        raw_id = entry.get("id") if isinstance(entry, dict) else None
        entry_id = raw_id if _is_entry_id(raw_id, kiosk) else None
        try:
            ticket = _sync_entry(eng, cmd, kiosk, entry, index)
        except EngineError as exc:
            code, message = str(exc.code), exc.message(eng.lang)
            answers.append({"id": entry_id, "ok": False,
                            "error": {"code": code, "message": message}})
            cmd.events.append((Event.OFFLINE_TICKET_REFUSED, {
                "kiosk": kiosk, "entry": index + 1, "id": entry_id,
                "number": _checked_or_none(entry, "number", TICKET_NUMBER), "code": code,
                "message": message}))
        else:
            answers.append({"id": entry_id, "ok": True, "ticket": ticket})
    return {"tickets": answers}


def _kiosk(cmd: Command) -> str:
    if not cmd.actor.device:
        raise EngineError(ErrorCode.FORBIDDEN, "err_offline_no_device")
    return cmd.actor.device


def _is_entry_id(value: Any, kiosk: str) -> bool:
    prefix = f"k_{kiosk}_"
    return (isinstance(value, str) and value.startswith(prefix)
            and ENTRY_ID_PART.fullmatch(value[len(prefix):]) is not None)


def _checked_or_none(entry: Any, field: str, pattern: re.Pattern[str]) -> str | None:
    value = entry.get(field) if isinstance(entry, dict) else None
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def _sync_entry(eng: Engine, cmd: Command, kiosk: str, entry: Any,
                index: int) -> dict[str, Any]:
    """One entry: the ticket as held now, or an EngineError before anything changed."""
    def bad(field: str) -> EngineError:
        return EngineError(ErrorCode.BAD_REQUEST, "err_offline_entry", entry=index + 1,
                           field=field)

    if not isinstance(entry, dict):
        raise bad("-")
    entry_id = entry.get("id")
    if not _is_entry_id(entry_id, kiosk):
        raise bad("id")
    number = _checked_or_none(entry, "number", TICKET_NUMBER)
    if number is None:
        raise bad("number")
    service, lane = entry.get("service"), entry.get("lane")
    for field, value in (("service", service), ("lane", lane)):
        if not isinstance(value, str) or not 0 < len(value) <= NAME_CHARS:
            raise bad(field)
    lang = entry.get("lang") or eng.lang
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise bad("lang")
    issued_at = _issued_at(eng, entry.get("issued_at"))
    if issued_at is None:
        raise bad("issued_at")
    token = entry.get("token")
    if token is not None and not (isinstance(token, str) and STATUS_TOKEN.fullmatch(token)):
        raise bad("token")

    digest = _digest(number, service, lane, lang, issued_at, token)
    known = eng.offline_ids.get(entry_id)
    if known is not None:  # sent again (its answer was lost, or the kiosk restarted)
        held_ticket = eng.tickets.get(known[0])
        if known[1] != digest or held_ticket is None:
            raise EngineError(ErrorCode.INVALID_STATE, "err_offline_id_reused", id=entry_id)
        return eng.ticket_wire(held_ticket)

    start = datetime.combine(eng.day, time(0), eng.tz)
    if not start - ISSUED_AT_TOLERANCE <= issued_at < start + timedelta(days=1) \
            + ISSUED_AT_TOLERANCE:
        raise EngineError(ErrorCode.INVALID_STATE, "err_offline_other_day", number=number,
                          issued_at=issued_at.astimezone(eng.tz).isoformat(timespec="minutes"),
                          day=eng.day_iso())
    leases = eng.leases.get(kiosk, {})
    key = f"{service}/{lane}"
    leased_at = leases.get(key, {}).get(number)
    ticket_key = ticket_id(eng.day_iso().replace("-", ""), number)
    if leased_at is None and ticket_key in eng.tickets:
        raise EngineError(ErrorCode.INVALID_STATE, "err_offline_number_used", number=number)
    if leased_at is None:
        leased_as = next((k for k, numbers in leases.items() if number in numbers), None)
        if leased_as is not None:
            raise EngineError(ErrorCode.INVALID_STATE, "err_offline_lease_mismatch",
                              number=number, leased=leased_as, given=key)
        raise EngineError(ErrorCode.INVALID_STATE, "err_offline_not_leased", number=number)
    svc = eng.service_cfg.get(service)
    if svc is None or lane not in svc.lanes or ticket_key in eng.tickets:
        # the office file changed since the lease, or the number is somehow taken
        raise EngineError(ErrorCode.INVALID_STATE, "err_offline_not_leased", number=number)
    if token is not None and eng.find_by_token(token) is not None:
        raise EngineError(ErrorCode.INVALID_STATE, "err_offline_token_taken", number=number)

    # Its place in line: when it was issued, but never before its number was leased nor
    # after now (a kiosk's clock that was still off).
    when = min(max(issued_at, datetime.fromisoformat(leased_at)), cmd.now)
    ticket = Ticket(id=ticket_key, day=eng.day_iso(), number=number, service=service,
                    stage=svc.stages[0], lane=lane, status=lc.WAITING,
                    token=token or eng.new_token(), lang=lang, issued_at=when, queued_at=when,
                    issued_as=key)  # its quota was counted when it was leased
    eng.tickets[ticket.id] = ticket
    eng.lines.add_by_time(ticket)
    eng.touch(ticket)
    del leases[key][number]
    if not leases[key]:
        del leases[key]
    if not leases:
        eng.leases.pop(kiosk, None)
    eng.offline_ids[entry_id] = [ticket.id, digest]
    eng.touch_meta()
    return _issued(eng, cmd, ticket, _ahead(eng, ticket), offline=True)


def _issued_at(eng: Engine, value: Any) -> datetime | None:
    """An ISO date and time (no offset: the office's zone), or None."""
    if not isinstance(value, str) or not 10 < len(value) <= 40:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=eng.tz)
    offset = when.utcoffset()
    return when if offset is not None and abs(offset) <= timedelta(hours=14) else None


def _digest(number: str, service: str, lane: str, lang: str, issued_at: datetime,
            token: str | None) -> str:
    """What an entry says, in a few bytes: an id sent again must say the same."""
    text = "\x1f".join((number, service, lane, lang, issued_at.isoformat(), token or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _ahead(eng: Engine, ticket: Ticket) -> int:
    """Those who came before it at its stage (of a priority lane: of the priority lanes),
    as `Lines.ahead_of_new` counts for a ticket issued now."""
    priority = eng.lines.priority
    return sum(1 for tk in eng.lines.waiting(ticket.service)
               if tk is not ticket and tk.stage == ticket.stage
               and (ticket.lane not in priority or tk.lane in priority)
               and tk.queued_at <= ticket.queued_at)
