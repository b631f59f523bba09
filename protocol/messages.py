"""Every wire message of the Antrean protocol (v1), in one place.

The server and all clients import this module; nothing here does I/O. It owns:
the message constructors, frame parsing/validation, error codes, each command's spec
(who may send it, its arguments), and the event names. `docs/protocol.md` is the
protocol's reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import orjson

from i18n import LANGUAGES, t

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
    SUPERVISOR = "supervisor"  # a person at the /admin console: officer id + PIN, no token


ROLES: frozenset[str] = frozenset(r.value for r in Role)
# Roles a device is paired for (a token, or a pairing code); a supervisor is a person.
PAIRED_ROLES: frozenset[str] = frozenset({Role.KIOSK, Role.COUNTER, Role.DISPLAY, Role.ADMIN,
                                          Role.TABLET})
# what a supervisor may pair a waiting device as (`approve_pairing`)
PAIRABLE_ROLES = ("kiosk", "counter", "display", "tablet")
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


# ---- commands: who may send each one, and its arguments ---------------------------
# One spec per command (COMMANDS). Whoever answers a command checks it against its spec
# (`check_args`) before acting on it: the queue engine, or the hub for what it answers.

APPLICANT = "applicant"  # the phone page (HTTP, by a ticket's status token); no socket role
DEVICE_STATUSES = ("ok", "paper_near_end", "paper_out", "cover_open", "offline", "unknown",
                   "help")  # help: an applicant at a kiosk asked for an officer
REPORT_FORMATS = ("html", "xlsx", "csv", "pdf")
NAME_CHARS = 100  # an id, a ticket number or token, a booking code, a PIN
REASON_CHARS = 200  # a reason is one line on a console
NOTE_CHARS = 500  # a transfer note, a device's status detail, an announcement's language
# Free text is one plain line: no control characters (C0, DEL, C1), no line or paragraph
# separators, no bidirectional overrides (they make a log line or a screen read other than
# it is stored), no lone surrogates. A survey comment is typed in a text area: it may
# have line breaks (CR, LF) and tabs.
NOT_PLAIN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                       "\ud800-\udfff]")
_NOT_PLAIN_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
                              "\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class ArgError(ValueError):
    """An argument that breaks its command's spec: `bad_request`, and the server's message
    naming it (and free text's limit) in a language."""

    code = ErrorCode.BAD_REQUEST

    def __init__(self, arg: str, kind: Any = None) -> None:
        super().__init__(arg)
        limit = kind.limit if isinstance(kind, Text | Bilingual) else None
        self.key = "err_bad_text" if limit else "err_bad_arg"
        self.params = {"arg": arg, "limit": limit}

    def message(self, lang: str) -> str:
        return t(f"server.{self.key}", lang, **self.params)


# The kinds of argument (ARGS), and what a value of each must be (`_checked`). An optional
# argument that is absent is its kind's `default`, or None.

@dataclass(frozen=True)
class Str:
    """A string naming something (an id, a ticket number or token, a code, a PIN), or one
    of `values`."""
    limit: int = NAME_CHARS
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Text:
    """Free text: one plain line (`lines`: line breaks and tabs too)."""
    limit: int
    lines: bool = False
    default: str | None = ""


@dataclass(frozen=True)
class Bilingual:
    """{"id": text, "en": text}, each plain text; a string stands for both."""
    limit: int


@dataclass(frozen=True)
class When:
    """An ISO date and time (`date`: a date); without an offset, the office's zone."""
    date: bool = False


@dataclass(frozen=True)
class Scores:
    """Exactly `count` integers from `low` to `high`."""
    count: int
    low: int
    high: int


@dataclass(frozen=True)
class Flag:
    """true or false."""


@dataclass(frozen=True)
class Choices:
    """A record of optional fields, each one of its codes: {"field": "code", ...}."""
    fields: dict[str, tuple[str, ...]]

    def __hash__(self) -> int:
        return hash(tuple(self.fields))


@dataclass(frozen=True)
class Rows:
    """A list of at most `limit` records; its command checks each one (naming its row)."""
    limit: int


@dataclass(frozen=True)
class Count:
    """A whole number from `low` to `high` (a JSON integer, not a bool or a float)."""
    low: int
    high: int


Arg = Str | Text | Bilingual | When | Scores | Choices | Rows | Count | Flag


def _checked(kind: Arg, value: Any) -> Any:
    """`value` as an argument of this kind takes it (or what it stands for); else
    ValueError."""
    match kind:
        case Str() if isinstance(value, str) and len(value) <= kind.limit and (
                not kind.values or value in kind.values):
            return value
        case Text() if isinstance(value, str) and len(value) <= kind.limit and not (
                _NOT_PLAIN_LINES if kind.lines else NOT_PLAIN).search(value):
            return value
        case Bilingual() if isinstance(value, str | dict):
            texts = dict.fromkeys(LANGUAGES, value) if isinstance(value, str) else value
            return {lang: _checked(Text(kind.limit), texts.get(lang)) for lang in LANGUAGES}
        case When() if isinstance(value, str) and len(value) <= 40:
            return (date if kind.date else datetime).fromisoformat(value)
        case Scores() if isinstance(value, list) and len(value) == kind.count and all(
                type(a) is int and kind.low <= a <= kind.high for a in value):
            return value
        case Choices() if isinstance(value, dict) and all(
                isinstance(code, str) and code in kind.fields.get(field, ())
                for field, code in value.items() if code is not None):
            return {field: code for field, code in value.items() if code is not None}
        case Rows() if isinstance(value, list) and len(value) <= kind.limit:
            return value
        case Flag() if isinstance(value, bool):
            return value
        case Count() if type(value) is int and kind.low <= value <= kind.high:
            return value
    raise ValueError


def check_value(kind: Arg, value: Any) -> Any:
    """`value` as an argument of this kind takes it; ValueError if it is not one (for a
    command that checks the records inside a `Rows` argument)."""
    return _checked(kind, value)


# The survey's optional respondent profile (PermenPAN-RB 14/2017's characteristics):
# codes, never free text, so an answer cannot identify anyone; each question may be
# skipped. Labels: i18n `report.profile_<field>_<code>`.
SURVEY_PROFILE: dict[str, tuple[str, ...]] = {
    "age": ("u20", "20_29", "30_39", "40_49", "50_59", "60_up"),
    "gender": ("l", "p"),
    "education": ("sd", "smp", "sma", "d1_d3", "d4_s1", "s2_s3"),
    "occupation": ("pns", "tni_polri", "swasta", "wirausaha", "pelajar", "lainnya"),
}

# Every argument of the protocol, by name: a name means one thing in every command.
ARGS: dict[str, Arg] = {
    "service": Str(), "lane": Str(), "stage": Str(), "counter": Str(), "to_counter": Str(),
    "ticket": Str(), "booking_code": Str(), "officer": Str(), "pin": Str(),
    "lang": Str(values=LANGUAGES), "status": Str(values=DEVICE_STATUSES),
    "format": Str(values=REPORT_FORMATS), "from": When(date=True), "to": When(date=True),
    "until": When(), "reason": Text(REASON_CHARS), "note": Text(NOTE_CHARS, default=None),
    "detail": Text(NOTE_CHARS), "comment": Text(2000, lines=True),  # from a text area
    "text": Bilingual(NOTE_CHARS), "answers": Scores(9, 1, 4), "bookings": Rows(5000),
    "profile": Choices(SURVEY_PROFILE),
    # the supervisor's (see the commands below)
    "name": Text(NAME_CHARS), "code": Str(limit=20), "kiosk": Str(), "request": Str(),
    "role": Str(values=PAIRABLE_ROLES), "position": Str(values=("front", "keep", "back")),
    "quota": Count(0, 100_000), "supervisor": Flag(), "disabled": Flag(),
    "keep_priority": Flag(), "unlock": Flag(),
    "day": When(date=True), "limit": Count(1, 500), "days": Rows(366),
}
# A kiosk's offline issuing: numbers it asks to lease at once, offline tickets per sync.
LEASE_COUNT_MAX = 100
SYNC_BATCH_MAX = 100
ARGS.update({"count": Count(1, LEASE_COUNT_MAX), "tickets": Rows(SYNC_BATCH_MAX)})
# an argument that means something narrower in one command than ARGS says
DEVICE_NAME = Str(limit=40)
BILINGUAL_REASON = Bilingual(REASON_CHARS)


@dataclass(frozen=True)
class CommandSpec:
    """Who may send a command; the arguments it requires (present, not null, not "") and
    those it may have; who answers it: the queue `engine` or the `hub` (no queue state);
    and the arguments the hub acts on before the engine gets the command."""
    roles: frozenset[str]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    answered_by: str = "engine"
    hub_checked: tuple[str, ...] = ()
    kinds: tuple[tuple[str, Arg], ...] = ()  # (argument, its kind here) instead of ARGS'

    def kind(self, arg: str) -> Arg:
        return next((kind for name, kind in self.kinds if name == arg), ARGS[arg])


def _spec(roles: Iterable[str], required: tuple[str, ...] = (),
          optional: tuple[str, ...] = (), **more: Any) -> CommandSpec:
    return CommandSpec(frozenset(roles), required, optional, **more)


_K, _C, _D, _A, _T = Role.KIOSK, Role.COUNTER, Role.DISPLAY, Role.ADMIN, Role.TABLET
_S = Role.SUPERVISOR

COMMANDS: dict[str, CommandSpec] = {
    # a kiosk issues tickets
    "issue_ticket": _spec({_K}, ("service", "lane"), ("lang",)),
    "check_in": _spec({_K}, ("booking_code",), ("lang",)),
    # ... and through a LAN outage: numbers leased while online, tickets issued from them
    # handed over when the server is back (server/engine/handlers/offline.py)
    "lease_numbers": _spec({_K}, ("service", "lane", "count")),
    "sync_offline": _spec({_K}, ("tickets",)),
    # an officer at a counter; the hub checks a login's PIN, and the engine takes the
    # officer from the checked sender (its `Actor`)
    "login": _spec({_C}, ("officer", "pin", "counter"), hub_checked=("officer", "pin")),
    "logout": _spec({_C}),
    "call_next": _spec({_C}, ("counter",)),
    "call_ticket": _spec({_C}, ("counter", "ticket")),
    "recall": _spec({_C}, ("counter",)),
    "start_service": _spec({_C}, ("counter",)),
    "finish": _spec({_C}, ("counter",)),
    "no_show": _spec({_C}, ("counter",)),
    "transfer": _spec({_C}, ("counter", "service"),
                      ("stage", "lane", "to_counter", "note", "position", "keep_priority")),
    "pause": _spec({_C}, ("counter",), ("reason",)),
    "resume": _spec({_C}, ("counter",)),
    "open_counter": _spec({_A, _C, _S}, ("counter",)),
    "close_counter": _spec({_A, _C, _S}, ("counter",), ("reason",)),
    "cancel": _spec({_C, _A, _S}, ("ticket",), ("reason",)),
    # the office's admin (and supervisor)
    "set_announcement": _spec({_A, _S}, ("text",), ("until",)),
    "import_bookings": _spec({_A, _S}, ("bookings",)),
    "report_link": _spec({_A, _S}, ("from", "to", "format"), ("lang",), answered_by="hub"),
    # the supervisor's console (/admin): the day's decisions, people, devices, settings
    "pause_issuing": _spec({_S}, ("service", "reason"), kinds=(("reason", BILINGUAL_REASON),)),
    "resume_issuing": _spec({_S}, ("service",)),
    "set_quota": _spec({_S}, ("service", "lane"), ("quota",)),
    # an officer within `[policy] reinstate_minutes` of the no-show; a supervisor any time
    "reinstate": _spec({_C, _S}, ("ticket",)),
    "move_ticket": _spec({_S}, ("ticket",), ("service", "lane", "to_counter", "position")),
    "reprint": _spec({_S}, ("ticket", "kiosk")),
    "take_reprint": _spec({_K}, ("request",)),
    "set_holidays": _spec({_S}, ("days",)),
    "save_officer": _spec({_S}, ("officer", "name"), ("pin", "supervisor", "disabled", "unlock"),
                          answered_by="hub"),
    "approve_pairing": _spec({_S}, ("code", "name", "role"), ("counter",), answered_by="hub",
                             kinds=(("name", DEVICE_NAME),)),
    "reject_pairing": _spec({_S}, ("code",), answered_by="hub"),
    "revoke_device": _spec({_S}, ("name",), answered_by="hub", kinds=(("name", DEVICE_NAME),)),
    "reload_config": _spec({_S}, answered_by="hub"),
    "audit": _spec({_S}, (), ("day", "officer", "ticket", "limit"), answered_by="hub"),
    "ticket_history": _spec({_S}, ("ticket",), ("day",), answered_by="hub"),
    # several roles
    "report_device_status": _spec({_K, _D, _C}, ("status",), ("detail",)),
    "submit_survey": _spec({_K, _C, _A, APPLICANT}, ("ticket", "answers"),
                           ("comment", "profile")),
    "tablet_survey": _spec({_T}),
    # the applicant gives up their own waiting ticket (phone page, by status token only)
    "cancel_own": _spec({APPLICANT}, ("ticket",)),
    "ping": _spec(ROLES),
}


def check_args(name: str, args: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """`args` as command `name`'s spec has them: each required one present and of its kind
    (ARGS), each optional one of its kind or (absent, null or "") its kind's default.
    Arguments the spec does not name, and those in `skip`, are left out. Raises ArgError
    naming the first bad argument."""
    spec, checked = COMMANDS[name], {}
    for arg in spec.required + spec.optional:
        value, kind = args.get(arg), spec.kind(arg)
        if arg in skip:
            continue
        if value is None or value == "":
            if arg in spec.required:
                raise ArgError(arg)
            checked[arg] = getattr(kind, "default", None)
        else:
            try:
                checked[arg] = _checked(kind, value)
            except ValueError:
                raise ArgError(arg, kind) from None
    return checked


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
    NUMBERS_LEASED = "numbers_leased"  # a kiosk leased numbers for offline issuing
    OFFLINE_TICKET_REFUSED = "offline_ticket_refused"  # a synced entry was refused
    # the supervisor's
    TICKET_REINSTATED = "ticket_reinstated"
    REPRINT_REQUESTED = "reprint_requested"
    OFFICER_CHANGED = "officer_changed"
    PAIRING_REQUESTED = "pairing_requested"
    PAIRING_CLOSED = "pairing_closed"
    DEVICE_PAIRED = "device_paired"
    DEVICE_REVOKED = "device_revoked"
    CALENDAR_CHANGED = "calendar_changed"
    CONFIG_RELOADED = "config_reloaded"


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
    spec = COMMANDS.get(msg["name"])
    if spec is None:
        raise ProtocolError(ErrorCode.UNKNOWN_COMMAND, f"unknown command {msg['name']!r}",
                            msg["id"])
    # a frame without what its command needs is a bad frame; the kind and bounds of each
    # argument are checked where the command is answered (`check_args`)
    missing = [a for a in spec.required if args.get(a) in (None, "")]
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
                         "waiting", "estimated_wait_s", "quota", "issued", "info",
                         "issuing_paused", "holiday", "quota_today")
PUBLIC_LANE_FIELDS = ("id", "name", "priority")
# public_url: printed on every ticket; the boards' QR code leads to its /ikuti page
PUBLIC_OFFICE_FIELDS = ("id", "name", "timezone", "languages", "day", "ticket_footer",
                        "public_url")
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
    "ticket_issued": {"ticket": public_ticket, "service_stats": PUBLIC_STATS_FIELDS,
                      "offline": _SAME},
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
    "ticket_reinstated": {"ticket": public_ticket},
    # the kiosk named prints it again (`take_reprint`, its own requests only)
    "reprint_requested": {"request": _SAME, "ticket": _SAME, "kiosk": _SAME},
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
