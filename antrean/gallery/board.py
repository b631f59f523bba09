"""Board screenshots and sample announcements for the demo and for reviewing the design.

`render_gallery(out_dir)` plays the story's morning (antrean/gallery/story.py: the same
office, clock and tickets as every gallery) through plain WebSocket clients and grabs the
real `BoardScreen` at 1920×1080, 1366×768 and portrait 1080×1920: idle at 08:30, the
applicant's call flashing at 08:36, the three officers calling together at 08:44:20 (the
three calls flashing side by side; also in English), a busy hall at 08:45 ("Waspada
calo!", a recall), and offline (server stopped). It also shoots the web board in headless
Chromium (when /usr/bin/chromium exists: the calls together and the busy hall) and writes
the applicant's call as WAVs (Indonesian, English).

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
from datetime import datetime
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from antrean.gallery.story import wait_until
from reports.pdf import CHROMIUM
from reports.pdf import CHROMIUM_ARGS as REPORT_CHROMIUM_ARGS

log = logging.getLogger(__name__)

# the reports' Chromium (offline: every name but the local server's resolves to nothing),
# and a board may speak without a click
CHROMIUM_ARGS = [*REPORT_CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
SIZES = {"1920": (1920, 1080), "1366": (1366, 768)}
class WsClient:
    """A blocking protocol client: hello, then commands answered by their result. A
    supervisor says hello with `officer` and `pin` (`hello`) instead of a token."""

    _ids = itertools.count(1)

    def __init__(self, url: str, role: str, device: str | None = None,
                 token: str | None = None, **hello_args: str) -> None:
        # legacy=True: a plain connection this client closes itself (websockets' public
        # opt-out of the reconnecting iterator)
        self.ws = connect(url, open_timeout=5, compression=None, close_timeout=2,
                          max_queue=None, legacy=True)  # unread events must not stall close()
        hello: dict[str, Any] = {"type": "hello", "protocol": 1, "role": role, "last_seq": 0,
                                 **hello_args}
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
        self.ws.close()


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


class WebBoard:
    """/display open in headless Chromium, its clock held still at a moment of the story:
    a call flashes only when it arrives while the page is open, and it flashes until the
    picture is taken, however slow the machine."""

    def __init__(self, http_url: str, now: datetime, width: int = 1920,
                 height: int = 1080) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS)
            self.page = self._browser.new_page(viewport={"width": width, "height": height})
            self.page.clock.set_fixed_time(now)  # the page reads the server's offset from it
            self.page.goto(f"{http_url}/display")
            self.page.wait_for_function("() => document.body.dataset.state === 'online'",
                                        timeout=10000)
        except BaseException:
            self._pw.stop()
            raise

    def hold_clock_at(self, now: datetime) -> None:
        self.page.clock.set_fixed_time(now)

    def shoot_fresh(self, numbers: list[str], out: Path) -> Path:
        """Once the page flashes exactly `numbers` side by side (newest first)."""
        self.page.wait_for_function(
            "ns => [...document.querySelectorAll('#fresh:not([hidden]) .fresh-call')]"
            ".map(e => e.dataset.number).join() === ns.join()", arg=numbers, timeout=10000)
        self.page.screenshot(path=str(out))
        return out

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._pw.stop()


def render_gallery(out_dir: Path) -> list[Path]:
    """Write the board screenshots and sample announcements into `out_dir`.

    The board is the one in the waiting room of the story's office (antrean/gallery/
    story.py): the same tickets, calls and clock as every other gallery."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from datetime import timedelta

    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from antrean.gallery.story import CHECKPOINTS, DESKS, Cast, StoryLog, at, story_office
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
        for name in ("1366", "portrait", "1920-en"):
            s = BoardScreen(ctl.board, "en" if name.endswith("-en") else "id")
            s.resize(*SIZES.get(name.removesuffix("-en"), (1080, 1920)))
            screens[name] = s
        for s in screens.values():
            s.marquee_timer.stop()  # a still image: text starts at the left edge
            s.clock_timer.stop()  # the story's clock, not the machine's
        ctl.start()
        wait_until(lambda: ctl.board.model.loaded)

        def shoot(state: str, flash_on: bool | None = None) -> None:
            # the story's clock is the server's, for the picture; then the offset the board
            # learnt again, by which it tells a live call (it flashes) from an old one
            learnt, ctl.board.clock_offset = ctl.board.clock_offset, timedelta(0)
            try:
                take(state, flash_on)
            finally:
                ctl.board.clock_offset = learnt

        def take(state: str, flash_on: bool | None) -> None:
            for name, s in screens.items():
                s.now_override = clock()
                if flash_on is not None:
                    ctl.board.flash.on = flash_on
                s.marquee_x = 0
                s.refresh()
                if flash_on is not None:  # a still: the flash must not end mid-shot
                    s.flash_timer.stop()
                app.processEvents()
                if flash_on is not None:
                    s.view = ctl.board.view(clock(), lang=s.lang)
                fname = ("board-portrait-1080x1920.png" if name == "portrait"
                         else f"board-{state}-{name}.png")
                if name == "portrait" and state != "busy":
                    continue  # one portrait shot: the busy hall
                if name == "1920-en" and state != "calls-together":
                    continue  # one English shot: the calls together
                path = out_dir / fname
                s.grab().save(str(path))
                written.append(path)
                story.shot(f"board-{state}-{name}", clock, time_text=s.view.time_text,
                           date_text=s.view.date_text, lang=s.lang,
                           tickets=[{"number": c.number, "counter": c.counter_name,
                                     "flashing": True} for c in s.view.fresh]
                           + [{"number": c.number, "counter": c.counter_name}
                              for c in s.view.last_calls])

        cast = Cast(office, clock, after_step=lambda: app.processEvents())

        def caught_up() -> None:
            seq = cast.server_seq()
            wait_until(lambda: ctl.board.model.seq >= seq)

        def flash_over() -> None:
            """Minutes passed on the story's clock since the last call: its flash is over,
            as the screen's timer would have ended it (the story plays in milliseconds)."""
            while ctl.board.tick():
                pass

        cast.play("hall")
        caught_up()
        flash_over()
        shoot("idle")

        # 08:36: the applicant is called to Loket 1, the number flashing.
        cast.play("called")
        number = cast.number("applicant")
        wait_until(lambda: ctl.board.latest is not None and ctl.board.latest.number == number)
        called = (number, ctl.board.latest.counter_name)
        shoot("call-flashing", flash_on=True)

        # 08:44:10-08:44:20: the three officers call within ten seconds; both boards
        # flash the three calls side by side. The web board opens before the calls (a call
        # flashes only when it arrives live), its clock at the story's.
        cast.play("08:44:05")
        caught_up()
        flash_over()
        try:
            web_board: WebBoard | None = (WebBoard(office.http_url, clock())
                                          if Path(CHROMIUM).exists() else None)
        except Exception as exc:  # the Qt shots are still worth having
            log.warning("web board failed to open: %s", exc)
            web_board = None
        if web_board:
            web_board.hold_clock_at(at(CHECKPOINTS["together"]))
        cast.play("together")
        wait_until(lambda: {c.counter for c in ctl.board.fresh_calls()} == set(DESKS))
        for s in screens.values():
            s.flash_timer.stop()  # a still: the three calls flash until they are shot
        shoot("calls-together", flash_on=True)
        if web_board:
            try:
                written.append(web_board.shoot_fresh(
                    [c.number for c in ctl.board.fresh_calls()],
                    out_dir / "web-board-calls-together.png"))
            except Exception as exc:
                log.warning("web board screenshot failed: %s", exc)
            finally:
                web_board.close()

        # 08:45: a busy hall: more calls, more arrivals, "Waspada calo!", a recall.
        cast.play("busy")
        caught_up()
        wait_until(lambda: ctl.board.model.announcement is not None and ctl.board.latest
                is not None and ctl.board.latest.recall)
        ctl.board.flash.stop()
        ctl.screen.flash_timer.stop()
        shoot("busy")

        try:
            # a page opened now takes the newest call as its latest (a snapshot carries no
            # recalls)
            web = shoot_web_board(office.http_url, out_dir / "web-board.png",
                                  wait_for=ctl.board.model.recent_calls[0]["ticket"]["number"])
        except Exception as exc:  # the Qt shots are still worth having
            log.warning("web board screenshot failed: %s", exc)
            web = None
        if web:
            written.append(web)
        cast.close()

        # Stop the server while Qt runs, so the board answers the close handshake at once.
        stopper = threading.Thread(target=office.server.stop)
        stopper.start()
        wait_until(lambda: not stopper.is_alive(), 30)
        office.server = None
        wait_until(lambda: not ctl.board.online)
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
