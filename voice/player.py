"""Announcement ordering (pure `AnnouncementQueue`) and WAV playback (Qt `AnnouncementPlayer`).

Rules the queue owns, so announcements never overlap or cut each other off:
- first come, first played; the one playing always plays to its end;
- a call for a number that is still *pending* (not yet started) for the same counter is
  not queued again — the pending one will say it (a recall of it is also redundant then);
- the same number pending for a *different* counter is updated in place: the number was
  re-routed before it was announced, and calling people to the old counter would mislead;
- once an announcement has started or finished, the same number may be announced again
  (a recall is meant to be heard twice);
- at most `max_pending` wait; beyond that the oldest pending ones are dropped with a
  warning (a backlog that long is stale; the board still shows the numbers).

The player plays prepared WAV files one after another with QMediaPlayer + QAudioOutput
(QSoundEffect fails without an audio device). Without an audio device nothing is decoded:
each item takes its WAV's length on a timer, so a muted board keeps the same pacing.
(Driving the media backend with no sink deadlocked in `stop()`: PySide holds the GIL
during the call while one of Qt's FFmpeg threads, destroying an object, waits for it.)
Every item ends in `finished` — at EndOfMedia, at the end of its silent length, on a
media error, or when its watchdog (WAV duration + margin) fires — so the board can never
get stuck waiting for audio.
"""

from __future__ import annotations

import enum
import logging
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

from voice.synth import wav_duration

log = logging.getLogger(__name__)

DEFAULT_MAX_PENDING = 20


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_.]", "", text).upper()


@dataclass(frozen=True)
class Announcement:
    """One thing to say: a ticket number called to a counter, with its prepared WAV."""

    number: str
    counter: str = ""
    wav: Path | None = None
    recall: bool = False
    text: str = field(default="", compare=False)  # caption / log line only

    @property
    def number_key(self) -> str:
        return _norm(self.number)

    @property
    def counter_key(self) -> str:
        return _norm(self.counter)


class PushResult(enum.Enum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"  # same number and counter already pending: ignored
    REPLACED = "replaced"  # same number pending for another counter: updated in place


@dataclass
class PushOutcome:
    result: PushResult
    dropped: list[Announcement] = field(default_factory=list)  # oldest pending, over the bound


class AnnouncementQueue:
    """Order of announcements (no Qt, no I/O): pending items plus the one playing."""

    def __init__(self, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        self.max_pending = max_pending
        self._pending: deque[Announcement] = deque()
        self.current: Announcement | None = None

    @property
    def pending(self) -> tuple[Announcement, ...]:
        return tuple(self._pending)

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def idle(self) -> bool:
        return self.current is None and not self._pending

    def push(self, item: Announcement) -> PushOutcome:
        for i, queued in enumerate(self._pending):
            if queued.number_key != item.number_key:
                continue
            if queued.counter_key == item.counter_key:
                return PushOutcome(PushResult.DUPLICATE)
            self._pending[i] = item
            return PushOutcome(PushResult.REPLACED)
        self._pending.append(item)
        dropped: list[Announcement] = []
        while len(self._pending) > self.max_pending:
            old = self._pending.popleft()
            dropped.append(old)
            log.warning("announcement backlog over %d: dropped %s", self.max_pending, old.number)
        return PushOutcome(PushResult.QUEUED, dropped)

    def start_next(self) -> Announcement | None:
        """Take the next pending item as the one playing; None if nothing waits.

        Refuses (returns None) while one is playing: announcements never overlap.
        """
        if self.current is not None or not self._pending:
            return None
        self.current = self._pending.popleft()
        return self.current

    def finish(self) -> Announcement | None:
        """Mark the playing item done; returns it (None if nothing was playing)."""
        done, self.current = self.current, None
        return done

    def clear(self) -> list[Announcement]:
        """Drop everything pending (the playing item still finishes)."""
        dropped = list(self._pending)
        self._pending.clear()
        return dropped


class AnnouncementPlayer(QObject):
    """Plays announcements' WAV files in queue order; never stalls on missing audio."""

    started = Signal(str)  # the announcement's number
    finished = Signal(str)  # the announcement's number (played, failed or timed out)
    idle = Signal()  # nothing playing, nothing pending
    warning = Signal(str)  # one-line reason, for the board's log / status line

    DEFAULT_WATCHDOG_MARGIN_MS = 3000
    FALLBACK_WATCHDOG_MS = 60_000  # if the WAV's length can't be read

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        watchdog_margin_ms: int = DEFAULT_WATCHDOG_MARGIN_MS,
        volume: float = 1.0,
    ) -> None:
        super().__init__(parent)
        self.queue = AnnouncementQueue(max_pending)
        self.watchdog_margin_ms = watchdog_margin_ms
        self._audio = QAudioOutput(self)
        self._audio.setVolume(volume)
        self._media = QMediaPlayer(self)
        self._media.setAudioOutput(self._audio)
        self._media.mediaStatusChanged.connect(self._on_status)
        self._media.errorOccurred.connect(self._on_error)
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_watchdog)
        # Advancing goes through the event loop, never from inside a QMediaPlayer signal.
        self._advance = QTimer(self)
        self._advance.setSingleShot(True)
        self._advance.setInterval(0)
        self._advance.timeout.connect(self._play_next)
        # With no audio device, an item "plays" for its spoken length on this timer.
        self._silent = QTimer(self)
        self._silent.setSingleShot(True)
        self._silent.timeout.connect(self._on_silent_end)
        self._media_in_use = False  # the current item went to QMediaPlayer
        self._warned_no_device = False

    # --- public API ---

    @property
    def busy(self) -> bool:
        return not self.queue.idle

    def has_audio_device(self) -> bool:
        return not QMediaDevices.defaultAudioOutput().isNull()

    def enqueue(self, item: Announcement) -> PushResult:
        """Queue an announcement (its `wav` must be set); playback starts if idle."""
        outcome = self.queue.push(item)
        for old in outcome.dropped:
            self.warning.emit(f"announcement backlog full: dropped {old.number}")
        if self.queue.current is None:
            self._advance.start()
        return outcome.result

    def play_file(self, wav: Path, label: str = "") -> PushResult:
        """Queue a bare WAV file (e.g. a speaker test); `label` is used in the signals."""
        return self.enqueue(Announcement(number=label or Path(wav).name, wav=Path(wav)))

    def clear(self) -> None:
        """Forget pending announcements; the one playing finishes normally."""
        self.queue.clear()

    def shutdown(self) -> None:
        """Stop now and release the media (before the player is destroyed): destroying a
        QMediaPlayer while its decoder thread still plays can crash Qt's FFmpeg backend."""
        self.queue.clear()
        self._stop_playing()

    def _stop_playing(self) -> None:
        self._watchdog.stop()
        self._silent.stop()
        if self._media_in_use:  # only then: see the module docstring on stop()
            self._media_in_use = False
            self._media.stop()
            self._media.setSource(QUrl())

    def set_volume(self, volume: float) -> None:
        self._audio.setVolume(max(0.0, min(1.0, volume)))

    # --- internals ---

    @Slot()
    def _play_next(self) -> None:
        item = self.queue.start_next()
        if item is None:
            if self.queue.idle:
                self.idle.emit()
            return
        self.started.emit(item.number)
        wav = item.wav
        if wav is None or not Path(wav).is_file():
            self._finish(f"no audio file for {item.number}: {wav}")
            return
        device = self.has_audio_device()
        if not device and not self._warned_no_device:
            self._warned_no_device = True  # once: the board may run muted for days
            self.warning.emit("no audio output device: announcements play silently")
        try:
            length_ms = int(wav_duration(wav) * 1000)
        except Exception as exc:  # unreadable header
            if not device:
                self._finish(f"audio error for {item.number}: unreadable WAV {wav} ({exc})")
                return
            length_ms = None  # the media error path will report it
        watchdog_ms = (self.FALLBACK_WATCHDOG_MS if length_ms is None
                       else length_ms + self.watchdog_margin_ms)
        self._watchdog.start(max(0, watchdog_ms))
        if not device:
            self._silent.start(max(0, length_ms))
            return
        self._media_in_use = True
        self._media.setSource(QUrl.fromLocalFile(str(Path(wav).resolve())))
        self._media.play()

    def _finish(self, problem: str | None = None) -> None:
        item = self.queue.finish()
        if item is None:
            return  # a late signal for an item already finished
        # Done with the item before stopping: status signals stop() emits are ignored.
        self._stop_playing()
        if problem:
            log.warning(problem)
            self.warning.emit(problem)
        self.finished.emit(item.number)
        self._advance.start()

    @Slot(QMediaPlayer.MediaStatus)
    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if self.queue.current is None:
            return
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._finish()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._finish(f"cannot play {self.queue.current.wav}: invalid media")

    @Slot(QMediaPlayer.Error, str)
    def _on_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if self.queue.current is None or error == QMediaPlayer.Error.NoError:
            return
        self._finish(f"audio error for {self.queue.current.number}: {message or error.name}")

    @Slot()
    def _on_silent_end(self) -> None:
        if self.queue.current is not None:
            self._finish()

    @Slot()
    def _on_watchdog(self) -> None:
        if self.queue.current is not None:
            self._finish(f"announcement {self.queue.current.number} timed out; skipped")
