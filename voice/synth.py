"""Offline speech: announcement segments to one WAV file, via espeak-ng or recorded clips.

Owns the audio format (22050 Hz, mono, 16-bit — what espeak-ng writes), WAV reading with
conversion into that format, the two speech backends, and the WAV cache. Every input
(espeak-ng output, an office's clips in whatever format they were recorded) is converted
to the one format before concatenating, so no `audioop` (gone in Python 3.13) is needed.

Backends:
- `EspeakVoice`: runs `espeak-ng -v id -s 140 -w out.wav` (text on stdin).
- `ClipsVoice`: a folder of recorded clips, one per word/phrase (names in docs/voice.md),
  played back to back. Indonesian clips sit in the folder itself, English ones in `en/`.
`Synthesizer` picks clips when they cover a sentence, otherwise espeak-ng, and caches the
result by a hash of everything that affects the sound.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path

from voice import phrases
from voice.chime import chime_pcm
from voice.phrases import PAUSE, Segment

log = logging.getLogger(__name__)

RATE = 22050
SAMPLE_WIDTH = 2
CHANNELS = 1
_FORMAT_VERSION = 1  # bump when rendering changes, to invalidate cached WAVs

PAUSE_MS = 250  # a comma
SEGMENT_GAP_MS = 400  # between chime and sentence, and between the two languages
DEFAULT_SPEED = 140  # words per minute; espeak-ng's 175 is too fast for a noisy hall


class VoiceUnavailable(RuntimeError):
    """No way to produce the requested speech (espeak-ng missing or failing, clips missing)."""


# --- PCM helpers -------------------------------------------------------------------------


def silence(ms: int) -> bytes:
    return b"\x00\x00" * (RATE * ms // 1000)


def _to_mono16(raw: bytes, width: int, channels: int) -> array:
    """Interleaved PCM of any common width to mono signed 16-bit samples."""
    if width == 1:  # 8-bit WAV is unsigned
        samples = array("h", ((b - 128) << 8 for b in raw))
    elif width == 2:
        samples = array("h")
        samples.frombytes(raw)
        if sys.byteorder == "big":
            samples.byteswap()
    elif width == 3:
        samples = array(
            "h", (int.from_bytes(raw[i + 1 : i + 3], "little", signed=True)
                  for i in range(0, len(raw) - 2, 3))
        )
    elif width == 4:
        wide = array("i")
        wide.frombytes(raw)
        if sys.byteorder == "big":
            wide.byteswap()
        samples = array("h", (v >> 16 for v in wide))
    else:
        raise ValueError(f"unsupported sample width {width}")
    if channels > 1:
        samples = array(
            "h", (sum(samples[i : i + channels]) // channels
                  for i in range(0, len(samples) - channels + 1, channels))
        )
    return samples


def _resample(samples: array, src_rate: int) -> array:
    """Linear-interpolation resampling to RATE: plenty for speech on hall speakers."""
    if src_rate == RATE or not samples:
        return samples
    n_out = int(len(samples) * RATE / src_rate)
    step = src_rate / RATE
    last = len(samples) - 1
    out = array("h", bytes(2 * n_out))
    for i in range(n_out):
        pos = i * step
        j = int(pos)
        frac = pos - j
        a = samples[j]
        b = samples[j + 1] if j < last else a
        out[i] = int(a + (b - a) * frac)
    return out


def read_wav_pcm(path: Path) -> bytes:
    """A WAV file's audio as PCM in the project format (22050 Hz mono 16-bit, little-endian)."""
    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise VoiceUnavailable(f"{path}: not a PCM WAV file ({exc})") from exc
    if (width, channels, rate) == (SAMPLE_WIDTH, CHANNELS, RATE):
        return raw
    samples = _resample(_to_mono16(raw, width, channels), rate)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def write_wav(path: Path, pcm: bytes) -> Path:
    """Write PCM (project format) as a WAV file, atomically so a player never reads half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".wav")
    try:
        with os.fdopen(fd, "wb") as fh, wave.open(fh, "wb") as w:
            w.setnchannels(CHANNELS)
            w.setsampwidth(SAMPLE_WIDTH)
            w.setframerate(RATE)
            w.writeframes(pcm)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def wav_duration(path: Path) -> float:
    """Length of a WAV file in seconds (raises wave.Error/OSError if unreadable)."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


# --- Backends ----------------------------------------------------------------------------


class EspeakVoice:
    """Text to speech with the espeak-ng command (offline; a sentence at a time)."""

    def __init__(
        self,
        executable: str = "espeak-ng",
        speed: int = DEFAULT_SPEED,
        voices: dict[str, str] | None = None,
    ) -> None:
        self.executable = executable
        self.speed = speed
        self.voices = {"id": "id", "en": "en", **(voices or {})}
        self._known_voices: dict[str, bool] = {}

    def path(self) -> str | None:
        return shutil.which(self.executable)

    def signature(self) -> dict[str, object]:
        return {"exe": self.path(), "speed": self.speed, "voices": self.voices}

    def _voice_known(self, exe: str, voice: str) -> bool:
        if voice not in self._known_voices:
            try:
                listing = subprocess.run(
                    [exe, f"--voices={voice}"], capture_output=True, text=True, timeout=10
                ).stdout
            except (OSError, subprocess.TimeoutExpired):
                listing = ""
            # Lines: "Pty Language Age/Gender VoiceName File (other languages)". The listing
            # matches by prefix ("no-such" lists "nb (no)"), so check the fields exactly.
            known = False
            for line in listing.splitlines()[1:]:
                fields = line.split()
                if len(fields) < 5:
                    continue
                language, name, file = fields[1], fields[3], fields[4]
                if (voice in (language, name.lower(), file, file.rsplit("/", 1)[-1])
                        or language.startswith(voice + "-") or f"({voice} " in line):
                    known = True
                    break
            self._known_voices[voice] = known
        return self._known_voices[voice]

    def render(self, text: str, lang: str) -> bytes:
        exe = self.path()
        if exe is None:
            raise VoiceUnavailable(
                f"{self.executable} not found: install it (apt-get install espeak-ng) "
                "or provide a clips folder"
            )
        voice = self.voices.get(lang, lang)
        if not self._voice_known(exe, voice):
            # espeak-ng silently falls back to its default voice for an unknown one and
            # would read Indonesian with English sounds: refuse instead.
            raise VoiceUnavailable(f"espeak-ng has no voice {voice!r} (espeak-ng --voices)")
        with tempfile.TemporaryDirectory(prefix="antrean-espeak-") as tmp:
            out = Path(tmp) / "speech.wav"
            # Text goes on stdin so a sentence starting with "-" is never taken as an option.
            cmd = [exe, "-v", voice, "-s", str(self.speed), "-w", str(out), "--stdin"]
            try:
                result = subprocess.run(
                    cmd, input=text.encode("utf-8"), capture_output=True, timeout=20
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise VoiceUnavailable(f"espeak-ng failed: {exc}") from exc
            if result.returncode != 0 or not out.exists():
                reason = result.stderr.decode(errors="replace").strip() or "no output"
                raise VoiceUnavailable(f"espeak-ng -v {voice} failed: {reason}")
            return read_wav_pcm(out)


class ClipsVoice:
    """Speech from an office's recorded clips: `<token>.wav`, English ones under `en/`."""

    WORD_GAP_MS = 30  # recorded clips are trimmed tight; a hair of air keeps words apart

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise VoiceUnavailable(f"clips folder not found: {self.folder}")

    def clip_path(self, token: str, lang: str) -> Path:
        base = self.folder if lang == "id" else self.folder / lang
        return base / f"{token}.wav"

    def missing(self, tokens: Iterable[str], lang: str) -> list[str]:
        """Clip files needed for `tokens` that the folder lacks (relative names)."""
        absent: list[str] = []
        for token in tokens:
            if token == PAUSE:
                continue
            path = self.clip_path(token, lang)
            name = str(path.relative_to(self.folder))
            if not path.is_file() and name not in absent:
                absent.append(name)
        return absent

    def chime_path(self) -> Path | None:
        """The office's own chime (`chime.wav`), if it recorded one."""
        path = self.folder / "chime.wav"
        return path if path.is_file() else None

    def signature(self) -> list[tuple[str, int, int]]:
        """Names, sizes and mtimes of all clips: re-recording one invalidates the cache."""
        return sorted(
            (str(p.relative_to(self.folder)), p.stat().st_size, p.stat().st_mtime_ns)
            for p in self.folder.rglob("*.wav")
        )

    def render(self, tokens: Sequence[str], lang: str) -> bytes:
        absent = self.missing(tokens, lang)
        if absent:
            raise VoiceUnavailable(f"missing clips in {self.folder}: {', '.join(absent)}")
        gap = silence(self.WORD_GAP_MS)
        chunks: list[bytes] = []
        for token in tokens:
            if token == PAUSE:
                chunks.append(silence(PAUSE_MS))
            else:
                if chunks:
                    chunks.append(gap)
                chunks.append(read_wav_pcm(self.clip_path(token, lang)))
        return b"".join(chunks)


# --- Synthesizer -------------------------------------------------------------------------


def default_cache_dir() -> Path:
    env = os.environ.get("ANTREAN_VOICE_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "antrean" / "voice"


class Synthesizer:
    """Renders announcements to cached WAV files in the project format."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        clips_dir: Path | None = None,
        espeak: EspeakVoice | None = None,
        max_cached: int = 2000,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.clips = ClipsVoice(clips_dir) if clips_dir else None
        self.espeak = espeak or EspeakVoice()
        self.max_cached = max_cached

    # Which backend speaks a segment: clips when complete, else espeak-ng.
    def _speech_pcm(self, segment: Segment) -> bytes:
        if self.clips is not None:
            absent = self.clips.missing(segment.tokens, segment.lang)
            if not absent:
                return self.clips.render(segment.tokens, segment.lang)
            if self.espeak.path() is None:
                raise VoiceUnavailable(
                    f"missing clips in {self.clips.folder}: {', '.join(absent)}; "
                    "and espeak-ng is not installed to fill in"
                )
            log.warning("missing clips %s: using espeak-ng for %r", absent, segment.text)
        return self.espeak.render(segment.text, segment.lang)

    def _chime_pcm(self) -> bytes:
        own = self.clips.chime_path() if self.clips else None
        return read_wav_pcm(own) if own else chime_pcm(RATE)

    def render(self, parts: Sequence[Segment]) -> bytes:
        """All segments as one PCM stream, with a short gap between segments."""
        chunks: list[bytes] = []
        for segment in parts:
            if chunks:
                chunks.append(silence(SEGMENT_GAP_MS))
            if segment.kind == "chime":
                chunks.append(self._chime_pcm())
            else:
                chunks.append(self._speech_pcm(segment))
        return b"".join(chunks)

    def cache_key(self, parts: Sequence[Segment]) -> str:
        spec = {
            "v": _FORMAT_VERSION,
            "parts": [[s.kind, s.lang, s.text, list(s.tokens)] for s in parts],
            "espeak": self.espeak.signature(),
            "clips": self.clips.signature() if self.clips else None,
        }
        blob = json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()[:32]

    def parts_wav(self, parts: Sequence[Segment]) -> Path:
        """The WAV for `parts`, from the cache or freshly rendered into it."""
        path = self.cache_dir / f"{self.cache_key(parts)}.wav"
        if path.is_file():
            os.utime(path)  # mark as recently used so pruning keeps it
            return path
        write_wav(path, self.render(parts))
        self._prune()
        return path

    def announcement_wav(
        self,
        number: str,
        counter_label: str,
        *,
        lang: str = "id",
        english: bool = False,
        recall: bool = False,
    ) -> Path:
        """Chime + call sentence(s) for a ticket as one cached WAV file; see `phrases`."""
        parts = phrases.announcement_parts(
            number, counter_label, lang=lang, english=english, recall=recall
        )
        return self.parts_wav(parts)

    def _prune(self) -> None:
        # Bounded cache: a busy office makes a few hundred distinct calls a day.
        try:
            files = sorted(self.cache_dir.glob("*.wav"), key=lambda p: p.stat().st_mtime_ns)
            for old in files[: max(0, len(files) - self.max_cached)]:
                old.unlink(missing_ok=True)
        except OSError as exc:  # a cache that can't be pruned is not worth failing a call
            log.warning("voice cache prune failed: %s", exc)
