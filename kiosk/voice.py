"""Spoken guidance for the kiosk, offline: espeak-ng WAVs (cached) played with QMediaPlayer.

Reuses the display board's `Synthesizer` (espeak-ng → cached WAV) and
`AnnouncementPlayer` (QMediaPlayer with a watchdog: no audio device means silent playback,
never a stuck kiosk). Synthesis runs on a short-lived thread so a slow first espeak-ng run
never blocks a touch. Only the newest prompt is kept: a prompt for a screen already left
is useless. The synth thread hands WAVs back through a queue the GUI thread polls (no Qt
signal is emitted off the GUI thread: see kiosk/devices.py).
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

log = logging.getLogger("antrean.kiosk.voice")


class VoiceGuide(QObject):
    spoken = Signal(str)  # the text, once its WAV is queued for playback
    warning = Signal(str)

    def __init__(self, cache_dir: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from voice.player import AnnouncementPlayer
        from voice.synth import Synthesizer

        self.synth = Synthesizer(cache_dir=cache_dir)
        self.player = AnnouncementPlayer(self)
        self.player.warning.connect(self.warning)
        self._ready: queue.Queue[tuple[str, str]] = queue.Queue()
        self._generation = 0
        self._lock = threading.Lock()
        self._poll = QTimer(self)
        self._poll.timeout.connect(self._drain)
        self._poll.start(50)

    def stop(self) -> None:
        self._poll.stop()
        self.player.shutdown()

    def say(self, text: str, lang: str) -> None:
        with self._lock:
            self._generation += 1
            generation = self._generation
        threading.Thread(target=self._render, args=(text, lang, generation),
                         name="kiosk-voice", daemon=True).start()

    def _render(self, text: str, lang: str, generation: int) -> None:
        from voice.phrases import Segment
        from voice.synth import VoiceUnavailable

        try:
            wav = self.synth.parts_wav([Segment("speech", lang, text)])
        except (VoiceUnavailable, OSError, ValueError) as exc:
            self._ready.put(("", f"voice guide unavailable: {exc}"))
            return
        with self._lock:
            if generation != self._generation:
                return  # a newer prompt superseded this one
        self._ready.put((text, str(wav)))

    @Slot()
    def _drain(self) -> None:
        while not self._ready.empty():
            text, wav = self._ready.get_nowait()
            if not text:
                self.warning.emit(wav)
                continue
            self.player.clear()
            self.player.play_file(Path(wav), label=text[:40])
            self.spoken.emit(text)
