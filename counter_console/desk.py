"""The officer's desk as plain data: state in, what the screen shows and which commands go out.

No Qt here. `Desk` is fed the connection's welcome, events, results and link state, and
turns the officer's intents (call next, finish, transfer …) into commands through a `send`
function (the connection's `send_command`). `Desk.view()` answers everything a screen
needs: the current ticket and why it was picked, the actions with their shortcuts and
whether they make sense now, the waiting list, counts, alerts and the officer's day.

Safety rules that live here (and are tested here):
- While a command is pending, every action is disabled: a double click or a double press
  of a button box never sends two calls.
- Actions are disabled while offline; an action that was pending when the link dropped is
  re-sent by the connection with the same id, and is either confirmed or reported as not
  confirmed (`not_confirmed`), never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from i18n import t
from i18n.formats import counter_label, format_clock, format_duration
from office_client.model import OfficeModel, parse_time
from protocol.messages import REASON_CHARS

Send = Callable[[str, dict[str, Any], Callable[[dict[str, Any]], None]], str]
Listener = Callable[[], None]

# action key -> keyboard shortcut shown on its button (Qt QKeySequence strings)
SHORTCUTS: dict[str, str] = {
    "call_next": "F1",
    "recall": "F2",
    "start_service": "F3",
    "finish": "F4",
    "no_show": "F5",
    "transfer": "F6",
    "pause": "F7",  # pause / resume toggle
    "call_ticket": "F8",
    "cancel": "F9",  # the current ticket, or the waiting one selected
    "reinstate": "F10",  # a no-show who came back
    "logout": "Ctrl+L",
}
ACTION_ORDER = tuple(SHORTCUTS)
PAUSE_PRESETS = ("pause_break", "pause_prayer", "pause_system", "pause_meeting", "pause_other")
CANCEL_PRESETS = ("cancel_wrong_service", "cancel_documents", "cancel_duplicate",
                  "cancel_left", "cancel_other")
# device states worth an officer's attention (anything but ok)
DEVICE_PROBLEMS = ("paper_near_end", "paper_out", "cover_open", "offline", "unknown", "help")


def _whole(value: Any) -> str:
    try:
        return str(round(float(value)))
    except (TypeError, ValueError):
        return "?"


def reason_text(preset: str, presets: tuple[str, ...], text: str) -> str:
    """A pause's or a cancel's reason: the preset in the office's language (the audit
    trail reads one language), then the officer's words; at most the protocol's length."""
    reason = t(f"console.{preset}", "id") if preset in presets else ""
    if text.strip():
        reason = f"{reason}: {text.strip()}" if reason else text.strip()
    return reason[:REASON_CHARS]


def localized(names: Any, lang: str, fallback: str = "") -> str:
    if isinstance(names, dict):
        return str(names.get(lang) or names.get("id") or fallback)
    return str(names or fallback)


@dataclass
class ActionView:
    key: str
    label: str
    shortcut: str
    enabled: bool
    pending: bool = False


@dataclass
class TicketView:
    id: str
    number: str
    service: str
    service_name: str
    stage_name: str
    lane: str
    lane_name: str
    priority: bool
    status: str
    status_text: str
    waited_text: str  # how long it waited in line before this call
    at_counter_text: str  # live: since called (and since service start)
    reason_text: str
    recalls: int
    booked: bool
    # a called ticket in an office that ends unanswered calls: "no-show by itself in 3 min"
    auto_no_show_text: str = ""


@dataclass
class NoShowRow:
    """A no-show of today this counter may take back (`reinstate`), while the office's
    minutes allow."""

    id: str
    number: str
    service_name: str
    lane_name: str
    priority: bool
    no_show_text: str  # "07:58 WIB · 3 mnt lalu"
    left_text: str  # "12 mnt lagi" (until only a supervisor may)
    mine: bool  # it was a no-show at this counter


@dataclass
class WaitingRow:
    id: str
    number: str
    service_name: str
    stage_name: str
    lane: str
    lane_name: str
    priority: bool
    waited_text: str
    waited_s: float
    to_me: bool  # transferred to this very counter
    booked: bool


@dataclass
class CountRow:
    service_name: str
    lane: str
    lane_name: str
    priority: bool
    count: int


@dataclass
class AlertView:
    key: str
    kind: str  # "device" | "service"
    severity: str  # "warn" | "error"
    text: str
    at: str


@dataclass
class Notice:
    kind: str  # "info" | "error"
    text: str


@dataclass
class DeskView:
    lang: str
    screen: str  # "login" | "desk"
    state: str  # logged_out | idle | called | serving | paused
    state_text: str
    office_name: str
    clock_text: str  # the office's time of day, "07:49 WIB"
    counter_id: str | None
    counter_name: str
    officer_name: str
    connection: str  # connecting | online | offline | unauthorized | certificate_rejected
    banner: str | None  # shown at once when the link is not online
    pending_text: str | None
    notice: Notice | None
    current: TicketView | None
    actions: dict[str, ActionView]
    waiting: list[WaitingRow]
    counts: list[CountRow]
    alerts: list[AlertView]
    served: int
    no_show: int
    avg_service_text: str
    pause_reason: str
    login_counters: list[tuple[str, str]]  # (id, name) choices
    bound_counter: str | None
    login_enabled: bool


@dataclass
class TransferOptions:
    """What the transfer dialog offers: services with stages and counters serving them."""

    services: list[tuple[str, str]]  # (id, name)
    stages: dict[str, list[tuple[str, str]]]  # service -> [(stage id, name)]
    counters: dict[str, list[tuple[str, str]]]  # service -> [(counter id, name)]
    default_service: str
    default_stage: str | None
    priority: bool = False  # the ticket is in a priority lane (it may keep one)
    lane_name: str = ""


@dataclass
class Desk:
    model: OfficeModel
    send: Send
    lang: str = "id"
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    preferred_counter: str | None = None
    counter_id: str | None = None  # the counter this device is logged in at
    bound_counter: str | None = None
    connection: str = "connecting"
    pending: dict[str, str] = field(default_factory=dict)  # action key -> command id
    notice: Notice | None = None
    reasons: dict[str, dict[str, Any]] = field(default_factory=dict)  # ticket id -> reason
    alert_seen: dict[str, str] = field(default_factory=dict)  # alert key -> when it arrived
    listeners: list[Listener] = field(default_factory=list)
    server_offset: timedelta = timedelta(0)
    call_when_back: str | None = None  # a ticket being reinstated, to call once it waits

    # ------------------------------------------------------------------ inputs
    def now(self) -> datetime:
        return self.clock() + self.server_offset

    def changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    def set_connection(self, state: str) -> None:
        self.connection = state
        self.changed()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.changed()

    def on_welcome(self, welcome: dict[str, Any]) -> None:
        server_time = parse_time(welcome.get("server_time"))
        if server_time is not None:  # show waits in the server's time, not this PC's
            self.server_offset = server_time - self.clock()
        session = welcome.get("session") or {}
        self.bound_counter = session.get("bound_counter")
        mine = session.get("counter")
        if mine != self.counter_id and self.counter_id is not None and mine is None:
            self.notice = Notice("info", t("console.session_ended", self.lang))
        self.counter_id = mine  # after a restart the console returns to its session
        self.connection = "online"
        self.changed()

    def on_event(self, message: dict[str, Any]) -> None:
        name, data = message.get("name"), message.get("data") or {}
        at = str(message.get("at") or "")
        mine = self.counter_id
        if name == "ticket_called" and isinstance(data.get("ticket"), dict):
            self.reasons[data["ticket"].get("id", "")] = data.get("reason") or {}
        elif name == "ticket_no_show" and mine and data.get("counter") == mine:
            if data.get("auto"):
                number = (data.get("ticket") or {}).get("number", "")
                key = ("console.auto_no_show_timeout" if data.get("cause") == "timeout"
                       else "console.auto_no_show")
                self.notice = Notice("info", t(key, self.lang, number=number,
                                               minutes=_whole(self.policy("no_show_after"))))
        elif name == "ticket_reinstated" and self.call_when_back:
            ticket_id = (data.get("ticket") or {}).get("id")
            if ticket_id == self.call_when_back:
                self.call_when_back = None
                if self.enabled("call_ticket"):  # still free: call them now
                    self.call_ticket(ticket_id)
        elif name in ("counter_closed", "officer_logged_out") and mine:
            counter = data.get("counter")
            cid = counter.get("id") if isinstance(counter, dict) else counter
            if cid == mine and "logout" not in self.pending:
                self.counter_id = None
                self.notice = Notice("info", t("console.session_ended", self.lang))
        elif name == "alert":
            self.alert_seen[f"service:{data.get('service')}/{data.get('kind')}"] = at
        elif name == "device_status":
            self.alert_seen[f"device:{data.get('device')}"] = at
        self.changed()

    # ------------------------------------------------------------------ state queries
    @property
    def counter(self) -> dict[str, Any] | None:
        return self.model.counters.get(self.counter_id) if self.counter_id else None

    @property
    def current_ticket(self) -> dict[str, Any] | None:
        counter = self.counter
        return counter.get("ticket") if counter else None

    def state(self) -> str:
        counter = self.counter
        if counter is None:
            return "logged_out"
        ticket = counter.get("ticket")
        if ticket:
            return "serving" if ticket.get("status") == "serving" else "called"
        if counter.get("status") == "paused":
            return "paused"
        return "idle"

    def policy(self, name: str) -> float:
        """The office's `[policy] <name>_minutes` as the welcome tells it (0: off)."""
        value = (self.model.office.get("policy") or {}).get(f"{name}_minutes")
        return float(value) if isinstance(value, int | float) else 0.0

    def in_scope(self, ticket: dict[str, Any]) -> bool:
        """A ticket this counter's services, lanes and stages cover."""
        counter = self.counter or {}
        lanes, stages = counter.get("lanes"), counter.get("stages")
        return (ticket.get("service") in (counter.get("services") or [])
                and (not lanes or ticket.get("lane") in lanes)
                and (not stages or ticket.get("stage") in stages))

    def returnable(self) -> list[dict[str, Any]]:
        """Today's no-shows of this counter's scope still within the office's minutes for
        an officer to take back, the latest first."""
        window = self.policy("reinstate")
        if not self.counter or window <= 0:
            return []
        now, out = self.now(), []
        for tk in self.model.no_shows.values():
            gone = parse_time(tk.get("finished_at"))
            if gone is not None and now - gone <= timedelta(minutes=window) \
                    and self.in_scope(tk):
                out.append(tk)
        return sorted(out, key=lambda tk: str(tk.get("finished_at")), reverse=True)

    def waiting_list(self) -> list[dict[str, Any]]:
        return self.model.waiting_for_counter(self.counter_id) if self.counter_id else []

    def allowed(self, action: str) -> bool:
        """Whether the action makes sense now (ignoring pending/online)."""
        state = self.state()
        if action == "login":
            return state == "logged_out"
        if state == "logged_out":
            return False
        waiting = bool(self.waiting_list())
        return {
            "call_next": state == "idle" and waiting,
            "call_ticket": state == "idle" and waiting,
            "recall": state == "called",
            "start_service": state == "called",
            "no_show": state == "called",
            "finish": state == "serving",
            "transfer": state in ("called", "serving"),
            # the current ticket; else one waiting (the selected row)
            "cancel": state in ("called", "serving") or waiting,
            "reinstate": bool(self.returnable()),
            "pause": state in ("idle", "paused"),
            "logout": state in ("idle", "paused"),
        }.get(action, False)

    def enabled(self, action: str) -> bool:
        return self.connection == "online" and not self.pending and self.allowed(action)

    # ------------------------------------------------------------------ intents
    def _dispatch(self, action: str, name: str, args: dict[str, Any]) -> bool:
        if not self.enabled(action):
            if self.connection != "online":
                self.notice = Notice("error", t("console.not_sent_offline", self.lang))
                self.changed()
            return False
        self.notice = None
        answered: list[bool] = []

        def done(result: dict[str, Any]) -> None:
            answered.append(True)
            self.on_result(action, result)

        cmd_id = self.send(name, args, done)
        if not answered:  # a sender may answer synchronously (then nothing is pending)
            self.pending[action] = cmd_id
        self.changed()
        return True

    def login(self, officer: str, pin: str, counter: str | None = None) -> bool:
        counter = self.bound_counter or counter or self.preferred_counter
        officer, pin = (officer or "").strip(), (pin or "").strip()
        if not officer or not pin or not counter:
            self.notice = Notice("error", t("console.login_incomplete", self.lang))
            self.changed()
            return False
        return self._dispatch("login", "login", {"officer": officer, "pin": pin,
                                                 "counter": counter})

    def logout(self) -> bool:
        return self._dispatch("logout", "logout", {})

    def call_next(self) -> bool:
        return self._dispatch("call_next", "call_next", {"counter": self.counter_id})

    def recall(self) -> bool:
        return self._dispatch("recall", "recall", {"counter": self.counter_id})

    def start_service(self) -> bool:
        return self._dispatch("start_service", "start_service", {"counter": self.counter_id})

    def finish(self) -> bool:
        return self._dispatch("finish", "finish", {"counter": self.counter_id})

    def no_show(self) -> bool:
        return self._dispatch("no_show", "no_show", {"counter": self.counter_id})

    def call_ticket(self, ticket_id: str) -> bool:
        if not any(tk["id"] == ticket_id for tk in self.waiting_list()):
            self.notice = Notice("error", t("console.ticket_gone", self.lang))
            self.changed()
            return False
        return self._dispatch("call_ticket", "call_ticket",
                              {"counter": self.counter_id, "ticket": ticket_id})

    def transfer(self, service: str, stage: str | None = None, to_counter: str | None = None,
                 note: str = "", front: bool = False, keep_priority: bool = True) -> bool:
        args: dict[str, Any] = {"counter": self.counter_id, "service": service,
                                "position": "front" if front else "back",
                                "keep_priority": keep_priority}
        if stage:
            args["stage"] = stage
        if to_counter:
            args["to_counter"] = to_counter
        if note.strip():
            args["note"] = note.strip()[:500]
        return self._dispatch("transfer", "transfer", args)

    def cancel_target(self, selected: str | None = None) -> dict[str, Any] | None:
        """The ticket F9 cancels: the current one, else the selected waiting one."""
        current = self.current_ticket
        if current:
            return current
        return next((tk for tk in self.waiting_list() if tk["id"] == selected), None)

    def cancel(self, ticket_id: str, preset: str = "cancel_other", text: str = "") -> bool:
        """Cancel with a reason: a preset (in the office's language, for the audit trail,
        as a pause's reason) and the officer's words."""
        if ticket_id not in {(self.current_ticket or {}).get("id"),
                             *(tk["id"] for tk in self.waiting_list())}:
            self.notice = Notice("error", t("console.ticket_gone", self.lang))
            self.changed()
            return False
        reason = reason_text(preset, CANCEL_PRESETS, text)
        if not reason:
            self.notice = Notice("error", t("console.cancel_needs_reason", self.lang))
            self.changed()
            return False
        return self._dispatch("cancel", "cancel", {"ticket": ticket_id, "reason": reason})

    def reinstate(self, ticket_id: str, call_now: bool = True) -> bool:
        """A no-show who came back waits again at their place; `call_now` (a free desk):
        called here as soon as the server has them waiting."""
        if not any(tk["id"] == ticket_id for tk in self.returnable()):
            self.notice = Notice("error", t("console.ticket_gone", self.lang))
            self.changed()
            return False
        sent = self._dispatch("reinstate", "reinstate", {"ticket": ticket_id})
        if sent and call_now and self.state() == "idle":
            self.call_when_back = ticket_id
        return sent

    def pause(self, preset: str = "pause_break", text: str = "") -> bool:
        return self._dispatch("pause", "pause", {
            "counter": self.counter_id, "reason": reason_text(preset, PAUSE_PRESETS, text)})

    def resume(self) -> bool:
        return self._dispatch("pause", "resume", {"counter": self.counter_id})

    def press(self, action: str) -> bool:
        """A physical button: the same intents as the keyboard (pause with a preset)."""
        if action == "pause":
            return self.pause("pause_break") if self.state() != "paused" else False
        if action == "resume":
            return self.resume() if self.state() == "paused" else False
        handler = {"call_next": self.call_next, "recall": self.recall,
                   "start_service": self.start_service, "finish": self.finish,
                   "no_show": self.no_show}.get(action)
        return handler() if handler else False

    def on_result(self, action: str, result: dict[str, Any]) -> None:
        self.pending.pop(action, None)
        if result.get("ok"):
            data = result.get("data") or {}
            if action == "login" and isinstance(data.get("counter"), dict):
                counter = data["counter"]
                self.counter_id = counter.get("id")
                if self.counter_id:  # events follow; show the session now
                    self.model.counters[self.counter_id] = counter
            elif action == "logout":
                self.counter_id = None
            elif action in ("call_next", "call_ticket") and data.get("reason"):
                self.reasons[data.get("id", "")] = data["reason"]
            self.notice = None
            back = self.call_when_back
            if action == "reinstate" and any(tk["id"] == back for tk in self.waiting_list()):
                self.call_when_back = None  # its event came first: call now
                self.call_ticket(back)
                return
        else:
            if action == "reinstate":
                self.call_when_back = None
            self.notice = Notice("error", self.error_text(action, result.get("error") or {}))
        self.changed()

    def error_text(self, action: str, error: dict[str, Any]) -> str:
        code = error.get("code", "")
        label = t(f"console.action_{action}", self.lang)
        if code == "not_confirmed":
            return t("console.not_confirmed", self.lang, action=label)
        if code in ("queue_empty", "rate_limited", "locked_out") or (
                code == "unauthorized" and action == "login"):
            key = "err_login" if code == "unauthorized" else f"err_{code}"
            if code != "locked_out":
                return t(f"console.{key}", self.lang)
        message = str(error.get("message") or code or "?")
        return t("console.action_failed", self.lang, action=label, message=message)

    # ------------------------------------------------------------------ views
    def lane_name(self, lane: str) -> str:
        return localized(self.model.lanes.get(lane, {}).get("name"), self.lang, lane)

    def device_name(self, device: str) -> str:
        """"Kiosk lobi 2" for kiosk-2, as the office TOML names it (else the pairing name)."""
        names = self.model.office.get("device_names") or {}
        return str(names.get(device) or device)

    def service_name(self, service: str) -> str:
        return localized(self.model.services.get(service, {}).get("name"), self.lang, service)

    def stage_name(self, stage: str | None) -> str:
        if not stage:
            return ""
        key = f"console.stage_{stage}"
        text = t(key, self.lang)
        return text if text != key else stage.replace("-", " ").capitalize()

    def reason_text(self, reason: dict[str, Any] | None) -> str:
        if not reason:
            return "—"
        code = str(reason.get("code") or "")
        params = dict(reason.get("params") or {})
        lane = params.get("lane")
        values = {
            "lane": self.lane_name(lane) if lane else "",
            "waited": params.get("waited_min", "?"),
            "cap": params.get("cap_min", "?"),
            "after": params.get("after", "?"),
            "slot": format_clock(parse_time(params.get("slot")) or self.now(),
                                 self.model.office.get("timezone"), with_zone=False)
            if params.get("slot") else "?",
            "officer": params.get("officer") or "",
            "service": self.service_name(params["service"]) if params.get("service") else "",
            "stage": self.stage_name(params.get("stage")),
        }
        key = f"console.reason_{code}"
        text = t(key, self.lang, **values)
        return text if text != key else str(reason.get("text") or code)

    def _seconds_since(self, value: Any, until: datetime | None = None) -> float | None:
        start = parse_time(value)
        if start is None:
            return None
        return ((until or self.now()) - start).total_seconds()

    def ticket_view(self, ticket: dict[str, Any]) -> TicketView:
        lang = self.lang
        called = parse_time(ticket.get("called_at"))
        queued = ticket.get("queued_at") or ticket.get("issued_at")
        waited = self._seconds_since(queued, called) if called else self._seconds_since(queued)
        at_counter = format_duration(self._seconds_since(ticket.get("called_at")), lang)
        if ticket.get("status") == "serving" and ticket.get("started_at"):
            at_counter = t("console.at_counter_serving", lang, total=at_counter,
                           serving=format_duration(self._seconds_since(ticket["started_at"]),
                                                   lang))
        lane = str(ticket.get("lane") or "")
        auto = ""
        minutes = self.policy("no_show_after")
        last_call = parse_time(ticket.get("recalled_at")) or called
        if minutes > 0 and ticket.get("status") == "called" and last_call is not None:
            left = (last_call + timedelta(minutes=minutes) - self.now()).total_seconds()
            auto = t("console.auto_no_show_in", lang,
                     left=format_duration(max(left, 0.0), lang))
        return TicketView(
            id=str(ticket.get("id") or ""), number=str(ticket.get("number") or "?"),
            service=str(ticket.get("service") or ""),
            service_name=self.service_name(str(ticket.get("service") or "")),
            stage_name=self.stage_name(ticket.get("stage")), lane=lane,
            lane_name=self.lane_name(lane), priority=self.model.lane_is_priority(lane),
            status=str(ticket.get("status") or ""),
            status_text=t(f"console.status_{ticket.get('status')}", lang),
            waited_text=format_duration(waited, lang, smallest="minute"),
            at_counter_text=at_counter,
            reason_text=self.reason_text(self.reasons.get(str(ticket.get("id")))
                                         or (self.counter or {}).get("call_reason")),
            recalls=int(ticket.get("recalls") or 0), booked=bool(ticket.get("booked")),
            auto_no_show_text=auto)

    def waiting_rows(self) -> list[WaitingRow]:
        rows = []
        for tk in self.waiting_list():
            waited = self._seconds_since(tk.get("queued_at") or tk.get("issued_at")) or 0.0
            lane = str(tk.get("lane") or "")
            rows.append(WaitingRow(
                id=str(tk.get("id")), number=str(tk.get("number")),
                service_name=self.service_name(str(tk.get("service"))),
                stage_name=self.stage_name(tk.get("stage")), lane=lane,
                lane_name=self.lane_name(lane), priority=self.model.lane_is_priority(lane),
                waited_text=format_duration(waited, self.lang, smallest="minute"),
                waited_s=waited,
                to_me=tk.get("to_counter") == self.counter_id, booked=bool(tk.get("booked"))))
        return rows

    def no_show_rows(self) -> list[NoShowRow]:
        rows, tz = [], self.model.office.get("timezone")
        window = timedelta(minutes=self.policy("reinstate"))
        for tk in self.returnable():
            gone = parse_time(tk.get("finished_at")) or self.now()
            since = (self.now() - gone).total_seconds()
            lane = str(tk.get("lane") or "")
            rows.append(NoShowRow(
                id=str(tk["id"]), number=str(tk.get("number") or "?"),
                service_name=self.service_name(str(tk.get("service"))),
                lane_name=self.lane_name(lane), priority=self.model.lane_is_priority(lane),
                no_show_text=t("console.no_show_when", self.lang,
                               clock=format_clock(gone, tz),
                               ago=format_duration(since, self.lang, smallest="minute")),
                left_text=t("console.no_show_left", self.lang, left=format_duration(
                    (gone + window - self.now()).total_seconds(), self.lang,
                    smallest="minute")),
                mine=tk.get("counter") == self.counter_id))
        return rows

    def count_rows(self) -> list[CountRow]:
        counts = self.model.counts(self.waiting_list())
        services = list(self.model.services)
        lanes = list(self.model.lanes)

        def order(key: tuple[str, str]) -> tuple[int, int]:
            svc, lane = key
            return (services.index(svc) if svc in services else 99,
                    lanes.index(lane) if lane in lanes else 99)

        return [CountRow(self.service_name(svc), lane, self.lane_name(lane),
                         self.model.lane_is_priority(lane), n)
                for (svc, lane), n in sorted(counts.items(), key=lambda kv: order(kv[0]))]

    def alert_views(self) -> list[AlertView]:
        lang = self.lang
        out: list[AlertView] = []
        for dev, status in self.model.device_status.items():
            state = status.get("status")
            if state not in DEVICE_PROBLEMS:
                continue
            key = f"device:{dev}"
            out.append(AlertView(
                key, "device", "error" if state in ("paper_out", "cover_open", "offline", "help")
                else "warn",
                t("console.alert_device", lang, device=self.device_name(dev),
                  status=t(f"console.device_{state}", lang)),
                self.alert_seen.get(key) or str(status.get("at") or "")))
        mine = set((self.counter or {}).get("services") or [])
        for alert in self.model.alerts.values():
            svc = str(alert.get("service"))
            if mine and svc not in mine:  # other desks' services are their officers' concern
                continue
            kind = str(alert.get("kind"))
            key = f"service:{svc}/{kind}"
            text_key = f"console.alert_{kind}"
            text = t(text_key, lang, service=self.service_name(svc),
                     value=_whole(alert.get("value")), target=_whole(alert.get("target")))
            if text == text_key:
                text = f"{self.service_name(svc)}: {kind}"
            out.append(AlertView(key, "service", "warn", text,
                                 self.alert_seen.get(key, "")))
        out.sort(key=lambda a: a.at, reverse=True)  # newest first
        return out

    def transfer_options(self) -> TransferOptions:
        ticket = self.current_ticket or {}
        services = [(sid, self.service_name(sid)) for sid in self.model.services]
        stages = {sid: [(st, self.stage_name(st)) for st in (svc.get("stages") or [])]
                  for sid, svc in self.model.services.items()}
        counters = {sid: [(c["id"], counter_label(str(c.get("name") or c["id"]), self.lang))
                          for c in self.model.counters.values()
                          if sid in (c.get("services") or [])]
                    for sid in self.model.services}
        service = str(ticket.get("service") or (services[0][0] if services else ""))
        svc_stages = self.model.services.get(service, {}).get("stages") or []
        stage = None
        if ticket.get("stage") in svc_stages:
            idx = svc_stages.index(ticket["stage"])
            stage = svc_stages[idx + 1] if idx + 1 < len(svc_stages) else None
        elif svc_stages:
            stage = svc_stages[0]
        lane = str(ticket.get("lane") or "")
        return TransferOptions(services, stages, counters, service, stage,
                               priority=self.model.lane_is_priority(lane),
                               lane_name=self.lane_name(lane))

    def actions(self) -> dict[str, ActionView]:
        lang = self.lang
        out = {}
        for key in ACTION_ORDER:
            label_key = key
            if key == "pause" and self.state() == "paused":
                label_key = "resume"
            out[key] = ActionView(key, t(f"console.action_{label_key}", lang), SHORTCUTS[key],
                                  self.enabled(key), key in self.pending)
        return out

    def view(self) -> DeskView:
        lang = self.lang
        state = self.state()
        counter = self.counter or {}
        banner = None
        if self.connection in ("offline", "connecting"):
            banner = t("console.banner_offline", lang)
        elif self.connection == "unauthorized":
            banner = t("console.banner_unauthorized", lang)
        elif self.connection == "certificate_rejected":
            banner = t("console.banner_certificate_rejected", lang)
        pending_text = None
        if self.pending:
            labels = ", ".join(t(f"console.action_{a}", lang) for a in self.pending)
            pending_text = t("console.pending", lang, actions=labels)
        stats = counter.get("stats") or {}
        avg = stats.get("avg_service_s")
        counters = [(cid, counter_label(str(c.get("name") or cid), lang))
                    for cid, c in self.model.counters.items()]
        ticket = counter.get("ticket")
        return DeskView(
            lang=lang, screen="login" if state == "logged_out" else "desk", state=state,
            state_text=t(f"console.state_{state}", lang),
            office_name=str(self.model.office.get("name") or ""),
            clock_text=format_clock(self.now(), self.model.office.get("timezone")),
            counter_id=self.counter_id,
            counter_name=counter_label(str(counter.get("name") or self.counter_id or ""), lang),
            officer_name=str(counter.get("officer_name") or counter.get("officer") or ""),
            connection=self.connection, banner=banner, pending_text=pending_text,
            notice=self.notice, current=self.ticket_view(ticket) if ticket else None,
            actions=self.actions(), waiting=self.waiting_rows(), counts=self.count_rows(),
            alerts=self.alert_views(), served=int(stats.get("served") or 0),
            no_show=int(stats.get("no_show") or 0),
            avg_service_text=format_duration(avg, lang),
            pause_reason=str(counter.get("pause_reason") or ""),
            login_counters=counters, bound_counter=self.bound_counter,
            login_enabled=self.enabled("login"))
