"""Announcement ordering (pure queue) and the Qt player that plays WAVs one after another."""

from __future__ import annotations

import logging
import math
import shutil
import struct
import wave
from pathlib import Path

import pytest

from voice.player import (
    Announcement,
    AnnouncementPlayer,
    AnnouncementQueue,
    PushResult,
)

# --- AnnouncementQueue (pure) ------------------------------------------------------------


def _a(number: str, counter: str = "Loket 1", **kw: object) -> Announcement:
    return Announcement(number=number, counter=counter, **kw)  # type: ignore[arg-type]


def _numbers(q: AnnouncementQueue) -> list[str]:
    return [a.number for a in q.pending]


def test_fifo_and_never_two_at_once() -> None:
    q = AnnouncementQueue()
    for n in ("A1", "A2", "A3"):
        assert q.push(_a(n)).result is PushResult.QUEUED
    assert q.start_next() == _a("A1")
    assert q.start_next() is None  # A1 still playing: no overlap
    assert q.current == _a("A1")
    assert q.finish() == _a("A1")
    assert [q.start_next(), q.finish(), q.start_next(), q.finish()] == [
        _a("A2"), _a("A2"), _a("A3"), _a("A3")
    ]
    assert q.start_next() is None and q.idle


def test_identical_pending_call_is_not_queued_twice() -> None:
    q = AnnouncementQueue()
    q.push(_a("A1"))
    q.push(_a("A2"))
    assert q.push(_a("A1")).result is PushResult.DUPLICATE
    assert q.push(_a("a-1", "loket 1")).result is PushResult.DUPLICATE  # same, spelled apart
    assert _numbers(q) == ["A1", "A2"]


def test_recall_of_a_pending_call_is_redundant() -> None:
    q = AnnouncementQueue()
    q.push(_a("A1"))
    assert q.push(_a("A1", recall=True)).result is PushResult.DUPLICATE
    assert q.pending == (_a("A1"),)


def test_recall_after_start_or_finish_is_announced_again() -> None:
    q = AnnouncementQueue()
    q.push(_a("A1"))
    q.start_next()
    # While A1 plays, a recall of A1 queues (it is no longer pending).
    assert q.push(_a("A1", recall=True)).result is PushResult.QUEUED
    q.finish()
    assert q.start_next() == _a("A1", recall=True)
    q.finish()
    # And after everything finished, the same call again is announced again.
    assert q.push(_a("A1")).result is PushResult.QUEUED
    assert q.start_next() == _a("A1")


def test_same_number_for_another_counter_replaces_in_place() -> None:
    q = AnnouncementQueue()
    q.push(_a("A1", "Loket 1"))
    q.push(_a("A2"))
    assert q.push(_a("A1", "Loket 4")).result is PushResult.REPLACED
    assert [(a.number, a.counter) for a in q.pending] == [("A1", "Loket 4"), ("A2", "Loket 1")]


def test_different_numbers_same_counter_all_queue() -> None:
    q = AnnouncementQueue()
    for n in ("A1", "B1", "A10"):
        assert q.push(_a(n, "Loket 2")).result is PushResult.QUEUED
    assert _numbers(q) == ["A1", "B1", "A10"]


def test_bounded_drops_oldest_pending_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    q = AnnouncementQueue(max_pending=3)
    q.push(_a("X"))
    q.start_next()  # the one playing is never dropped
    for n in range(1, 4):
        assert q.push(_a(f"A{n}")).dropped == []
    with caplog.at_level(logging.WARNING):
        outcome = q.push(_a("A4"))
    assert outcome.result is PushResult.QUEUED
    assert outcome.dropped == [_a("A1")]
    assert "dropped A1" in caplog.text
    assert _numbers(q) == ["A2", "A3", "A4"] and len(q) == 3
    assert q.current == _a("X")


def test_default_bound_is_twenty() -> None:
    q = AnnouncementQueue()
    dropped = [d for n in range(25) for d in q.push(_a(f"A{n}")).dropped]
    assert len(q) == 20 and [d.number for d in dropped] == [f"A{n}" for n in range(5)]


def test_clear_keeps_the_one_playing() -> None:
    q = AnnouncementQueue()
    for n in ("A1", "A2", "A3"):
        q.push(_a(n))
    q.start_next()
    assert q.clear() == [_a("A2"), _a("A3")]
    assert q.current == _a("A1") and not q.idle
    q.finish()
    assert q.idle


def test_finish_when_idle_and_bad_bound() -> None:
    assert AnnouncementQueue().finish() is None
    with pytest.raises(ValueError):
        AnnouncementQueue(max_pending=0)


# --- AnnouncementPlayer (Qt) -------------------------------------------------------------


def _tone(path: Path, seconds: float = 0.3, freq: float = 660.0) -> Path:
    rate = 22050
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


class Recorder:
    """Collects the player's signals in the order they were emitted."""

    def __init__(self, player: AnnouncementPlayer) -> None:
        self.events: list[tuple[str, str]] = []
        self.warnings: list[str] = []
        player.started.connect(lambda n: self.events.append(("started", n)))
        player.finished.connect(lambda n: self.events.append(("finished", n)))
        player.idle.connect(lambda: self.events.append(("idle", "")))
        player.warning.connect(self.warnings.append)

    def problems(self) -> list[str]:
        # Running without a sound card is expected here; anything else is a problem.
        return [w for w in self.warnings if not w.startswith("no audio output device")]


@pytest.fixture
def player(qtbot) -> AnnouncementPlayer:  # noqa: ANN001 (pytest-qt fixture)
    p = AnnouncementPlayer()
    yield p
    p.shutdown()
    p.deleteLater()


def test_plays_two_wavs_in_order(qtbot, player: AnnouncementPlayer, tmp_path: Path) -> None:
    rec = Recorder(player)
    first, second = _tone(tmp_path / "1.wav"), _tone(tmp_path / "2.wav", freq=440)
    with qtbot.waitSignal(player.idle, timeout=15_000):
        player.enqueue(Announcement("A1", "Loket 1", first))
        player.enqueue(Announcement("A2", "Loket 2", second))
        assert player.busy
    assert rec.events == [
        ("started", "A1"), ("finished", "A1"), ("started", "A2"), ("finished", "A2"),
        ("idle", ""),
    ]
    assert rec.problems() == []
    assert not player.busy


def test_new_call_waits_for_the_one_playing(
    qtbot, player: AnnouncementPlayer, tmp_path: Path
) -> None:
    rec = Recorder(player)
    wav = _tone(tmp_path / "1.wav")
    with qtbot.waitSignal(player.started, timeout=5_000):
        player.enqueue(Announcement("A1", "Loket 1", wav))
    # Arrives mid-playback: A1 must not be cut off, and the recall of A1 plays after it.
    assert player.enqueue(Announcement("A1", "Loket 1", wav, recall=True)) is PushResult.QUEUED
    assert player.enqueue(Announcement("A1", "Loket 1", wav, recall=True)) is (
        PushResult.DUPLICATE
    )
    qtbot.waitUntil(lambda: rec.events[-1:] == [("idle", "")], timeout=15_000)
    assert rec.events == [
        ("started", "A1"), ("finished", "A1"), ("started", "A1"), ("finished", "A1"),
        ("idle", ""),
    ]
    assert rec.problems() == []


def test_missing_and_broken_files_warn_and_move_on(
    qtbot, player: AnnouncementPlayer, tmp_path: Path
) -> None:
    rec = Recorder(player)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"this is not audio" * 100)
    good = _tone(tmp_path / "good.wav", 0.2)
    with qtbot.waitSignal(player.idle, timeout=15_000):
        player.enqueue(Announcement("A1", wav=tmp_path / "missing.wav"))
        player.enqueue(Announcement("A2", wav=broken))
        player.enqueue(Announcement("A3", wav=None))
        player.enqueue(Announcement("A4", wav=good))
    assert [e for e in rec.events if e[0] == "finished"] == [
        ("finished", "A1"), ("finished", "A2"), ("finished", "A3"), ("finished", "A4")
    ]
    problems = rec.problems()
    assert len(problems) == 3
    assert "missing.wav" in problems[0] and "A2" in problems[1] and "A3" in problems[2]


def test_without_a_device_nothing_is_decoded_and_an_item_lasts_its_length(
    qtbot, player: AnnouncementPlayer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No sound card: the media backend is never started (with no sink it deadlocked in
    # stop()); the item takes its spoken length on a timer, so a muted board keeps pace.
    monkeypatch.setattr(player, "has_audio_device", lambda: False)
    rec = Recorder(player)
    with qtbot.waitSignal(player.started, timeout=5_000):
        player.enqueue(Announcement("A1", wav=_tone(tmp_path / "t.wav", 0.3)))
    assert player._silent.isActive() and player._silent.interval() == 300
    assert player._media.source().isEmpty()
    with qtbot.waitSignal(player.idle, timeout=5_000):
        pass
    assert rec.events == [("started", "A1"), ("finished", "A1"), ("idle", "")]
    assert rec.warnings == ["no audio output device: announcements play silently"]


def test_watchdog_skips_an_item_that_never_ends(qtbot, tmp_path: Path) -> None:
    # A negative margin makes the watchdog fire before the real end of a 2 s file: the
    # same path a hung audio backend would take.
    player = AnnouncementPlayer(watchdog_margin_ms=-1800)
    rec = Recorder(player)
    with qtbot.waitSignal(player.idle, timeout=10_000):
        player.enqueue(Announcement("A1", wav=_tone(tmp_path / "long.wav", 2.0)))
        player.enqueue(Announcement("A2", wav=_tone(tmp_path / "short.wav", 0.2)))
    assert [e for e in rec.events if e[0] == "finished"] == [("finished", "A1"),
                                                             ("finished", "A2")]
    assert any("A1 timed out" in w for w in rec.problems())
    player.shutdown()
    player.deleteLater()


def test_backlog_overflow_warns(qtbot, tmp_path: Path) -> None:
    player = AnnouncementPlayer(max_pending=2)
    rec = Recorder(player)
    wav = _tone(tmp_path / "t.wav", 0.2)
    with qtbot.waitSignal(player.idle, timeout=15_000):
        for n in range(4):  # A0 starts on the next loop turn, so A0..A3 all wait at first
            player.enqueue(Announcement(f"A{n}", wav=wav))
    assert [e[1] for e in rec.events if e[0] == "started"] == ["A2", "A3"]
    assert [w for w in rec.problems() if "dropped" in w] == [
        "announcement backlog full: dropped A0", "announcement backlog full: dropped A1"
    ]
    player.shutdown()
    player.deleteLater()


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_cli_play_reaches_the_end_or_reports_no_device(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, qapp
) -> None:
    from PySide6.QtMultimedia import QMediaDevices

    from antrean.announce import main

    code = main(["A1", "1", "--cache", str(tmp_path / "cache")])
    err = capsys.readouterr().err
    if QMediaDevices.defaultAudioOutput().isNull():
        assert code == 1 and "no audio output device" in err and err.count("\n") == 1
    else:
        assert code == 0, err


def test_cli_playback_runs_to_the_end_without_a_device(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, qapp
) -> None:
    from antrean.announce import play_wav

    assert play_wav(_tone(tmp_path / "t.wav", 0.2), "A1", require_device=False) == 0
    err = capsys.readouterr().err
    assert "error" not in err and "timed out" not in err
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"junk" * 50)
    assert play_wav(broken, "A2", require_device=False) == 1
    assert "audio error for A2" in capsys.readouterr().err
