"""The kiosk's view logic, without Qt: which screen shows what, and what each touch sends.

`KioskFlow` is a small state machine over the shared `OfficeModel`. Every touch method
returns a list of *actions* (send a command, print a ticket, speak a prompt) that the Qt
shell (kiosk/controller.py) carries out; results come back through `on_result`,
`print_finished` and `printer_status`. Time is injected (`clock`), so tests drive idle
time-outs without sleeping.

Rules kept here, in one place:
- at most three touches: service → category → ticket (a service with one lane skips the
  category screen);
- an issue in flight keeps its command id, so "try again" after a lost answer re-sends the
  *same* command and the server answers with the same ticket (never a second number);
- a ticket is printed only after the server's ok result, or, with the server unreachable
  for `offline_after_s`, after its offline row is committed to the kiosk's journal (a
  leased number; kiosk/offline.py); at most once per ticket id; a service whose lease is
  used up says "ask an officer"; without a journal nothing is issued offline;
- a print failure keeps the ticket on screen (number + QR) and reports the printer state;
- a supervisor's reprint for this kiosk is taken (`take_reprint`) at once and printed,
  marked, only when no applicant is mid-flow: after their own ticket has printed.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from hardware.ticket_layout import PrintableTicket, expected_call_time, format_wait
from i18n import DEFAULT_LANGUAGE, catalog, t
from i18n.formats import format_clock
from kiosk.offline import OfflineIssuer, Request
from office_client.model import OfficeModel

log = logging.getLogger("antrean.kiosk")

Screen = Literal["attract", "home", "category", "booking", "info", "issuing", "ticket"]
PrintState = Literal["printing", "printed", "failed"]

DEVICE_STATUSES = ("ok", "paper_near_end", "paper_out", "cover_open", "offline", "unknown")
PRINTER_BAD = ("paper_out", "cover_open", "offline")
HELP_STATUS = "help"  # an applicant asked for an officer (the console shows it as an alert)
BOOKING_MAX = 32
DEFAULT_IDLE_S = 30.0
DEFAULT_TICKET_S = 20.0
DEFAULT_FALLBACK_S = 90.0  # long enough to find the phone and take a photo
DEFAULT_ATTRACT_S = 45.0  # the home screen left untouched this long: the attract screen
# Unreachable this long (or a command not confirmed) before issuing from the leases: a
# reconnect after a server restart takes about a second and must not print offline tickets.
OFFLINE_AFTER_S = 5.0
UNREACHABLE = ("offline", "connecting")  # not an outage: unauthorized, a wrong certificate


# ---------------------------------------------------------------------- actions
@dataclass(frozen=True)
class SendCommand:
    name: str
    args: dict[str, Any]
    cmd_id: str


@dataclass(frozen=True)
class PrintTicket:
    ticket_id: str
    ticket: PrintableTicket


@dataclass(frozen=True)
class Speak:
    text: str
    lang: str


Action = SendCommand | PrintTicket | Speak


# ---------------------------------------------------------------------- views
@dataclass(frozen=True)
class ServiceView:
    id: str
    prefix: str
    title: str
    detail: str  # "12 menunggu · ± 25 menit" or the closed reason
    enabled: bool
    closed_reason: str | None
    has_info: bool


@dataclass(frozen=True)
class LaneView:
    id: str
    title: str
    subtitle: str
    priority: bool
    enabled: bool


@dataclass(frozen=True)
class TicketView:
    number: str
    service_name: str
    lane_name: str
    lane_priority: bool
    ahead_text: str
    wait_text: str  # "Perkiraan dipanggil ± 08:44 WIB": a moment, not a duration
    status_url: str
    print_state: PrintState
    countdown_s: int | None = None  # printed: seconds until the kiosk starts over
    staff_called: bool = False  # failed print: "Panggil petugas" was touched
    offline: bool = False


@dataclass(frozen=True)
class Banner:
    kind: Literal["offline", "error", "printer", "warning", "notice"]
    text: str
    detail: str = ""


@dataclass
class Pending:
    cmd_id: str
    name: str
    args: dict[str, Any]
    back_to: Screen  # where an error sends the applicant
    unconfirmed: bool = False


def _tr(key: str, lang: str, **params: Any) -> str:
    return t(f"kiosk.{key}", lang, **params)


def sanitize_code(text: str) -> str:
    """A booking code from a keyboard, a scanner or a QR payload: A-Z, 0-9 and '-' only.

    M-Paspor QR codes may carry a URL or extra fields; the code is the last path/field part.
    """
    raw = (text or "").strip()
    for sep in ("/", "=", "|", ";"):
        if sep in raw:
            raw = raw.rsplit(sep, 1)[-1]
    code = "".join(ch for ch in raw.upper() if ch.isascii() and (ch.isalnum() or ch == "-"))
    return code[:BOOKING_MAX]


def format_ahead(ahead: int, lang: str) -> str:
    if ahead <= 0:
        return _tr("you_are_next", lang)
    if ahead == 1:
        return _tr("ahead_one", lang)
    return _tr("ahead", lang, n=ahead)


def printable_ticket(data: dict[str, Any], model: OfficeModel, lang: str) -> PrintableTicket:
    """The paper ticket for an issue_ticket/check_in result, in the applicant's language."""
    svc = model.services.get(data.get("service", ""), {})
    lane = model.lanes.get(data.get("lane", ""), {})
    issued = datetime.fromisoformat(data["issued_at"])
    footer = [line.get(lang) or line.get("id", "") for line in
              model.office.get("ticket_footer") or []]
    wait = data.get("estimated_wait_s")
    return PrintableTicket(
        office_name=model.office.get("name", ""),
        number=data["number"],
        service_name=(svc.get("name") or {}).get(lang) or data.get("service", ""),
        lane_id=data.get("lane", ""),
        lane_name=(lane.get("name") or {}).get(lang) or data.get("lane", ""),
        lane_priority=bool(lane.get("priority")),
        issued_at=issued,
        ahead=int(data.get("ahead") or 0),
        estimated_wait_s=int(wait) if wait is not None else None,
        status_url=data.get("status_url") or "",
        footer=[f for f in footer if f],
        lang="en" if lang == "en" else "id",
        offline=bool(data.get("offline")),
    )


def reprint_ticket(data: dict[str, Any], model: OfficeModel) -> PrintableTicket:
    """A `take_reprint` result as paper: in the ticket's own language, marked as a reprint
    (and without a place in line: it has moved on since the ticket was issued)."""
    lang = "en" if data.get("lang") == "en" else "id"
    return replace(printable_ticket({**data, "ahead": 0, "estimated_wait_s": None}, model,
                                    lang), reprint=True)


def closed_detail(svc: dict[str, Any], reason: str, lang: str) -> str:
    """Why a service gives no numbers, for its tile: a supervisor's pause shows their
    reason and a holiday its name (in the kiosk's language), else the generic text."""
    named = {"paused": svc.get("issuing_paused"), "holiday": svc.get("holiday")}.get(reason)
    if isinstance(named, dict):
        text = named.get(lang) or named.get(DEFAULT_LANGUAGE)
        if isinstance(text, str) and text.strip():
            return text.strip()
    key = f"closed_{reason}"
    return _tr(key if f"kiosk.{key}" in catalog() else "closed_unknown", lang)


def lane_quotas(svc: dict[str, Any]) -> dict[str, int]:
    """Each lane's quota today: a supervisor's `quota_today` in place of the configured."""
    return {**(svc.get("quota") or {}), **(svc.get("quota_today") or {})}


def spoken_number(number: str, lang: str) -> str:
    """'A012' as words ("a, dua belas"): espeak-ng would say "a nol duabelas"."""
    try:
        from voice.words import ticket_words
        return ticket_words(number, lang)
    except (ImportError, ValueError):
        return " ".join(number)


@dataclass
class KioskFlow:
    """The whole kiosk session state; the widgets only render its views."""

    model: OfficeModel
    clock: Callable[[], float] = time.monotonic
    idle_timeout_s: float = DEFAULT_IDLE_S
    ticket_timeout_s: float = DEFAULT_TICKET_S
    fallback_timeout_s: float = DEFAULT_FALLBACK_S
    attract_after_s: float = DEFAULT_ATTRACT_S
    screen: Screen = "home"
    lang: str = DEFAULT_LANGUAGE
    high_contrast: bool = False
    audio: bool = False
    # connecting | online | offline | unauthorized | certificate_rejected
    connection: str = "offline"
    service_id: str | None = None
    booking_code: str = ""
    booking_raw: str = ""  # what was typed, incl. a wedge scanner's URL characters
    error: str | None = None  # shown on the screen it belongs to
    pending: Pending | None = None
    issued: dict[str, Any] | None = None
    print_state: PrintState = "printing"
    printer_state: str = "unknown"
    printer_detail: str = ""
    reported_printer: tuple[str, str] | None = None
    printed: set[str] = field(default_factory=set)
    staff_called: bool = False
    last_touch: float = 0.0
    offline: OfflineIssuer | None = None  # the journal and leases; None: never offline
    offline_after_s: float = OFFLINE_AFTER_S
    unreachable_since: float | None = None  # clock() when the server was last lost
    background: dict[str, Callable[[dict[str, Any]], None]] = field(default_factory=dict)
    # Supervisors' reprints: requests seen (each taken once), `take_reprint` commands in
    # flight (cmd id -> request; kept over a lost answer: re-sent with the same id), and
    # tickets taken but held until no applicant is mid-flow (request -> ticket).
    reprints_seen: set[str] = field(default_factory=set)
    reprint_takes: dict[str, str] = field(default_factory=dict)
    reprints_unconfirmed: set[str] = field(default_factory=set)
    reprints_held: dict[str, PrintableTicket] = field(default_factory=dict)
    reprints_printing: dict[str, PrintableTicket] = field(default_factory=dict)  # by job id

    def __post_init__(self) -> None:
        self.last_touch = self.clock()
        self.unreachable_since = self.clock()

    # ------------------------------------------------------------------ helpers
    @property
    def online(self) -> bool:
        return self.connection == "online" and self.model.loaded \
            and self.unreachable_since is None

    @property
    def issuing_offline(self) -> bool:
        """The server has been unreachable long enough: issue from the leases."""
        return (self.offline is not None and self.model.loaded
                and self.unreachable_since is not None
                and self.connection in (*UNREACHABLE, "online")
                and self.clock() - self.unreachable_since >= self.offline_after_s)

    @property
    def degraded(self) -> bool:
        """Lost the server, but (soon) issuing from the leases: a calm notice, no alarm."""
        return (self.offline is not None and self.model.loaded
                and self.unreachable_since is not None
                and self.connection in (*UNREACHABLE, "online"))

    def server_heard(self) -> None:
        """Any answer or event from the server: the link works (again)."""
        if self.connection == "online":
            self.unreachable_since = None

    def _lost_server(self) -> None:
        if self.unreachable_since is None:
            self.unreachable_since = self.clock()

    def _offline_lane_ok(self, sid: str, lane: str) -> bool:
        return self.offline is not None and self.offline.can_issue(sid, lane)

    def _touched(self) -> None:
        self.last_touch = self.clock()

    def _say(self, key: str, **params: Any) -> list[Action]:
        return [Speak(_tr(f"say_{key}", self.lang, **params), self.lang)] if self.audio else []

    def _go(self, screen: Screen) -> None:
        self.screen = screen
        self._touched()

    def service_enabled(self, sid: str) -> bool:
        svc = self.model.services.get(sid)
        if self.issuing_offline and svc and svc.get("open"):
            return any(self._offline_lane_ok(sid, lane) for lane in svc.get("lanes") or [])
        return bool(self.online and svc and svc.get("open"))

    def lanes_for(self, sid: str) -> list[LaneView]:
        svc = self.model.services.get(sid) or {}
        quota = lane_quotas(svc)
        issued = svc.get("issued") or {}
        views = []
        for lane_id in svc.get("lanes") or []:
            lane = self.model.lanes.get(lane_id, {"name": {}, "priority": False})
            full = lane_id in quota and issued.get(lane_id, 0) >= quota[lane_id]
            prio = bool(lane.get("priority"))
            subtitle = _tr("lane_quota_full", self.lang) if full else (
                _tr("lane_priority", self.lang) if prio else "")
            enabled = self.online and not full
            if self.issuing_offline:
                enabled = self._offline_lane_ok(sid, lane_id)
                if not enabled:
                    subtitle = _tr("ask_officer", self.lang)
            views.append(LaneView(lane_id, (lane.get("name") or {}).get(self.lang) or lane_id,
                                  subtitle, prio, enabled))
        return views

    # ------------------------------------------------------------------ views
    def services(self) -> list[ServiceView]:
        out = []
        for sid, svc in self.model.services.items():
            waiting = int(svc.get("waiting") or 0)
            reason = None if svc.get("open") else (svc.get("closed_reason") or "unknown")
            if reason:
                detail = closed_detail(svc, reason, self.lang)
            elif self.issuing_offline:
                # The waiting counts froze with the link: say only whether numbers are given.
                detail = _tr("offline_service_ok" if self.service_enabled(sid)
                             else "ask_officer", self.lang)
            elif waiting == 0:
                detail = _tr("no_queue", self.lang)
            else:
                detail = _tr("waiting_n", self.lang, n=waiting)
                wait_s = svc.get("estimated_wait_s")
                if wait_s:
                    detail += "  ·  " + _tr("about_wait", self.lang,
                                            duration=format_wait(int(wait_s), self.lang))
            out.append(ServiceView(sid, svc.get("prefix", ""),
                                   (svc.get("name") or {}).get(self.lang) or sid, detail,
                                   self.service_enabled(sid), reason, bool(svc.get("info"))))
        return out

    def banner(self) -> Banner | None:
        if self.connection == "unauthorized":
            return Banner("offline", _tr("unauthorized", self.lang))
        if self.connection == "certificate_rejected":
            return Banner("offline", _tr("certificate_rejected", self.lang),
                          _tr("offline_detail", self.lang))
        if self.degraded:
            return Banner("notice", _tr("offline_notice", self.lang),
                          _tr("offline_notice_detail" if self.issuing_offline
                              else "offline_notice_wait", self.lang))
        if not self.online:
            return Banner("offline", _tr("offline", self.lang), _tr("offline_detail", self.lang))
        if self.error and self.screen == "home":
            return Banner("error", self.error)
        if self.printer_state in PRINTER_BAD:
            return Banner("printer", _tr("printer_problem", self.lang))
        if self.printer_state == "paper_near_end":
            return Banner("warning", _tr("printer_near_end", self.lang))
        return None

    def office_name(self) -> str:
        return str(self.model.office.get("name") or _tr("home_title", self.lang))

    def service_title(self) -> str:
        svc = self.model.services.get(self.service_id or "", {})
        return (svc.get("name") or {}).get(self.lang) or ""

    def service_info(self) -> str:
        svc = self.model.services.get(self.service_id or "", {})
        info = svc.get("info") or {}
        return info.get(self.lang) or info.get("id") or _tr("info_none", self.lang)

    def ticket(self) -> TicketView | None:
        data = self.issued
        if data is None:
            return None
        svc = self.model.services.get(data.get("service", ""), {})
        lane = self.model.lanes.get(data.get("lane", ""), {})
        wait = data.get("estimated_wait_s")
        ahead = int(data.get("ahead") or 0)
        countdown = None
        if self.print_state == "printed":
            countdown = max(0, math.ceil(self.ticket_timeout_s - (self.clock() - self.last_touch)))
        offline = bool(data.get("offline"))
        return TicketView(
            number=data["number"],
            service_name=(svc.get("name") or {}).get(self.lang) or data.get("service", ""),
            lane_name=(lane.get("name") or {}).get(self.lang) or data.get("lane", ""),
            lane_priority=bool(lane.get("priority")),
            ahead_text=_tr("offline_ticket_valid", self.lang) if offline
            else format_ahead(ahead, self.lang),
            wait_text=_tr("wait", self.lang, time=expected)
            if wait and ahead > 0 and not offline
            and (expected := self._expected_call(data, wait)) else "",
            status_url=data.get("status_url") or "",
            print_state=self.print_state,
            countdown_s=countdown,
            staff_called=self.staff_called,
            offline=offline,
        )

    def _expected_call(self, data: dict[str, Any], wait_s: float) -> str:
        """"08:44 WIB", or "" when the answer's issue time is missing or not a time."""
        try:
            issued = datetime.fromisoformat(str(data.get("issued_at")))
            return format_clock(expected_call_time(issued, float(wait_s)), issued.tzinfo)
        except (TypeError, ValueError):
            return ""

    # ------------------------------------------------------------------ toggles
    def toggle_language(self) -> list[Action]:
        self._touched()
        self.lang = "en" if self.lang == "id" else "id"
        if self.error and self.pending is None and self.screen == "home":
            self.error = None  # a translated copy is not kept; the message was seen
        return self._say("home") if self.screen == "home" else []

    def toggle_contrast(self) -> list[Action]:
        self._touched()
        self.high_contrast = not self.high_contrast
        return []

    def toggle_audio(self) -> list[Action]:
        self._touched()
        self.audio = not self.audio
        return self._say(self.screen if self.screen in ("home", "category", "booking")
                         else "home")

    # ------------------------------------------------------------------ touches
    def wake(self) -> list[Action]:
        """A touch on the attract screen: the services, for the next applicant."""
        if self.screen != "attract":
            return []
        self._go("home")
        return self._say("home")

    def go_attract(self) -> list[Action]:
        """Nobody at the kiosk: the attract screen, with the defaults back."""
        self.go_home(reset=True)
        self.screen = "attract"
        return []

    def choose_service(self, sid: str) -> list[Action]:
        if self.screen not in ("home", "info") or not self.service_enabled(sid):
            return []
        self.service_id = sid
        self.error = None
        lanes = [lane for lane in self.lanes_for(sid)]
        if len(lanes) == 1:  # nothing to choose: straight to the ticket
            return self.choose_lane(lanes[0].id) if lanes[0].enabled else []
        self._go("category")
        return self._say("category")

    def choose_lane(self, lane_id: str) -> list[Action]:
        sid = self.service_id
        if sid is None or not self.service_enabled(sid) or self.pending is not None:
            return []
        if not any(lv.id == lane_id and lv.enabled for lv in self.lanes_for(sid)):
            return []
        if not self.online:  # enabled while unreachable: issuing from the lease
            return self._issue_offline(sid, lane_id)
        return self._send("issue_ticket", {"service": sid, "lane": lane_id,
                                           "lang": self.lang}, back_to="home")

    def _issue_offline(self, sid: str, lane_id: str) -> list[Action]:
        assert self.offline is not None
        self.pending = None
        try:
            data = self.offline.issue(sid, lane_id, self.lang)  # committed before printing
        except Exception as exc:  # a full or broken disk: tell, issue nothing unrecorded
            log.exception("offline issue for %s/%s failed", sid, lane_id)
            data, self.error = None, _tr("err_generic", self.lang) + f" ({type(exc).__name__})"
        if data is None:
            self.error = self.error or _tr("ask_officer", self.lang)
            self._go("home")
            return []
        return self._issued(data)

    def open_info(self, sid: str) -> list[Action]:
        if self.screen != "home" or sid not in self.model.services:
            return []
        self.service_id = sid
        self._go("info")
        return []

    def open_booking(self) -> list[Action]:
        if self.screen != "home":
            return []
        self.booking_code = self.booking_raw = ""
        self.error = None
        self._go("booking")
        return self._say("booking")

    def booking_key(self, key: str) -> list[Action]:
        if self.screen != "booking":
            return []
        self._touched()
        self.booking_raw = (self.booking_raw + key)[-256:]
        self.booking_code = sanitize_code(self.booking_raw)
        self.error = None
        return []

    def booking_backspace(self) -> list[Action]:
        if self.screen == "booking":
            self._touched()
            self.booking_code = self.booking_code[:-1]
            self.booking_raw = self.booking_code
        return []

    def submit_booking(self) -> list[Action]:
        code = sanitize_code(self.booking_code)
        if self.screen != "booking" or not code or not self.online or self.pending:
            return []
        return self._send("check_in", {"booking_code": code, "lang": self.lang},
                          back_to="booking")

    def scanned(self, text: str) -> list[Action]:
        """A whole code from a scanner (serial, or a keyboard-wedge line ending in Enter)."""
        code = sanitize_code(text)
        if not code or self.screen not in ("attract", "home", "booking", "info") \
                or self.pending:
            return []
        self.error = None
        self.booking_code = self.booking_raw = code
        self._go("booking")
        return self.submit_booking()

    def back(self) -> list[Action]:
        if self.screen == "issuing" and self.pending and not self.pending.unconfirmed:
            return []  # waiting for the server: nothing to go back to yet
        self.pending = None
        return self.go_home()

    def done(self) -> list[Action]:
        return self.go_home() if self.screen == "ticket" else []

    def reprint(self) -> list[Action]:
        """"Cetak ulang" after a failed print: the same ticket once more (not a new number)."""
        data = self.issued
        if self.screen != "ticket" or self.print_state != "failed" or data is None:
            return []
        self._touched()
        self.print_state = "printing"
        ticket_id = str(data.get("id") or data.get("number"))
        return [PrintTicket(ticket_id, printable_ticket(data, self.model, self.lang))]

    def call_staff(self) -> list[Action]:
        """"Panggil petugas" after a failed print: an alert on the counter consoles."""
        data = self.issued
        if self.screen != "ticket" or self.print_state != "failed" or data is None \
                or self.staff_called:
            return []
        self._touched()
        self.staff_called = True
        self.reported_printer = (HELP_STATUS, "")
        detail = f"ticket {data.get('number', '')}: printing failed"
        return [SendCommand("report_device_status", {"status": HELP_STATUS, "detail": detail},
                            uuid.uuid4().hex)]

    def retry(self) -> list[Action]:
        """Re-send the unconfirmed command with its original id (idempotent on the server)."""
        p = self.pending
        if p is None or not p.unconfirmed or self.connection != "online" \
                or not self.model.loaded:
            return []  # (the link may still be suspect: trying is how to find out)
        p.unconfirmed = False
        self._touched()
        return [SendCommand(p.name, dict(p.args), p.cmd_id)]

    def go_home(self, reset: bool = False) -> list[Action]:
        self.screen = "home"
        self.service_id = None
        self.booking_code = self.booking_raw = ""
        if reset:
            self._defaults()
        self._touched()
        if self.staff_called:  # the help request ends with its applicant: say how we are
            self.staff_called = False
            self.reported_printer = None
            return self.printer_status(self.printer_state, self.printer_detail)
        return []

    def _defaults(self) -> None:
        """The next applicant starts from the defaults."""
        self.lang = DEFAULT_LANGUAGE
        self.high_contrast = False
        self.audio = False
        self.error = None

    def _send(self, name: str, args: dict[str, Any], back_to: Screen) -> list[Action]:
        cmd_id = uuid.uuid4().hex
        self.pending = Pending(cmd_id, name, args, back_to)
        self.error = None
        self._go("issuing")
        return [SendCommand(name, args, cmd_id)]

    # ------------------------------------------------------------------ answers
    def on_result(self, cmd_id: str, result: dict[str, Any]) -> list[Action]:
        code = (result.get("error") or {}).get("code", "")
        if code == "not_confirmed":
            # Unanswered for the command time-out: the link is not to be trusted, and that
            # wait already counts as the time unreachable.
            now = self.clock()
            since = now if self.unreachable_since is None else self.unreachable_since
            self.unreachable_since = min(since, now - self.offline_after_s)
        else:
            self.server_heard()
        request = self.reprint_takes.get(cmd_id)
        if request is not None:
            return self._reprint_taken(cmd_id, request, result)
        background = self.background.pop(cmd_id, None)
        if background is not None:
            try:
                background(result)
            except sqlite3.Error as exc:  # the journal's disk: logged, the kiosk goes on
                log.error("journal write failed for the answer to %s: %s", cmd_id, exc)
                return []
            return self._offline_followups()
        p = self.pending
        if p is None or p.cmd_id != cmd_id:
            return []  # a late answer to something we gave up on
        if result.get("ok"):
            self.pending = None
            data = result.get("data") or {}
            if self.offline is not None:
                self.offline.seen_ticket(data)
            return self._issued(data)
        if code == "not_confirmed":
            lane = p.args.get("lane", "")
            if p.name == "issue_ticket" and self.issuing_offline \
                    and self._offline_lane_ok(p.args.get("service", ""), lane):
                # The applicant waited long enough: a leased number now. Had the server
                # issued the lost one after all, it is called once and marked no-show.
                log.warning("issue_ticket %s not confirmed: issuing offline instead", cmd_id)
                return self._issue_offline(p.args["service"], lane)
            p.unconfirmed = True  # keep the id: a retry must not issue a second ticket
            self._touched()
            return []
        self.pending = None
        key = f"err_{code}"
        if p.name == "issue_ticket" and code == "not_found":
            key = "err_generic"
        self.error = _tr(key if f"kiosk.{key}" in catalog() else "err_generic", self.lang)
        self._go(p.back_to)
        return []

    # ------------------------------------------------------------------ reprints
    def reprint_requested(self, data: dict[str, Any], device: str | None) -> list[Action]:
        """A supervisor asked a kiosk to print a ticket again: this one takes it (once)."""
        request = data.get("request")
        if not device or data.get("kiosk") != device or not isinstance(request, str) \
                or not request or request in self.reprints_seen:
            return []
        self.reprints_seen.add(request)
        cmd_id = uuid.uuid4().hex
        self.reprint_takes[cmd_id] = request
        return [SendCommand("take_reprint", {"request": request}, cmd_id)]

    def _reprint_taken(self, cmd_id: str, request: str,
                       result: dict[str, Any]) -> list[Action]:
        error = result.get("error") or {}
        if error.get("code") == "not_confirmed":
            self.reprints_unconfirmed.add(cmd_id)  # re-sent with the same id when welcomed
            return []
        del self.reprint_takes[cmd_id]
        self.reprints_unconfirmed.discard(cmd_id)
        if not result.get("ok"):
            log.warning("reprint %s not taken: %s", request, error.get("message") or error)
            return []
        try:
            self.reprints_held[request] = reprint_ticket(result.get("data") or {}, self.model)
        except (KeyError, TypeError, ValueError) as exc:  # a malformed ticket: never a crash
            log.error("reprint %s: the server's ticket cannot be printed: %s", request, exc)
            return []
        return self.release_reprints()

    def mid_flow(self) -> bool:
        """An applicant is choosing, waiting for a number or for their ticket to print:
        a reprint now would come out before (or be taken for) theirs."""
        return (self.pending is not None or self.screen in ("category", "booking", "issuing")
                or (self.screen == "ticket" and self.print_state == "printing"))

    def release_reprints(self) -> list[Action]:
        """Print the reprints held, unless an applicant is mid-flow or the printer is in
        trouble (then: later; `tick` asks again)."""
        if not self.reprints_held or self.mid_flow() or self.printer_state in PRINTER_BAD:
            return []
        held, self.reprints_held = self.reprints_held, {}
        jobs = {f"reprint:{request}": ticket for request, ticket in held.items()}
        self.reprints_printing.update(jobs)
        return [PrintTicket(job, ticket) for job, ticket in jobs.items()]

    def _retake_reprints(self) -> list[Action]:
        again, self.reprints_unconfirmed = self.reprints_unconfirmed, set()
        return [SendCommand("take_reprint", {"request": self.reprint_takes[cmd_id]}, cmd_id)
                for cmd_id in sorted(again) if cmd_id in self.reprint_takes]

    def _issued(self, data: dict[str, Any]) -> list[Action]:
        self.issued = data
        self._go("ticket")
        ticket_id = str(data.get("id") or data.get("number"))
        if ticket_id in self.printed:  # the same ticket again (a replayed answer)
            return []
        self.printed.add(ticket_id)
        self.print_state = "printing"
        actions: list[Action] = [PrintTicket(ticket_id, printable_ticket(data, self.model,
                                                                        self.lang))]
        return actions + self._say("ticket", number=spoken_number(data["number"], self.lang))

    def print_finished(self, ticket_id: str, ok: bool, state: str = "ok",
                       detail: str = "") -> list[Action]:
        actions: list[Action] = []
        current = self.issued and str(self.issued.get("id") or self.issued.get("number"))
        reprint = self.reprints_printing.pop(ticket_id, None)
        if reprint is not None and not ok:  # held again: printed once the printer is back
            log.warning("%s not printed: %s", ticket_id, detail or state)
            self.reprints_held[ticket_id.removeprefix("reprint:")] = reprint
        if ok:
            if current == ticket_id:
                self.print_state = "printed"
            if self.printer_state in PRINTER_BAD:
                actions += self.printer_status("ok", "printed a ticket")
            return actions + self.release_reprints()
        if current == ticket_id:
            self.print_state = "failed"
            self._touched()  # the fallback screen's own (longer) time-out starts now
            actions += self._say("print_failed", number=spoken_number(
                self.issued["number"], self.lang) if self.issued else "")
        state = state if state in DEVICE_STATUSES and state != "ok" else "unknown"
        return self.printer_status(state, detail or "print failed", force=True) + actions

    def printer_status(self, state: str, detail: str = "", force: bool = False) -> list[Action]:
        """The printer's state changed (status check or a print): tell the server once."""
        state = state if state in DEVICE_STATUSES else "unknown"
        self.printer_state, self.printer_detail = state, detail
        key = (state, detail)
        if not force and self.reported_printer is not None \
                and self.reported_printer[0] == state:
            return []
        if force and self.reported_printer == key:
            return []
        self.reported_printer = key
        return [SendCommand("report_device_status", {"status": state, "detail": detail[:200]},
                            uuid.uuid4().hex)]

    # ------------------------------------------------------------------ offline support
    def _requests(self, requests: list[Request]) -> list[Action]:
        actions: list[Action] = []
        for req in requests:
            cmd_id = uuid.uuid4().hex
            self.background[cmd_id] = req.on_result
            actions.append(SendCommand(req.name, req.args, cmd_id))
        return actions

    def _offline_followups(self) -> list[Action]:
        if self.offline is None or not self.online:
            return []
        return self._requests(self.offline.followups(self.model))

    def welcomed(self, welcome: dict[str, Any]) -> list[Action]:
        """After `welcome`: sync the journal, top up the leases, correct the clock; take
        the reprints whose answer was lost."""
        self.server_heard()
        if self.offline is None:
            return self._retake_reprints()
        return self._retake_reprints() + self._requests(
            self.offline.welcomed(welcome, self.model))

    def keepalive(self) -> list[Action]:
        """Every half minute or so while online: a ping (clock offset, a half-open link
        shows as not confirmed), and whatever sync or lease is still owed."""
        if self.offline is None or self.connection != "online" or not self.model.loaded:
            return []
        issuer = self.offline
        return self._requests([issuer.ping(), *issuer.sync_requests(),
                               *issuer.lease_requests(self.model)])

    def set_connection(self, state: str) -> list[Action]:
        was_online = self.online
        self.connection = state
        if state != "online":
            self._lost_server()
        elif self.model.loaded:
            self.unreachable_since = None
        actions: list[Action] = []
        if self.online and not was_online and self.reported_printer is not None:
            # The server may have missed the last report while we were away: send it again.
            self.reported_printer = None
            actions += self.printer_status(self.printer_state, self.printer_detail)
        if not self.online and self.screen in ("attract", "category", "booking", "info"):
            self.go_home()
        return actions

    def tick(self) -> list[Action]:
        """Called every second or so: idle screens go back home for the next applicant;
        reprints held for them are printed once they are done."""
        actions = self._tick_screens()
        return actions + self.release_reprints()

    def _tick_screens(self) -> list[Action]:
        idle = self.clock() - self.last_touch
        if self.screen in ("category", "booking", "info") and idle >= self.idle_timeout_s:
            return self.go_home(reset=True)
        if self.screen == "ticket":
            limit = self.fallback_timeout_s if self.print_state == "failed" \
                else self.ticket_timeout_s
            if idle >= limit:
                return self.go_home(reset=True)
        if self.screen == "issuing" and self.pending and self.pending.unconfirmed \
                and idle >= self.idle_timeout_s:
            self.pending = None
            return self.go_home(reset=True)
        if self.screen == "home" and self.error and idle >= self.idle_timeout_s:
            self.error = None
        if self.screen == "home" and idle >= self.attract_after_s and self.online:
            return self.go_attract()
        if self.screen == "home" and idle >= self.idle_timeout_s and (
                self.lang != DEFAULT_LANGUAGE or self.high_contrast or self.audio):
            self._defaults()  # not a touch: the attract screen still comes on time
        return []
