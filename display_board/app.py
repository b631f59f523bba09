"""`antrean display`: the hall board app — wiring only.

Owns `BoardController`, which connects the shared `OfficeConnection` (display with a
token; without one, a board that pairs by a code, or a public observer) to the pure
`Board`, the `BoardScreen` (under the pairing screen while unpaired), the voice (espeak-ng
WAVs rendered on a worker thread so the GUI never blocks, played in order by
`AnnouncementPlayer`) and the LED counter displays. `main(args)` builds it from the
command line and runs the Qt event loop.
"""

from __future__ import annotations

import argparse
import logging
import queue
import socket
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from display_board.board import Board, BoardFilter, Call
from display_board.leds import LedPusher, LedSpecError, open_displays
from display_board.screens import PAIRING_THEME, BoardScreen
from office_client.connection import OfficeConnection
from office_client.pairing import device_label
from office_client.pairing_screen import PairingScreen
from voice.player import Announcement, AnnouncementPlayer
from voice.synth import Synthesizer, VoiceUnavailable

log = logging.getLogger("antrean.board")

LED_REFRESH_MS = 60_000  # re-send every number now and then: a display may have rebooted


class BoardController(QObject):
    """The running board: connection → board model → screen, voice and LED displays."""

    announced = Signal(object)  # a Call handed to the voice (exactly once per call/recall)
    voice_ready = Signal(object, str)  # (Call, wav path), emitted in the GUI thread
    warning = Signal(str)

    def __init__(self, url: str, *, token: str | None = None, device: str | None = None,
                 zone: str | None = None, counters: str | None = None,
                 english: bool = False, clips: str | Path | None = None,
                 led_specs: list[str] | None = None, voice: bool = True,
                 synthesizer: Synthesizer | None = None, lang: str = "id",
                 cert_sha256: str | None = None, credentials_path: Path | None = None,
                 pair: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # A token: a paired board. None: it pairs by a code (`pair`), else it is a public
        # observer.
        role = "display" if token or pair else "observer"
        self.connection = OfficeConnection(url, role, device, token, parent=self,
                                           cert_sha256=cert_sha256,
                                           credentials_path=credentials_path, pair=pair)
        self.board = Board(self.connection.model, BoardFilter.parse(zone, counters))
        self.screen = BoardScreen(self.board, lang)
        self.pairing_screen = PairingScreen(self.connection, PAIRING_THEME, self.screen)
        self.english = english
        self.voice_enabled = voice
        self.calls_announced: list[Call] = []
        self.warnings: list[str] = []
        self._synth = synthesizer
        self._clips = Path(clips) if clips else None
        # One worker: WAVs come out in call order, and espeak-ng runs one at a time.
        self._voice_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice")
        self.player = AnnouncementPlayer(self)
        self.player.warning.connect(self._on_warning)
        # Worker threads hand results back through a plain queue drained by a GUI timer:
        # PySide6 6.12 corrupts reference counts when signals are emitted off the GUI thread.
        self._inbox: queue.SimpleQueue[tuple[str, Any, str]] = queue.SimpleQueue()
        self._drain = QTimer(self)
        self._drain.setInterval(50)
        self._drain.timeout.connect(self._drain_inbox)
        self._drain.start()
        self.leds = LedPusher(open_displays(led_specs or []),
                              lambda text: self._inbox.put(("warning", None, text)))
        self._led_timer = QTimer(self)
        self._led_timer.setInterval(LED_REFRESH_MS)
        self._led_timer.timeout.connect(lambda: self.leds.update(self.board.model.counters,
                                                                 force=True))
        self.connection.welcomed.connect(self._on_welcome)
        self.connection.event_applied.connect(self._on_event)
        self.connection.state_changed.connect(self._on_state)
        self._reported: set[str] = set()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.connection.start()
        if self.leds.displays:
            self._led_timer.start()

    def stop(self) -> None:
        self.connection.stop()
        self.player.shutdown()
        self._drain.stop()
        self._led_timer.stop()
        self.leds.stop()
        self._voice_pool.shutdown(wait=True, cancel_futures=True)
        self.screen.clock_timer.stop()
        self.screen.marquee_timer.stop()
        self.screen.flash_timer.stop()

    @property
    def synthesizer(self) -> Synthesizer:
        if self._synth is None:
            self._synth = Synthesizer(clips_dir=self._clips)
        return self._synth

    # ------------------------------------------------------------------ connection
    @Slot(dict)
    def _on_welcome(self, msg: dict[str, Any]) -> None:
        for call in self.board.on_welcome(msg):
            self._announce(call)
        self._changed()

    @Slot(dict)
    def _on_event(self, msg: dict[str, Any]) -> None:
        try:
            calls = self.board.on_event(msg)
        except (KeyError, TypeError, ValueError):  # a malformed event must not kill the board
            log.exception("could not show event %s", msg.get("name"))
            calls = []
        for call in calls:
            self._announce(call)
        self._changed()

    @Slot(str)
    def _on_state(self, state: str) -> None:
        self.board.set_online(state == "online")
        self.board.certificate_rejected = state == "certificate_rejected"
        self.screen.refresh()

    def _changed(self) -> None:
        if self.board.flash.active and not self.screen.flash_timer.isActive():
            self.screen.flash_timer.start()
        self.screen.refresh()
        self.leds.update(self.board.model.counters)

    # ------------------------------------------------------------------ voice
    def _announce(self, call: Call) -> None:
        self.calls_announced.append(call)
        self.announced.emit(call)
        if self.board.flash.active:
            self.screen.start_flash()
        if not self.voice_enabled:
            return
        self._voice_pool.submit(self._render, call)

    def _render(self, call: Call) -> None:
        """Worker thread: espeak-ng takes tens of ms; signals bring the result back."""
        try:
            wav = self.synthesizer.announcement_wav(
                call.number, call.counter_name, english=self.english, recall=call.recall)
        except (VoiceUnavailable, OSError, ValueError) as exc:
            self._inbox.put(("warning", call, f"no voice for {call.number}: {exc}"))
            return
        self._inbox.put(("wav", call, str(wav)))

    @Slot()
    def _drain_inbox(self) -> None:
        while True:
            try:
                kind, call, text = self._inbox.get_nowait()
            except queue.Empty:
                return
            if kind == "wav":
                self.player.enqueue(Announcement(call.number, call.counter_name, Path(text),
                                                 call.recall))
                self.voice_ready.emit(call, text)
            else:
                self.warning.emit(text)
                self._on_warning(text)

    @Slot(str)
    def _on_warning(self, text: str) -> None:
        log.warning("%s", text)
        self.warnings.append(text)
        del self.warnings[:-50]
        if "audio" in text or "voice" in text:
            self.screen.audio_warning = text
            self.screen.refresh()
        # Tell the office (admin screen) once per kind of trouble; only paired boards may.
        if self.connection.role == "display" and text not in self._reported:
            self._reported.add(text)
            self.connection.send_command("report_device_status",
                                         {"status": "unknown", "detail": text[:200]})


def main(args: argparse.Namespace) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence, QShortcut

    from display_board.screens import FONT_FAMILY
    from office_client import credentials
    from office_client.app_shell import AppShell

    try:
        open_displays(list(getattr(args, "led", None) or []))  # validate before any window
    except LedSpecError as exc:
        print(f"antrean: {exc}", file=sys.stderr)
        return 2
    try:  # no token anywhere: the board pairs by a code (or, --observer, stays public)
        creds, creds_path = credentials.from_args(args, "display", token_required=False)
    except credentials.CredentialsError as exc:
        print(f"antrean: {exc}", file=sys.stderr)
        return 1
    shell = AppShell("antrean-display", FONT_FAMILY)
    pair = creds.token is None and not getattr(args, "observer", False)
    device = device_label("display", creds.device, socket.gethostname()) if pair \
        else creds.device
    controller = BoardController(
        creds.server, token=creds.token, device=device, pair=pair,
        zone=getattr(args, "zone", None), counters=getattr(args, "counters", None),
        english=bool(getattr(args, "english", False)), clips=getattr(args, "clips", None),
        led_specs=list(getattr(args, "led", None) or []),
        cert_sha256=creds.cert_sha256, credentials_path=creds_path)
    screen = controller.screen
    QShortcut(QKeySequence("Ctrl+Q"), screen, activated=shell.app.quit)
    QShortcut(QKeySequence("F11"), screen, activated=lambda: screen.showNormal()
              if screen.isFullScreen() else screen.showFullScreen())
    if not getattr(args, "windowed", False):
        screen.setCursor(Qt.CursorShape.BlankCursor)  # nobody uses a mouse on a hall TV
    shell.show(screen, windowed=getattr(args, "windowed", False), size=(1366, 768))

    def stop() -> None:
        controller.stop()
        controller.deleteLater()

    return shell.run(controller.connection, stop, start=controller.start)
