"""Board screenshots and sample announcements for the demo and for reviewing the design.

`render_gallery(out_dir)` starts a `DemoOffice`, plays a realistic morning through plain
WebSocket clients (kiosks issue tickets in several services and lanes, three officers log
in and call, an admin posts "Waspada calo!"), and grabs the real `BoardScreen` at
1920×1080, 1366×768 and portrait 1080×1920: idle, a fresh call flashing, a busy hall, and
offline (server stopped). It also shoots the web board in headless Chromium (when
/usr/bin/chromium exists) and writes the A012 announcement WAVs (Indonesian, English).

`WsClient` (a tiny synchronous protocol client) is shared with the tests.
"""

from __future__ import annotations

import gc
import itertools
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , "
                 "EXCLUDE 127.0.0.1", "--autoplay-policy=no-user-gesture-required"]
SIZES = {"1920": (1920, 1080), "1366": (1366, 768)}
CALO_TEXT = {
    "id": "Waspada calo! Seluruh layanan paspor tidak dipungut biaya tambahan dan tanpa "
          "perantara. Laporkan pungutan liar ke petugas informasi.",
    "en": "Beware of brokers! No extra fees and no intermediaries for any passport service. "
          "Report illegal charges at the information desk.",
}


class WsClient:
    """A blocking protocol client: hello, then commands answered by their result."""

    _ids = itertools.count(1)

    def __init__(self, url: str, role: str, device: str | None = None,
                 token: str | None = None) -> None:
        # websockets 17 wants connect() as a context manager; we hold it open ourselves.
        self._cm = connect(url, open_timeout=5, compression=None, close_timeout=2,
                           max_queue=None)  # unread events must not stall close()
        self.ws = self._cm.__enter__()
        hello: dict[str, Any] = {"type": "hello", "protocol": 1, "role": role, "last_seq": 0}
        if device:
            hello["device"] = device
        if token:
            hello["token"] = token
        self.ws.send(json.dumps(hello))
        self.welcome = json.loads(self.ws.recv(timeout=5))
        if self.welcome.get("type") != "welcome":
            raise RuntimeError(f"not welcomed: {self.welcome}")

    def command(self, name: str, **args: Any) -> dict[str, Any]:
        cmd_id = f"g{next(self._ids)}-{time.monotonic_ns()}"
        self.ws.send(json.dumps({"type": "command", "id": cmd_id, "name": name, "args": args}))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv(timeout=10))
            if msg.get("type") == "result" and msg.get("id") == cmd_id:
                return msg
        raise TimeoutError(f"no result for {name}")

    def ok(self, name: str, **args: Any) -> dict[str, Any]:
        result = self.command(name, **args)
        if not result.get("ok"):
            raise RuntimeError(f"{name} {args}: {result.get('error')}")
        return result.get("data") or {}

    def close(self) -> None:
        self._cm.__exit__(None, None, None)


def wait_qt(predicate: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    """Run the Qt event loop until `predicate()` holds (the board applied what we sent)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if predicate():
            return True
    return predicate()


def issue_many(kiosk: WsClient, plan: list[tuple[str, str, int]]) -> None:
    for service, lane, n in plan:
        for _ in range(n):
            kiosk.ok("issue_ticket", service=service, lane=lane, lang="id")


def shoot_web_board(http_url: str, out: Path, width: int = 1920, height: int = 1080,
                    wait_for: str | None = None) -> Path | None:
    """Screenshot of /display in headless Chromium; None when Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{http_url}/display")
            page.wait_for_function("() => document.body.dataset.state === 'online'", timeout=10000)
            if wait_for:
                page.wait_for_function(
                    "n => document.querySelector('#latest-number').textContent === n",
                    arg=wait_for, timeout=10000)
            page.wait_for_timeout(300)
            page.screenshot(path=str(out))
        finally:
            browser.close()
    return out


def render_gallery(out_dir: Path) -> list[Path]:
    """Write the board screenshots and sample announcement WAVs into `out_dir`: idle, one
    fresh call, calls made together, a busy hall, offline (the amber sign), portrait."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from antrean.demo_office import DemoOffice
    from display_board.app import BoardController
    from display_board.screens import BoardScreen

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    written: list[Path] = []

    with DemoOffice() as office:
        ctl = BoardController(office.url, token=office.tokens["board-1"], device="board-1",
                              voice=False)
        screens: dict[str, BoardScreen] = {"1920": ctl.screen}
        ctl.screen.resize(*SIZES["1920"])
        for name in ("1366", "portrait"):
            s = BoardScreen(ctl.board)
            s.resize(*(SIZES[name] if name in SIZES else (1080, 1920)))
            screens[name] = s
        for s in screens.values():
            s.marquee_timer.stop()  # a still image: text starts at the left edge
        ctl.start()
        wait_qt(lambda: ctl.board.model.loaded)

        def shoot(state: str, flash_on: bool | None = None) -> None:
            for name, s in screens.items():
                if flash_on is not None:
                    ctl.board.flash.on = flash_on
                s.marquee_x = 0
                s.refresh()
                app.processEvents()
                if flash_on is not None:
                    s.view = ctl.board.view(lang=s.lang)
                fname = ("board-portrait-1080x1920.png" if name == "portrait"
                         else f"board-{state}-{name}.png")
                if name == "portrait" and state != "busy":
                    continue  # one portrait shot: the busy hall
                path = out_dir / fname
                s.grab().save(str(path))
                written.append(path)

        kiosk = WsClient(office.url, "kiosk", "kiosk-1", office.tokens["kiosk-1"])
        kiosk2 = WsClient(office.url, "kiosk", "kiosk-2", office.tokens["kiosk-2"])
        admin = WsClient(office.url, "admin", "admin-1", office.tokens["admin-1"])
        consoles = {}
        for device, officer, pin, counter in (("console-1", "budi", "1234", "loket-1"),
                                              ("console-2", "sari", "5678", "loket-2"),
                                              ("console-3", "andi", "2468", "loket-3")):
            c = WsClient(office.url, "counter", device, office.tokens[device])
            c.ok("login", officer=officer, pin=pin, counter=counter)
            consoles[counter] = c
        admin.command("open_counter", counter="loket-4")
        issue_many(kiosk, [("paspor-baru", "reguler", 6), ("paspor-ganti", "reguler", 3),
                           ("paspor-hilang", "reguler", 1), ("izin-tinggal", "reguler", 2)])
        issue_many(kiosk2, [("paspor-baru", "lansia", 1), ("informasi", "reguler", 2)])
        wait_qt(lambda: len(ctl.board.model.waiting) >= 15)
        shoot("idle")

        # A fresh call: the number flashing.
        called = consoles["loket-3"].ok("call_next", counter="loket-3")
        wait_qt(lambda: ctl.board.latest is not None
                and ctl.board.latest.number == called["number"])
        shoot("call-flashing", flash_on=True)

        # Officers calling together: every fresh call flashes, none hides another.
        together = [consoles[c].ok("call_next", counter=c) for c in ("loket-1", "loket-2")]
        wait_qt(lambda: len(ctl.board.fresh_calls()) == 3
                and ctl.board.fresh_calls()[0].number == together[-1]["number"])
        shoot("calls-together", flash_on=True)

        # A busy hall: many calls, more arrivals, the "Waspada calo" running text.
        admin.ok("set_announcement", text=CALO_TEXT)
        issue_many(kiosk, [("paspor-baru", "reguler", 9), ("percepatan", "reguler", 4),
                           ("paspor-ganti", "ibu-anak", 1), ("izin-tinggal", "reguler", 3)])
        for counter in ("loket-1", "loket-2", "loket-3", "loket-1", "loket-2", "loket-3",
                        "loket-1", "loket-2"):
            c = consoles[counter]
            c.command("start_service", counter=counter)  # errors ignored: nobody called yet
            c.command("finish", counter=counter)
            c.ok("call_next", counter=counter)
        consoles["loket-3"].ok("start_service", counter="loket-3")
        last = consoles["loket-2"].ok("recall", counter="loket-2")
        wait_qt(lambda: ctl.board.model.announcement is not None and ctl.board.latest
                is not None and ctl.board.latest.number == last["number"]
                and ctl.board.latest.recall)
        ctl.board.flash.stop()
        ctl.screen.flash_timer.stop()
        # The demo office is open at any hour (no cut-offs); the same-day passport's 10:00
        # cut-off is shown as the board shows it later in the morning: TUTUP.
        percepatan = ctl.board.model.services.get("percepatan")
        if percepatan is not None:
            percepatan.update(open=False, closed_reason="after_cutoff")
        shoot("busy")

        try:
            web = shoot_web_board(office.http_url, out_dir / "web-board.png",
                                  wait_for=last["number"])
        except Exception as exc:  # the Qt shots are still worth having
            log.warning("web board screenshot failed: %s", exc)
            web = None
        if web:
            written.append(web)

        for c in (kiosk, kiosk2, admin, *consoles.values()):
            c.close()
        # Stop the server while Qt runs, so the board answers the close handshake at once.
        stopper = threading.Thread(target=office.server.stop)
        stopper.start()
        wait_qt(lambda: not stopper.is_alive(), 30)
        office.server = None
        wait_qt(lambda: not ctl.board.online)
        shoot("offline")
        ctl.stop()
        for s in screens.values():
            s.close()
            s.deleteLater()
        ctl.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
        ctl = screens = s = None  # drop the last references before collecting
    gc.collect()  # here, on the GUI thread: never let a worker thread collect Qt objects

    written += write_sample_announcements(out_dir)
    return written


def write_sample_announcements(out_dir: Path) -> list[Path]:
    """announce-A012-id.wav and announce-A012-en.wav (skipped if espeak-ng is missing)."""
    from voice.synth import Synthesizer, VoiceUnavailable

    synth = Synthesizer(cache_dir=Path(out_dir) / ".voice-cache")
    written = []
    for lang in ("id", "en"):
        try:
            wav = synth.announcement_wav("A012", "Loket 3", lang=lang)
        except VoiceUnavailable:
            continue
        target = Path(out_dir) / f"announce-A012-{lang}.wav"
        shutil.copyfile(wav, target)
        written.append(target)
    shutil.rmtree(Path(out_dir) / ".voice-cache", ignore_errors=True)
    return written


if __name__ == "__main__":  # python -m antrean.gallery.board OUT_DIR
    import sys

    for p in render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "board-gallery")):
        print(p)
