"""`antrean announce`: say (or write, or print) one call — how a technician tests speakers.

    antrean announce A012 "Loket 3"                 play chime + Indonesian call
    antrean announce A012 "Loket 3" --english       ... followed by the English call
    antrean announce A012 3 --text                  print the sentence(s) only
    antrean announce A012 3 --out call.wav          write the WAV instead of playing
    antrean announce A012 3 --clips /srv/clips      use the office's recorded clips

Exit codes: 0 ok, 2 bad usage, 1 failure (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

from voice import phrases
from voice.synth import Synthesizer, VoiceUnavailable

PROG = "antrean announce"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description="Announce a queue number (chime + spoken call)."
    )
    p.add_argument("number", metavar="NUMBER", help="ticket number, e.g. A012")
    p.add_argument("counter", metavar="COUNTER", help='counter label, e.g. "Loket 3" or 3')
    p.add_argument("--lang", choices=("id", "en"), default="id",
                   help="language of the call (default: id)")
    p.add_argument("--english", action="store_true",
                   help="follow the Indonesian call with the English one")
    p.add_argument("--recall", action="store_true", help="phrase it as a repeated call")
    p.add_argument("--text", action="store_true", help="print the sentence(s) and stop")
    p.add_argument("--out", type=Path, metavar="FILE.wav",
                   help="write the announcement WAV to FILE.wav instead of playing it")
    p.add_argument("--clips", type=Path, metavar="DIR",
                   help="folder of recorded clips (see docs/voice.md); espeak-ng otherwise")
    p.add_argument("--cache", type=Path, metavar="DIR", help="WAV cache folder")
    return p


def _counter_label(counter: str) -> str:
    # A bare "3" means counter 3; words.counter_words() then says "loket tiga".
    return f"Loket {counter}" if counter.strip().isdigit() else counter


def play_wav(wav: Path, label: str = "", *, require_device: bool = True) -> int:
    """Play one WAV through AnnouncementPlayer and wait until done; returns an exit code.

    With `require_device` (the CLI) a missing sound card is a failure: the technician is
    testing the speakers. The board itself plays on regardless (see `player`).
    """
    from PySide6.QtCore import QLoggingCategory, qInstallMessageHandler

    # Qt Multimedia chats on stderr (FFmpeg banners, PulseAudio probes); the technician
    # should see only our one-line outcome, so its messages go to the debug log instead.
    # The category filter also silences FFmpeg's own log, which bypasses the handler.
    QLoggingCategory.setFilterRules("qt.multimedia*=false")
    previous = qInstallMessageHandler(
        lambda _mode, _ctx, message: logging.getLogger("qt").debug("%s", message)
    )
    try:
        return _play_quietly(wav, label, require_device)
    finally:
        qInstallMessageHandler(previous)


def _play_quietly(wav: Path, label: str, require_device: bool) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer

    from voice.player import AnnouncementPlayer

    app = QCoreApplication.instance() or QCoreApplication([PROG])
    player = AnnouncementPlayer()
    warnings: list[str] = []
    player.warning.connect(warnings.append)
    player.idle.connect(app.quit)
    if require_device and not player.has_audio_device():
        print(f"{PROG}: no audio output device found; check the speaker connection",
              file=sys.stderr)
        return 1
    player.play_file(wav, label)
    # The player always reaches idle (end of media, error or watchdog); this is a last guard.
    guard = QTimer(player)
    guard.setSingleShot(True)
    guard.timeout.connect(app.quit)
    guard.start(120_000)
    app.exec()
    guard.stop()  # don't let a stray quit hit a later event loop in the same process
    player.deleteLater()
    for message in warnings:
        print(f"{PROG}: warning: {message}", file=sys.stderr)
    return 1 if any("error" in m or "timed out" in m for m in warnings) else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; `argv` may start with "announce" (as passed on from `antrean`)."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["announce"]:
        args_in = args_in[1:]
    parser = _parser()
    try:
        args = parser.parse_args(args_in)
    except SystemExit as exc:  # argparse: --help (0) or bad usage (2)
        return int(exc.code or 0)

    counter = _counter_label(args.counter)
    try:
        parts = phrases.announcement_parts(
            args.number, counter, lang=args.lang, english=args.english, recall=args.recall
        )
    except ValueError as exc:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2

    if args.text:
        for segment in parts:
            if segment.kind == "speech":
                print(segment.text)
        if args.out is None:
            return 0

    try:
        synth = Synthesizer(cache_dir=args.cache, clips_dir=args.clips)
        wav = synth.parts_wav(parts)
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(wav, args.out)
            return 0
        return play_wav(wav, args.number)
    except (VoiceUnavailable, OSError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
