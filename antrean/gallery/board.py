"""Board screenshots and sample announcements for the demo and for reviewing the design.

`render_gallery(out_dir)` plays the story's morning (antrean/gallery/story.py: the same
office, clock and tickets as every gallery) through plain WebSocket clients and grabs the
real `BoardScreen` at 1920×1080, 1366×768 and portrait 1080×1920: idle at 08:30, the
applicant's call flashing at 08:36, a busy hall at 08:45 ("Waspada calo!", a recall), and
offline (server stopped). It also shoots the web board in headless Chromium (when
/usr/bin/chromium exists) and writes the applicant's call as WAVs (Indonesian, English).

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
    """Write the board screenshots and sample announcements into `out_dir`.

    The board is the one in the waiting room of the story's office (antrean/gallery/
    story.py): the same tickets, calls and clock as every other gallery."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from datetime import timedelta

    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from antrean.gallery.story import Cast, StoryLog, story_office
    from display_board.app import BoardController
    from display_board.screens import BoardScreen

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    written: list[Path] = []
    story = StoryLog("board")
    called: tuple[str, str] | None = None  # the applicant's number and counter name

    with story_office() as office:
        clock = office.clock
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
            s.clock_timer.stop()  # the story's clock, not the machine's
        ctl.start()
        wait_qt(lambda: ctl.board.model.loaded)

        def shoot(state: str, flash_on: bool | None = None) -> None:
            ctl.board.clock_offset = timedelta(0)  # the story's clock is the server's
            for name, s in screens.items():
                s.now_override = clock()
                if flash_on is not None:
                    ctl.board.flash.on = flash_on
                s.marquee_x = 0
                s.refresh()
                app.processEvents()
                if flash_on is not None:
                    s.view = ctl.board.view(clock(), lang=s.lang)
                fname = ("board-portrait-1080x1920.png" if name == "portrait"
                         else f"board-{state}-{name}.png")
                if name == "portrait" and state != "busy":
                    continue  # one portrait shot: the busy hall
                path = out_dir / fname
                s.grab().save(str(path))
                written.append(path)
                story.shot(f"board-{state}-{name}", clock, time_text=s.view.time_text,
                           date_text=s.view.date_text, lang=s.lang,
                           tickets=[{"number": c.number, "counter": c.counter_name}
                                    for c in s.view.last_calls])

        cast = Cast(office, clock, after_step=lambda: app.processEvents())

        def caught_up() -> None:
            seq = cast.server_seq()
            wait_qt(lambda: ctl.board.model.seq >= seq)

        cast.play("hall")
        caught_up()
        shoot("idle")

        # 08:36: the applicant is called to Loket 1, the number flashing.
        cast.play("called")
        number = cast.number("applicant")
        wait_qt(lambda: ctl.board.latest is not None and ctl.board.latest.number == number)
        called = (number, ctl.board.latest.counter_name)
        shoot("call-flashing", flash_on=True)

        # 08:45: a busy hall: more calls, more arrivals, "Waspada calo!", a recall.
        cast.play("busy")
        caught_up()
        wait_qt(lambda: ctl.board.model.announcement is not None and ctl.board.latest
                is not None and ctl.board.latest.recall)
        ctl.board.flash.stop()
        ctl.screen.flash_timer.stop()
        shoot("busy")

        try:
            web = shoot_web_board(office.http_url, out_dir / "web-board.png",
                                  wait_for=ctl.board.latest.number)
        except Exception as exc:  # the Qt shots are still worth having
            log.warning("web board screenshot failed: %s", exc)
            web = None
        if web:
            written.append(web)
        cast.close()

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

    written.append(story.write(out_dir))
    if called:
        written += write_sample_announcements(out_dir, *called)
    return written


def write_sample_announcements(out_dir: Path, number: str = "A012",
                               counter: str = "Loket 3") -> list[Path]:
    """announce-<number>-id.wav and -en.wav: the call the board speaks (skipped if espeak-ng
    is missing)."""
    from voice.synth import Synthesizer, VoiceUnavailable

    synth = Synthesizer(cache_dir=Path(out_dir) / ".voice-cache")
    written = []
    for lang in ("id", "en"):
        try:
            wav = synth.announcement_wav(number, counter, lang=lang)
        except VoiceUnavailable:
            continue
        target = Path(out_dir) / f"announce-{number}-{lang}.wav"
        shutil.copyfile(wav, target)
        written.append(target)
    shutil.rmtree(Path(out_dir) / ".voice-cache", ignore_errors=True)
    return written


if __name__ == "__main__":  # python -m antrean.gallery.board OUT_DIR
    import sys

    for p in render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "board-gallery")):
        print(p)
