"""Every wire message of the Antrean protocol (v1), in one place.

The server and all clients import this module; nothing here does I/O. It owns:
the message constructors, frame parsing/validation, error codes, which role may send
which command, and the event names. `docs/protocol.md` is the protocol's reference.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import orjson

PROTOCOL_VERSION = 1
DEFAULT_PORT = 8765
WS_PATH = "/ws"
MAX_FRAME_BYTES = 64 * 1024
BAD_FRAMES_PER_MINUTE = 20
POLICY_VIOLATION = 1008  # WebSocket close code for garbage / auth failures


class Role(StrEnum):
    KIOSK = "kiosk"
    COUNTER = "counter"
    DISPLAY = "display"
    ADMIN = "admin"
    OBSERVER = "observer"
    TABLET = "tablet"  # survey tablet at a counter: paired bound to that counter


ROLES: frozenset[str] = frozenset(r.value for r in Role)
# Roles that receive only what a hall screen shows (`public_event`, `public_snapshot`):
# screens anyone can look at, and devices anyone can walk up to (a kiosk, the survey
# tablet at a desk).
PUBLIC_ROLES: frozenset[str] = frozenset({Role.DISPLAY, Role.OBSERVER, Role.KIOSK,
                                          Role.TABLET})


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNKNOWN_TYPE = "unknown_type"
    UNKNOWN_COMMAND = "unknown_command"
    FORBIDDEN = "forbidden"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"
    QUEUE_EMPTY = "queue_empty"
    SERVICE_CLOSED = "service_closed"
    QUOTA_REACHED = "quota_reached"
    RATE_LIMITED = "rate_limited"
    LOCKED_OUT = "locked_out"  # addition: officer PIN lockout
    INTERNAL = "internal"


DEVICE_STATUSES = ("ok", "paper_near_end", "paper_out", "cover_open", "offline", "unknown")

_K, _C, _D, _A = Role.KIOSK, Role.COUNTER, Role.DISPLAY, Role.ADMIN
_T = Role.TABLET
# who may ask for a one-time report link (a supervisor role joins this set later)
REPORT_ROLES: frozenset[str] = frozenset({_A})
# command name -> roles allowed to send it (the table of the spec, plus documented additions)
COMMAND_ROLES: dict[str, frozenset[str]] = {
    "issue_ticket": frozenset({_K}),
    "check_in": frozenset({_K}),
    "login": frozenset({_C}),
    "logout": frozenset({_C}),
    "call_next": frozenset({_C}),
    "call_ticket": frozenset({_C}),
    "recall": frozenset({_C}),
    "start_service": frozenset({_C}),
    "finish": frozenset({_C}),
    "no_show": frozenset({_C}),
    "transfer": frozenset({_C}),
    "pause": frozenset({_C}),
    "resume": frozenset({_C}),
    "report_device_status": frozenset({_K, _D, _C}),
    "set_announcement": frozenset({_A}),
    "open_counter": frozenset({_A, _C}),
    "close_counter": frozenset({_A, _C}),
    "cancel": frozenset({_C, _A}),
    "ping": frozenset(ROLES),
    # additions
    "import_bookings": frozenset({_A}),
    "submit_survey": frozenset({_K, _C, _A}),
    "tablet_survey": frozenset({_T}),
    "report_link": REPORT_ROLES,
}

# Required args per command (type checks beyond presence happen in the engine).
COMMAND_REQUIRED_ARGS: dict[str, tuple[str, ...]] = {
    "issue_ticket": ("service", "lane"),
    "check_in": ("booking_code",),
    "login": ("officer", "pin", "counter"),
    "logout": (),
    "call_next": ("counter",),
    "call_ticket": ("counter", "ticket"),
    "recall": ("counter",),
    "start_service": ("counter",),
    "finish": ("counter",),
    "no_show": ("counter",),
    "transfer": ("counter", "service"),
    "pause": ("counter",),
    "resume": ("counter",),
    "report_device_status": ("status",),
    "set_announcement": ("text",),
    "open_counter": ("counter",),
    "close_counter": ("counter",),
    "cancel": ("ticket",),
    "ping": (),
    "import_bookings": ("bookings",),
    "submit_survey": ("ticket", "answers"),
    "tablet_survey": (),
    "report_link": ("from", "to", "format"),
}


class Event(StrEnum):
    TICKET_ISSUED = "ticket_issued"
    TICKET_CALLED = "ticket_called"
    TICKET_RECALLED = "ticket_recalled"
    SERVICE_STARTED = "service_started"
    TICKET_FINISHED = "ticket_finished"
    TICKET_NO_SHOW = "ticket_no_show"
    TICKET_TRANSFERRED = "ticket_transferred"
    TICKET_CANCELLED = "ticket_cancelled"
    COUNTER_OPENED = "counter_opened"
    COUNTER_PAUSED = "counter_paused"
    COUNTER_CLOSED = "counter_closed"
    DAY_ROLLED_OVER = "day_rolled_over"
    ANNOUNCEMENT = "announcement"
    DEVICE_STATUS = "device_status"
    ALERT = "alert"
    ALERT_CLEARED = "alert_cleared"
    # additions
    SERVICE_CHANGED = "service_changed"  # a service opened/closed (hours, cut-off, quota)
    OFFICER_LOGGED_IN = "officer_logged_in"
    OFFICER_LOGGED_OUT = "officer_logged_out"
    BOOKINGS_IMPORTED = "bookings_imported"
    SURVEY_SUBMITTED = "survey_submitted"


EVENT_NAMES: frozenset[str] = frozenset(e.value for e in Event)


class ProtocolError(Exception):
    """A frame that is not a valid message; `code` is an ErrorCode."""

    def __init__(self, code: str, message: str, msg_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.msg_id = msg_id


# ---- encoding ---------------------------------------------------------------------

# orjson, not the standard library's json: every event is encoded once per audience and
# every frame a client sends is parsed, on the server's one event loop, and orjson does
# both in a fraction of the standard library's time.
# Output is compact UTF-8 JSON like json.dumps(ensure_ascii=False, separators=(",", ":")).
# Non-str keys are written as strings, as json does; NaN/Infinity become null (valid JSON).
_ENCODE_OPTIONS = orjson.OPT_NON_STR_KEYS


def encode(message: Any) -> str:
    return encode_bytes(message).decode()


def encode_bytes(message: Any) -> bytes:
    """`encode` as UTF-8 bytes (what a frame or an HTTP body carries)."""
    try:
        return orjson.dumps(message, option=_ENCODE_OPTIONS)
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits; the standard library writes them (no
        # message of ours has one, but a payload must never fail to encode for it)
        return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


def _json_str(text: str) -> str:
    return orjson.dumps(text).decode()


def parse(frame: str | bytes) -> dict[str, Any]:
    """Parse and validate one incoming frame. Raises ProtocolError with a stable code."""
    if isinstance(frame, bytes):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "binary frames are not accepted")
    # a character is at most 4 bytes: only a long frame needs to be measured in bytes
    if len(frame) > MAX_FRAME_BYTES // 4 and \
            len(frame.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"frame larger than {MAX_FRAME_BYTES} bytes")
    try:
        msg = orjson.loads(frame)
    except (ValueError, RecursionError) as exc:  # orjson.JSONDecodeError is a ValueError
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"invalid JSON: {exc}") from None
    if not isinstance(msg, dict):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "a message must be a JSON object")
    mtype = msg.get("type")
    if not isinstance(mtype, str):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "missing string field 'type'")
    validator = _VALIDATORS.get(mtype)
    if validator is None:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {mtype!r}")
    validator(msg)
    return msg


def _require(msg: dict, key: str, kind: type | tuple[type, ...], what: str) -> None:
    value = msg.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"{msg['type']}: '{key}' must be {what}",
                            msg.get("id") if isinstance(msg.get("id"), str) else None)


def _validate_hello(msg: dict) -> None:
    _require(msg, "role", str, "a role")
    if msg["role"] not in ROLES:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"unknown role {msg['role']!r}")
    if msg.get("protocol", PROTOCOL_VERSION) != PROTOCOL_VERSION:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"unsupported protocol {msg.get('protocol')!r}")
    for key in ("device", "token"):
        if msg.get(key) is not None and not isinstance(msg[key], str):
            raise ProtocolError(ErrorCode.BAD_REQUEST, f"hello: '{key}' must be a string")
    last_seq = msg.get("last_seq", 0)
    if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "hello: 'last_seq' must be an integer >= 0")


def _validate_command(msg: dict) -> None:
    _require(msg, "id", str, "a string")
    if not 0 < len(msg["id"]) <= 128:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "command: 'id' must be 1-128 characters")
    _require(msg, "name", str, "a string")
    args = msg.setdefault("args", {})
    if args is None:
        msg["args"] = args = {}
    if not isinstance(args, dict):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "command: 'args' must be an object", msg["id"])
    if msg["name"] not in COMMAND_ROLES:
        raise ProtocolError(ErrorCode.UNKNOWN_COMMAND, f"unknown command {msg['name']!r}",
                            msg["id"])
    missing = [a for a in COMMAND_REQUIRED_ARGS[msg["name"]] if args.get(a) in (None, "")]
    if missing:
        raise ProtocolError(ErrorCode.BAD_REQUEST,
                            f"{msg['name']}: missing argument(s) {', '.join(missing)}", msg["id"])


def _validate_resync(msg: dict) -> None:
    last_seq = msg.get("last_seq")
    if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "resync: 'last_seq' must be an integer >= 0")


def _no_check(msg: dict) -> None:
    return None


_VALIDATORS = {
    "hello": _validate_hello,
    "command": _validate_command,
    "resync": _validate_resync,
    # server -> client messages, validated loosely when a client parses them
    "welcome": _no_check,
    "result": _no_check,
    "event": _no_check,
    "error": _no_check,
}


# ---- constructors -----------------------------------------------------------------

def hello(role: str, device: str | None = None, token: str | None = None,
          last_seq: int = 0) -> dict[str, Any]:
    msg: dict[str, Any] = {"type": "hello", "protocol": PROTOCOL_VERSION, "role": role,
                           "last_seq": last_seq}
    if device is not None:
        msg["device"] = device
    if token is not None:
        msg["token"] = token
    return msg


def welcome(server_time: str, seq: int, office: dict, snapshot: dict | None,
            **extra: Any) -> dict[str, Any]:
    return {"type": "welcome", "protocol": PROTOCOL_VERSION, "server_time": server_time,
            "seq": seq, "office": office, "snapshot": snapshot, **extra}


def command(cmd_id: str, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "command", "id": cmd_id, "name": name, "args": args or {}}


def result_ok(cmd_id: str, data: Any = None) -> dict[str, Any]:
    return {"type": "result", "id": cmd_id, "ok": True, "data": data if data is not None else {}}


def result_error(cmd_id: str, code: str, message: str) -> dict[str, Any]:
    return {"type": "result", "id": cmd_id, "ok": False,
            "error": {"code": str(code), "message": message}}


def event(seq: int, at: str, name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "event", "seq": seq, "at": at, "name": name, "data": data}


def event_text(seq: int, at: str, name: str, data_json: str) -> str:
    """`encode(event(...))` around data already encoded with `encode`: byte for byte the
    same text, without serialising the payload a second time."""
    return (f'{{"type":"event","seq":{seq:d},"at":{_json_str(at)},'
            f'"name":{_json_str(name)},"data":{data_json}}}')


def resync(last_seq: int) -> dict[str, Any]:
    return {"type": "resync", "last_seq": last_seq}


def error(code: str, message: str, msg_id: str | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"type": "error", "error": {"code": str(code), "message": message}}
    if msg_id is not None:
        msg["id"] = msg_id
    return msg


# ---- what public roles receive ----------------------------------------------------
# A whitelist: public roles get the fields named here and nothing else, so a field added
# to a ticket, counter or event later stays private until it is listed here on purpose.
# Free text (reasons, notes, survey comments, device names and details), officer
# identities and ticket tokens are never listed.

PUBLIC_TICKET_FIELDS = ("id", "number", "service", "stage", "lane", "status", "counter",
                        "issued_at", "called_at")
PUBLIC_COUNTER_FIELDS = ("id", "name", "zone", "services", "lanes", "stages", "status")
PUBLIC_SERVICE_FIELDS = ("id", "prefix", "name", "lanes", "stages", "open", "closed_reason",
                         "waiting", "estimated_wait_s", "quota", "issued", "info")
PUBLIC_LANE_FIELDS = ("id", "name", "priority")
PUBLIC_OFFICE_FIELDS = ("id", "name", "timezone", "languages", "day", "ticket_footer")
PUBLIC_STATS_FIELDS = ("service", "waiting", "estimated_wait_s")
PUBLIC_REASON_FIELDS = ("code", "text")  # `params` of a call by hand names the officer
# The applicant's own ticket (`/t/<token>.json`): all of it but the token it was found by.
APPLICANT_TICKET_FIELDS = ("id", "number", "service", "stage", "lane", "status", "issued_at",
                           "queued_at", "called_at", "started_at", "finished_at", "counter",
                           "recalls", "booked", "booking_slot", "to_counter", "lang")


def _pick(data: Any, fields: tuple[str, ...]) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    return {k: data[k] for k in fields if k in data}


def public_ticket(ticket: Any) -> dict[str, Any] | None:
    return _pick(ticket, PUBLIC_TICKET_FIELDS)


def public_counter(counter: Any) -> dict[str, Any] | None:
    out = _pick(counter, PUBLIC_COUNTER_FIELDS)
    if out is not None and "ticket" in counter:
        out["ticket"] = public_ticket(counter["ticket"])
    return out


def public_service(service: Any) -> dict[str, Any] | None:
    return _pick(service, PUBLIC_SERVICE_FIELDS)


def public_announcement(announcement: Any) -> dict[str, Any] | None:
    out = _pick(announcement, ("text", "until"))
    if out is not None and "text" in out:
        out["text"] = _pick(out["text"], ("id", "en"))
    return out


def applicant_ticket(ticket: dict[str, Any]) -> dict[str, Any]:
    """The applicant's own ticket, as the phone page shows it (no token)."""
    return {k: ticket[k] for k in APPLICANT_TICKET_FIELDS if k in ticket}


def _recent_call(call: Any) -> dict[str, Any] | None:
    out = _pick(call, ("counter", "at"))
    if out is not None:
        out["ticket"] = public_ticket(call.get("ticket"))
    return out


# event name -> {payload key: projection of its value}; an event not listed here is not
# used by any hall screen and goes to public roles as `{}` (still sent: its seq keeps the
# stream gap-free, and clients resync on a gap).
_SAME = None  # a plain value (a code, a count, a time), passed as it is
_PUBLIC_EVENT_KEYS: dict[str, dict[str, Any]] = {
    "ticket_issued": {"ticket": public_ticket, "service_stats": PUBLIC_STATS_FIELDS},
    "ticket_called": {"ticket": public_ticket, "counter": _SAME, "counter_name": _SAME,
                      "reason": PUBLIC_REASON_FIELDS, "service_stats": PUBLIC_STATS_FIELDS},
    "ticket_recalled": {"ticket": public_ticket, "counter": _SAME, "counter_name": _SAME,
                        "recalls": _SAME},
    "service_started": {"ticket": public_ticket, "counter": _SAME},
    "ticket_finished": {"ticket": public_ticket, "counter": _SAME,
                        "service_stats": PUBLIC_STATS_FIELDS},
    "ticket_no_show": {"ticket": public_ticket, "counter": _SAME},
    "ticket_transferred": {"ticket": public_ticket},
    "ticket_cancelled": {"ticket": public_ticket},
    "counter_opened": {"counter": public_counter},
    "counter_paused": {"counter": public_counter},
    "counter_closed": {"counter": public_counter},
    "day_rolled_over": {"day": _SAME, "previous_day": _SAME},
    "announcement": {"text": lambda text: _pick(text, ("id", "en")), "until": _SAME},
    "service_changed": {"service": public_service},
}


def public_event(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event's payload as public roles receive it: only what a hall screen shows."""
    keys = _PUBLIC_EVENT_KEYS.get(name)
    if keys is None or not isinstance(data, dict):
        return {}
    out: dict[str, Any] = {}
    for key, project in keys.items():
        if key not in data:
            continue
        value = data[key]
        if project is _SAME:
            out[key] = value if not isinstance(value, (dict, list)) else None
        elif isinstance(project, tuple):
            out[key] = _pick(value, project)
        else:
            out[key] = project(value)
    return out


def public_snapshot(snap: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as public roles receive it: what a hall screen shows (no alerts, no
    device status, no officers, no tokens, no free text)."""
    return {
        "office": _pick(snap.get("office"), PUBLIC_OFFICE_FIELDS) or {},
        "lanes": [_pick(lane, PUBLIC_LANE_FIELDS) for lane in snap.get("lanes") or []],
        "services": [public_service(s) for s in snap.get("services") or []],
        "counters": [public_counter(c) for c in snap.get("counters") or []],
        "waiting": [public_ticket(tk) for tk in snap.get("waiting") or []],
        "recent_calls": [_recent_call(c) for c in snap.get("recent_calls") or []],
        "announcement": public_announcement(snap.get("announcement")),
        "alerts": [],
        "device_status": [],
    }
