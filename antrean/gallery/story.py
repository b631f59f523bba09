"""The one demo day every gallery shows: one office, one clock, the same tickets.

Each gallery runs its own `DemoOffice` (a fresh database), so the screens agree only if
every gallery plays the same script against the same clock: then A004 is the same ticket
(service, lane, kiosk) everywhere and the applicant's ticket is called at the same
counter on the board, the phone and the console. This module is that script:

- `DAY`, `ZONE` and `StoryClock`: Monday 7 December 2026, WIB; the server's clock and
  every screen's clock (a gallery passes the same `StoryClock` to both);
- `STEPS`: the morning, step by step (who issues what, who calls, starts, finishes);
- `CHECKPOINTS`: the moments the galleries take their pictures at;
- `Cast`: plays the steps through plain protocol clients, except the parts a gallery plays
  through its own real app (the kiosk gallery's Kiosk lobi 1, the console gallery's
  Loket 3);
- `StoryLog`: what each screen showed (clock, date, each ticket's lane and counter),
  written beside the pictures as `story-<gallery>.json` and compared by the tests.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from i18n.formats import format_clock, format_date

DAY = date(2026, 12, 7)  # a Monday: "Senin, 7 Desember 2026"
ZONE_NAME = "Asia/Jakarta"
ZONE = ZoneInfo(ZONE_NAME)
START = "08:00"  # the clock when a gallery's office starts: the doors open

# The desks of the story: counter -> (console device, officer, PIN). Loket 3's console is
# bound to its counter; the console gallery plays Budi at Loket 3 through the real app.
DESKS = {"loket-1": ("console-1", "sari", "5678"),
         "loket-2": ("console-2", "andi", "2468"),
         "loket-3": ("console-3", "budi", "1234")}
PRINTER_WORDS = {"paper_out": "paper roll is empty",
                 "paper_near_end": "paper roll is nearly empty"}
ANNOUNCEMENT = {
    "id": "Waspada calo! Seluruh layanan paspor tidak dipungut biaya tambahan dan tanpa "
          "perantara. Laporkan pungutan liar ke petugas informasi.",
    "en": "Beware of brokers! No extra fees and no intermediaries for any passport service. "
          "Report illegal charges at the information desk.",
}


def at(hhmm: str) -> datetime:
    """"08:31" or "08:31:30" on the story's day, in the office's zone, as a UTC moment."""
    parts = [int(p) for p in hhmm.split(":")]
    hour, minute, second = (parts + [0, 0])[:3]
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, second,
                    tzinfo=ZONE).astimezone(UTC)


@dataclass
class StoryClock:
    """The story's time, for the server and every screen: it only moves forward."""

    now: datetime = field(default_factory=lambda: at(START))

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: str | datetime) -> None:
        moment = at(when) if isinstance(when, str) else when
        self.now = max(self.now, moment)

    def local(self) -> datetime:
        return self.now.astimezone(ZONE)

    def clock_text(self) -> str:
        return format_clock(self.now, ZONE_NAME)

    def date_text(self, lang: str = "id") -> str:
        return format_date(self.now, ZONE_NAME, lang)


@dataclass(frozen=True)
class Step:
    """One thing that happens in the office. `actor` is a kiosk device, a counter or
    "admin"; `label` names a ticket the galleries refer to; `ticket` refers to one."""

    at: str
    actor: str
    action: str  # login issue call_next call_ticket start finish no_show recall device announce
    service: str = ""
    lane: str = ""
    lang: str = "id"
    label: str = ""
    ticket: str = ""
    status: str = ""


def _issue(when: str, kiosk: str, service: str, lane: str = "reguler", lang: str = "id",
           label: str = "") -> Step:
    return Step(when, kiosk, "issue", service, lane, lang, label)


def _desk(when: str, counter: str, action: str, ticket: str = "") -> Step:
    return Step(when, counter, action, ticket=ticket)


STEPS: tuple[Step, ...] = (
    # 08:00 the doors open: the officers log in, both lobby kiosks issue.
    _desk("08:00", "loket-1", "login"), _desk("08:00", "loket-2", "login"),
    _desk("08:00", "loket-3", "login"),
    _issue("08:00:20", "kiosk-2", "paspor-baru"), _issue("08:01", "kiosk-1", "paspor-ganti"),
    _issue("08:02", "kiosk-2", "paspor-baru"), _issue("08:03", "kiosk-1", "informasi"),
    _issue("08:04", "kiosk-2", "paspor-baru", "lansia"),
    _desk("08:05", "loket-1", "call_next"), _desk("08:05:30", "loket-3", "call_next"),
    _desk("08:06", "loket-1", "start"), _desk("08:06:20", "loket-3", "start"),
    _issue("08:07", "kiosk-1", "izin-tinggal"), _issue("08:08", "kiosk-2", "paspor-hilang"),
    _desk("08:09", "loket-2", "call_next"), _desk("08:10", "loket-2", "start"),
    _issue("08:11", "kiosk-1", "paspor-baru"),
    _desk("08:12", "loket-3", "finish"), _desk("08:12:30", "loket-3", "call_next"),
    _issue("08:13", "kiosk-2", "paspor-ganti", "ibu-anak"),
    _desk("08:15", "loket-3", "no_show"), _desk("08:15:20", "loket-1", "finish"),
    _issue("08:16", "kiosk-1", "paspor-baru"),
    _desk("08:16:30", "loket-3", "call_next"), _desk("08:17", "loket-3", "start"),
    _issue("08:18", "kiosk-2", "paspor-baru", "disabilitas"),
    _desk("08:19", "loket-1", "call_next"), _desk("08:20", "loket-1", "start"),
    _issue("08:20:30", "kiosk-1", "percepatan"), _issue("08:21", "kiosk-2", "paspor-baru"),
    _issue("08:22", "kiosk-1", "paspor-ganti"), _desk("08:22:30", "loket-3", "finish"),
    _desk("08:23", "loket-2", "finish"), _desk("08:23:30", "loket-2", "call_next"),
    _desk("08:24", "loket-2", "start"), _issue("08:24:30", "kiosk-2", "paspor-baru"),
    _issue("08:25", "kiosk-1", "paspor-hilang", "lansia"),
    _issue("08:26", "kiosk-2", "paspor-baru"), _issue("08:27", "kiosk-2", "izin-tinggal"),
    # Kiosk lobi 2 runs out of paper: from now on everyone takes a number at Kiosk lobi 1.
    Step("08:28", "kiosk-2", "device", status="paper_out"),
    _issue("08:29", "kiosk-1", "paspor-ganti"), _desk("08:29:30", "loket-1", "finish"),
    # 08:30 "hall": the galleries show the lobby. Then the applicants the story follows.
    _issue("08:31", "kiosk-1", "paspor-baru", "lansia", "id", "applicant"),
    _issue("08:32", "kiosk-1", "izin-tinggal", "reguler", "en", "applicant-en"),
    _issue("08:33", "kiosk-1", "paspor-ganti", "ibu-anak", "id", "print-failed-id"),
    _issue("08:33:30", "kiosk-1", "paspor-ganti", "reguler", "en", "print-failed-en"),
    _issue("08:34", "kiosk-1", "paspor-baru", "disabilitas", "id", "contrast"),
    # 08:36 "called": Sari calls the applicant to Loket 1 (board flashing, phone called).
    _desk("08:36", "loket-1", "call_ticket", ticket="applicant"),
    _desk("08:36:30", "loket-3", "call_next"), _desk("08:37", "loket-3", "start"),
    _desk("08:37:30", "loket-1", "start"),
    # 08:40 "serving": Budi serves at Loket 3 (the console). Then the busy quarter hour.
    Step("08:41", "admin", "announce"),
    _issue("08:41:10", "kiosk-1", "paspor-baru"), _issue("08:41:40", "kiosk-1", "paspor-ganti"),
    _issue("08:42", "kiosk-1", "paspor-baru"), _issue("08:42:30", "kiosk-1", "izin-tinggal"),
    _desk("08:42:40", "loket-2", "finish"),
    _issue("08:43", "kiosk-1", "paspor-baru"), _issue("08:43:20", "kiosk-1", "paspor-ganti"),
    _desk("08:43:40", "loket-3", "finish"),
    # 08:44 the applicant is done at Loket 1 (the phone asks for the survey).
    _desk("08:44", "loket-1", "finish"),
    # 08:44:20 "together": the three officers call within ten seconds; the boards flash
    # the three calls side by side, none hiding another.
    _desk("08:44:10", "loket-2", "call_next"), _desk("08:44:15", "loket-3", "call_next"),
    _desk("08:44:20", "loket-1", "call_next"),
    _issue("08:44:40", "kiosk-1", "paspor-baru"),
    _desk("08:45", "loket-2", "recall"),
)

# The moments the galleries take their pictures at (after every step up to then).
CHECKPOINTS = {"hall": "08:30", "called": "08:36", "serving": "08:40",
               "together": "08:44:20", "busy": "08:45", "done": "08:46"}


def story_config() -> Any:
    """The example office as it is on the story's Monday: its real hours (no "always open":
    the clock is the story's), and today's same-day passport quota of one ticket, used up
    at 08:20, so the kiosk and the boards show a closed service."""
    from config import office as office_config

    data = office_config.load().model_dump()
    for svc in data["services"]:
        if svc["id"] == "percepatan":
            svc["quota"] = {lane: (1 if lane == "reguler" else 0) for lane in svc["lanes"]}
    return office_config.OfficeConfig.model_validate({**data, "source": "story"})


def story_office() -> Any:
    """`with story_office() as office:` the demo office on the story's clock
    (`office.clock`, a `StoryClock` that starts at 08:00, when the doors open)."""
    from antrean.demo_office import DemoOffice

    return DemoOffice(clock=StoryClock(), config=story_config())


class Cast:
    """Plays `STEPS` against one demo office, in order, moving the clock before each step.

    Every step is played through a plain protocol client (one per device), except the
    actors a gallery plays itself: `parts[actor](step)` (a real kiosk or console window).
    A part returns the ticket it issued or called (the result's data), or None."""

    def __init__(self, office: Any, clock: StoryClock,
                 parts: dict[str, Callable[[Step], dict[str, Any] | None]] | None = None,
                 after_step: Callable[[], None] | None = None) -> None:
        self.office, self.clock = office, clock
        self.parts = dict(parts or {})
        self.after_step = after_step
        self.tickets: dict[str, dict[str, Any]] = {}  # label -> the issued ticket
        self.called_at: dict[str, str] = {}  # ticket number -> counter that called it last
        self.played = 0
        self._clients: dict[str, Any] = {}

    def client(self, device: str, role: str) -> Any:
        from antrean.gallery.board import WsClient

        if device not in self._clients:
            self._clients[device] = WsClient(self.office.url, role, device,
                                             self.office.tokens[device])
        return self._clients[device]

    def play(self, checkpoint: str) -> None:
        """Every step up to `checkpoint` (a name in CHECKPOINTS or "HH:MM"); then the clock
        stands at that moment."""
        until = at(CHECKPOINTS.get(checkpoint, checkpoint))
        while self.played < len(STEPS) and at(STEPS[self.played].at) <= until:
            step = STEPS[self.played]
            self.clock.set(step.at)
            self.do(step)
            self.played += 1
            if self.after_step:
                self.after_step()
        self.clock.set(until)

    def number(self, label: str) -> str:
        return str(self.tickets[label]["number"])

    def do(self, step: Step) -> None:
        part = self.parts.get(step.actor)
        data = part(step) if part else self._play(step)
        if step.action == "issue" and data and step.label:
            self.tickets[step.label] = data
        if step.action in ("call_next", "call_ticket") and data and data.get("number"):
            self.called_at[str(data["number"])] = step.actor

    def _play(self, step: Step) -> dict[str, Any] | None:
        if step.action == "issue":
            return self.client(step.actor, "kiosk").ok(
                "issue_ticket", service=step.service, lane=step.lane, lang=step.lang)
        if step.action == "device":
            # (what a real kiosk reports: its printer's own words, for the technician)
            self.client(step.actor, "kiosk").ok("report_device_status", status=step.status,
                                                 detail=PRINTER_WORDS.get(step.status, ""))
            return None
        if step.action == "announce":
            self.client("admin-1", "admin").ok("set_announcement", text=ANNOUNCEMENT)
            return None
        device, officer, pin = DESKS[step.actor]
        desk = self.client(device, "counter")
        if step.action == "login":
            desk.ok("login", officer=officer, pin=pin, counter=step.actor)
            return None
        if step.action == "call_ticket":
            return desk.ok("call_ticket", counter=step.actor, ticket=self.number(step.ticket))
        name = {"start": "start_service"}.get(step.action, step.action)
        return desk.ok(name, counter=step.actor)

    def server_seq(self) -> int:
        """The last event's seq on the server: a window is up to date once it has it."""
        with urllib.request.urlopen(f"{self.office.http_url}/health", timeout=5) as answer:
            return int(json.loads(answer.read())["seq"])

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


@dataclass
class StoryLog:
    """What each screen showed, for the test that the galleries tell one story."""

    gallery: str
    shots: list[dict[str, Any]] = field(default_factory=list)

    def shot(self, screen: str, clock: StoryClock, *, time_text: str | None = None,
             date_text: str | None = None, lang: str = "id",
             tickets: list[dict[str, str]] | None = None) -> None:
        """`screen` showed `time_text`/`date_text` (None: it shows no clock) and
        `tickets` ({"number", "lane", "counter", "service"}: what it said of each) while
        the story's clock stood at `clock`."""
        self.shots.append({"screen": screen, "lang": lang, "story_time": clock.clock_text(),
                           "story_date": clock.date_text(lang), "time_text": time_text,
                           "date_text": date_text, "tickets": tickets or []})

    def write(self, out_dir: Path) -> Path:
        path = Path(out_dir) / f"story-{self.gallery}.json"
        path.write_text(json.dumps({"gallery": self.gallery, "day": DAY.isoformat(),
                                    "shots": self.shots}, ensure_ascii=False, indent=1),
                        encoding="utf-8")
        return path


def wait_until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    """Run the Qt event loop until `predicate()` holds (an app caught up with the server)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if predicate():
            return True
    return predicate()
