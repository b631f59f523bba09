"""The office's: the hall's running text and the day's appointments (the admin's), each
device's health (as it reports it) and a ping (anyone's)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from i18n import t
from protocol import ErrorCode, Event
from protocol.messages import NOT_PLAIN
from server.engine.model import Booking, Command, EngineError

if TYPE_CHECKING:
    from server.engine.core import Engine

# Booking imports: a slot is today's, a past week's (a late import) or within a year;
# without an end it lasts an hour, and none lasts longer than a day.
BOOKING_CODE_CHARS = 64
BOOKING_DAYS_BACK = 7
BOOKING_DAYS_AHEAD = 366
BOOKING_DEFAULT_SLOT = timedelta(hours=1)
BOOKING_LONGEST_SLOT = timedelta(hours=24)


def ping(eng: Engine, cmd: Command) -> dict[str, Any]:
    return {"server_time": eng.iso(cmd.now)}


def report_device_status(eng: Engine, cmd: Command) -> dict[str, Any]:
    device = cmd.actor.device or "unknown"
    entry = {"device": device, "role": cmd.actor.role, "status": cmd.args["status"],
             "detail": cmd.args["detail"], "at": eng.iso(cmd.now)}
    eng.device_status[device] = entry
    eng.touch_meta()
    cmd.events.append((Event.DEVICE_STATUS, entry))
    return {}


def set_announcement(eng: Engine, cmd: Command) -> dict[str, Any]:
    text, until = cmd.args["text"], cmd.args["until"]
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=eng.tz)
    eng.announcement = {"text": text, "until": until and until.isoformat()} \
        if text["id"] or text["en"] else None
    eng.touch_meta()
    cmd.events.append((Event.ANNOUNCEMENT, eng.announcement or {"text": None, "until": None}))
    return {}


def import_bookings(eng: Engine, cmd: Command) -> dict[str, Any]:
    # every row is checked before any is kept: a refused file imports nothing
    parsed = [parse_booking(eng, row, i) for i, row in enumerate(cmd.args["bookings"])]
    for booking in parsed:
        eng.bookings[booking.code] = booking
        eng.touch_booking(booking.code)
    cmd.events.append((Event.BOOKINGS_IMPORTED, {"count": len(parsed)}))
    return {"imported": len(parsed)}


def parse_booking(eng: Engine, row: Any, index: int = 0) -> Booking:
    """One booking row {code, service, slot_start, slot_end?, lane?} → Booking.

    Every field is checked for its type and range here, before anything is kept: a
    refused row is `bad_request` naming the row and the field, and refuses its file.
    """
    def bad(name: str, problem: str, **params: Any) -> EngineError:
        return EngineError(ErrorCode.BAD_REQUEST, "err_booking_row", row=index + 1,
                           field=name, problem=t(f"server.{problem}", eng.lang, **params))

    if not isinstance(row, dict):
        raise EngineError(ErrorCode.BAD_REQUEST, "err_booking_not_object", row=index + 1)
    for key in ("code", "service", "slot_start", "slot_end", "lane"):
        value = row.get(key)
        if value is not None and not isinstance(value, str):
            raise bad(key, "booking_not_text")
    code = (row.get("code") or "").strip().upper()
    if not code:
        raise bad("code", "booking_missing")
    if len(code) > BOOKING_CODE_CHARS or NOT_PLAIN.search(code):
        raise bad("code", "booking_bad_code", limit=BOOKING_CODE_CHARS)
    service = row.get("service")
    if not service:
        raise bad("service", "booking_missing")
    if service not in eng.service_cfg:
        raise bad("service", "booking_unknown", value=repr(str(service)[:40]))
    lane = row.get("lane") or next(lane.id for lane in eng.config.lanes if not lane.priority)
    if lane not in eng.lane_cfg:
        raise bad("lane", "booking_unknown", value=repr(lane[:40]))
    first = eng.day - timedelta(days=BOOKING_DAYS_BACK)
    last = eng.day + timedelta(days=BOOKING_DAYS_AHEAD)
    out_of_range = {"problem": "booking_out_of_range", "first": first.isoformat(),
                    "last": last.isoformat()}
    start = _booking_time(row.get("slot_start"), bad, "slot_start")
    end_text = row.get("slot_end")
    end = _booking_time(end_text, bad, "slot_end") if end_text else None
    # Range first, on the dates as written (an offset moves them by less than a day):
    # a time near year 1 or 9999 cannot be moved to the office's zone or given an hour.
    for name, value in (("slot_start", start), ("slot_end", end)):
        if value is not None and not (first - timedelta(days=1) <= value.date()
                                      <= last + timedelta(days=1)):
            raise bad(name, **out_of_range)
    if end is not None and (start.tzinfo is None) != (end.tzinfo is None):
        raise bad("slot_end", "booking_mixed_offsets")
    start = start if start.tzinfo else start.replace(tzinfo=eng.tz)
    if not first <= eng.local_date(start) <= last:
        raise bad("slot_start", **out_of_range)
    if end is None:
        end = start + BOOKING_DEFAULT_SLOT
    end = end if end.tzinfo else end.replace(tzinfo=eng.tz)
    if end <= start:
        raise bad("slot_end", "booking_end_before_start")
    if end - start > BOOKING_LONGEST_SLOT:
        raise bad("slot_end", "booking_slot_too_long",
                  hours=int(BOOKING_LONGEST_SLOT.total_seconds() // 3600))
    return Booking(code, service, start, end, lane)


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
