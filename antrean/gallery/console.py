"""Screenshots of the counter console on a realistic morning, in both languages.

`render_gallery(out_dir)` starts a demo office whose server clock the script moves (so
waits are minutes, not seconds), issues tickets through a real kiosk connection in
several lanes, lets the officer serve a few, and grabs the real console window offscreen:
logged out, idle, serving a priority ticket, the transfer dialog, and offline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from antrean.demo_office import DemoOffice
from counter_console.app import Console, build_console
from office_client.connection import OfficeConnection

SIZE = (1366, 768)
LANGS = ("id", "en")


@dataclass
class ShiftedClock:
    """Real time plus an offset the script moves forward (never backward)."""

    offset: timedelta = field(default_factory=lambda: timedelta(minutes=-60))

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def at(self, minutes: float) -> None:
        self.offset = max(self.offset, timedelta(minutes=minutes))


def MorningOffice(clock: ShiftedClock) -> DemoOffice:  # noqa: N802 (reads as a class)
    """The demo office with a server clock we control."""
    return DemoOffice(clock=clock)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # block in Qt's event loop (up to 10 ms) rather than sleeping beside it
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
        if predicate():
            return True
    return predicate()


def command(conn: OfficeConnection, name: str, args: dict[str, Any]) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    conn.send_command(name, args, results.append)
    if not wait_for(lambda: bool(results)):
        raise RuntimeError(f"{name}: no result")
    return results[0]


def desk_do(console: Console, intent: Callable[[], bool]) -> None:
    if not intent():
        raise RuntimeError(f"desk refused: {console.desk.notice}")
    wait_for(lambda: not console.desk.pending)
    if console.desk.notice and console.desk.notice.kind == "error":
        raise RuntimeError(console.desk.notice.text)


# (minute relative to "now", service, lane, kiosk)
MORNING = (
    (-55, "paspor-baru", "reguler"), (-54, "paspor-ganti", "reguler"),
    (-52, "paspor-baru", "reguler"), (-50, "informasi", "reguler"),
    (-49, "izin-tinggal", "reguler"),
    (-31, "paspor-hilang", "reguler"), (-29, "paspor-baru", "reguler"),
    (-22, "paspor-baru", "lansia"), (-18, "paspor-ganti", "ibu-anak"),
    (-15, "paspor-baru", "reguler"), (-12, "paspor-baru", "disabilitas"),
    (-9, "paspor-ganti", "reguler"), (-7, "percepatan", "reguler"),
    (-6, "paspor-baru", "reguler"), (-4, "paspor-hilang", "lansia"),
    (-2, "paspor-ganti", "reguler"),
)


def render_gallery(out_dir: Path, size: tuple[int, int] = SIZE,
                   extra_sizes: tuple[tuple[int, int], ...] = ((1920, 1080),)) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert app is not None
    clock = ShiftedClock()
    written: list[Path] = []
    with MorningOffice(clock) as office:
        kiosk = OfficeConnection(office.url, "kiosk", "kiosk-1", office.tokens["kiosk-1"])
        kiosk2 = OfficeConnection(office.url, "kiosk", "kiosk-2", office.tokens["kiosk-2"])
        console = build_console(office.url, office.tokens["console-3"], "console-3",
                                desk_kwargs={"clock": clock})
        for conn in (kiosk, kiosk2, console.connection):
            conn.start()
        wait_for(lambda: kiosk.online and kiosk2.online and console.connection.online)
        window = console.window
        window.resize(*size)
        window.show()

        def shoot(name: str, sizes: tuple[tuple[int, int], ...] = ()) -> None:
            for lang in LANGS:
                console.desk.set_lang(lang)
                window.refresh()
                app.processEvents()
                path = out_dir / f"console-{name}-{lang}.png"
                window.grab().save(str(path))
                written.append(path)
            for w, h in sizes:
                console.desk.set_lang("id")
                window.resize(w, h)
                app.processEvents()
                window.refresh()
                app.processEvents()
                path = out_dir / f"console-{name}-id-{w}x{h}.png"
                window.grab().save(str(path))
                written.append(path)
                window.resize(*size)
                app.processEvents()

        shoot("logged-out")
        desk = console.desk
        clock.at(-58)
        desk_do(console, lambda: desk.login("budi", "1234"))

        def issue_until(minute: float) -> None:
            for when, service, lane in MORNING:
                if when <= minute and (when, service, lane) not in issued:
                    clock.at(when)
                    conn = kiosk2 if when % 2 else kiosk
                    result = command(conn, "issue_ticket", {"service": service, "lane": lane,
                                                            "lang": "id"})
                    if not result.get("ok"):
                        raise RuntimeError(result)
                    issued.add((when, service, lane))

        issued: set[tuple[int, str, str]] = set()
        # the officer's first hour: two served, one no-show
        for call_at, start_at, end_at, end in ((-48, -47, -41, "finish"),
                                               (-40, None, -37, "no_show"),
                                               (-36, -35, -30, "finish")):
            issue_until(call_at)
            clock.at(call_at)
            desk_do(console, desk.call_next)
            if start_at is not None:
                clock.at(start_at)
                desk_do(console, desk.start_service)
            issue_until(end_at)
            clock.at(end_at)
            desk_do(console, getattr(desk, end))
        issue_until(0)
        clock.at(0)
        command(kiosk2, "report_device_status", {"status": "paper_out",
                                                  "detail": "printer: paper_out"})
        wait_for(lambda: bool(console.connection.model.alerts), timeout=7)
        shoot("idle")

        desk_do(console, desk.call_next)
        clock.at(0.5)
        desk_do(console, desk.start_service)
        clock.at(4.2)
        # the server checks service levels every few seconds: wait for Paspor Baru's alert
        wait_for(lambda: "paspor-baru/wait" in console.connection.model.alerts, timeout=7)
        shoot("serving-priority", extra_sizes)

        window.trigger("transfer")
        window.transfer_dialog.note.setText("Berkas lengkap, lanjut foto")
        shoot("transfer")
        window.transfer_dialog.close_dialog()

        # stop the server off this thread: Qt must keep answering its close frames
        stopper = threading.Thread(target=office.server.stop)
        stopper.start()
        wait_for(lambda: not stopper.is_alive() and not console.connection.online, timeout=15)
        shoot("offline")

        for conn in (kiosk, kiosk2):
            conn.stop()
        console.stop()
        console.window.deleteLater()
        app.processEvents()
    return written


if __name__ == "__main__":
    import sys
    for p in render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "gallery-out")):
        print(p)
