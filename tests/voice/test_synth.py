"""WAV production: espeak-ng, recorded clips, the chime, format conversion, the cache, CLI."""

from __future__ import annotations

import math
import shutil
import struct
import wave
from pathlib import Path

import pytest

from antrean.announce import main
from voice import phrases, synth
from voice.chime import chime_pcm
from voice.synth import (
    ClipsVoice,
    EspeakVoice,
    Synthesizer,
    VoiceUnavailable,
    read_wav_pcm,
    wav_duration,
    write_wav,
)

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng not installed"
)
NO_ESPEAK = EspeakVoice(executable="antrean-no-such-espeak")


def _params(path: Path) -> tuple[int, int, int]:
    with wave.open(str(path), "rb") as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate()


def _tone_wav(path: Path, seconds: float, *, rate: int = 22050, channels: int = 1,
              width: int = 2, freq: float = 440.0) -> Path:
    """A real sine-tone WAV in any format, standing in for a recorded clip."""
    n = int(seconds * rate)
    frames = bytearray()
    for i in range(n):
        v = 0.3 * math.sin(2 * math.pi * freq * i / rate)
        if width == 1:
            sample = bytes([int(128 + 127 * v)])
        elif width == 2:
            sample = struct.pack("<h", int(32767 * v))
        else:
            sample = struct.pack("<i", int(2147483647 * v))[4 - width:]
        frames += sample * channels
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


def _clip_folder(root: Path, tokens: list[str], lang_dir: str = "") -> Path:
    for token in tokens:
        if token != phrases.PAUSE:
            _tone_wav(root / lang_dir / f"{token}.wav", 0.1)
    return root


def test_chime_is_project_format_and_pleasant_length(tmp_path: Path) -> None:
    pcm = chime_pcm()
    path = write_wav(tmp_path / "chime.wav", pcm)
    assert _params(path) == (1, 2, 22050)
    assert 1.0 < wav_duration(path) < 3.0
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    assert 0.3 * 32767 < max(abs(s) for s in samples) < 32767  # audible, never clipping
    assert abs(samples[0]) < 500 and abs(samples[-1]) < 500  # no click at either end


@needs_espeak
def test_espeak_call_sentence_makes_a_real_wav(tmp_path: Path) -> None:
    sentence = phrases.call_sentence("A112", "Loket 3", "id")
    pcm = EspeakVoice().render(sentence, "id")
    path = write_wav(tmp_path / "call.wav", pcm)
    assert _params(path) == (1, 2, 22050)
    assert wav_duration(path) > 1.0


@needs_espeak
def test_announcement_wav_is_chime_plus_both_sentences(tmp_path: Path) -> None:
    s = Synthesizer(cache_dir=tmp_path / "cache")
    only_id = s.announcement_wav("A012", "Loket 3")
    both = s.announcement_wav("A012", "Loket 3", english=True)
    assert _params(only_id) == _params(both) == (1, 2, 22050)
    chime_s = len(chime_pcm()) / 2 / 22050
    assert wav_duration(only_id) > chime_s + 1.0
    assert wav_duration(both) > wav_duration(only_id) + 1.0
    assert only_id.parent == tmp_path / "cache"


@needs_espeak
def test_cache_reuses_the_same_file(tmp_path: Path) -> None:
    s = Synthesizer(cache_dir=tmp_path)
    first = s.announcement_wav("B7", "Loket 1")
    stamp = first.stat().st_mtime_ns
    data = first.read_bytes()
    again = Synthesizer(cache_dir=tmp_path).announcement_wav("B7", "Loket 1")
    assert again == first and again.read_bytes() == data
    assert again.stat().st_mtime_ns >= stamp
    assert s.announcement_wav("B7", "Loket 2") != first
    assert s.announcement_wav("B7", "Loket 1", recall=True) != first


def test_missing_espeak_raises_voice_unavailable() -> None:
    with pytest.raises(VoiceUnavailable, match="not found"):
        NO_ESPEAK.render("Nomor antrean", "id")


@needs_espeak
def test_unknown_espeak_voice_raises_voice_unavailable() -> None:
    # espeak-ng itself would fall back to another voice with exit code 0.
    with pytest.raises(VoiceUnavailable, match="no voice 'no-such-voice-xx'"):
        EspeakVoice(voices={"id": "no-such-voice-xx"}).render("halo", "id")
    assert len(EspeakVoice(voices={"en": "en-us"}).render("hello", "en")) > 0


def test_clips_backend_concatenates_in_order(tmp_path: Path) -> None:
    tokens = phrases.call_tokens("A112", "Loket 3", "id")
    folder = _clip_folder(tmp_path / "clips", tokens)
    # Distinct lengths per clip so the result's length proves every clip was used.
    _tone_wav(folder / "seratus.wav", 0.5)
    voice = ClipsVoice(folder)
    assert voice.missing(tokens, "id") == []
    pcm = voice.render(tokens, "id")
    words = [t for t in tokens if t != phrases.PAUSE]
    pauses = tokens.count(phrases.PAUSE)
    gaps = len(words) - 1
    expected_s = (0.1 * (len(words) - 1) + 0.5 + pauses * synth.PAUSE_MS / 1000
                  + gaps * ClipsVoice.WORD_GAP_MS / 1000)
    assert len(pcm) / 2 / 22050 == pytest.approx(expected_s, abs=0.01)


def test_clips_announcement_without_espeak(tmp_path: Path) -> None:
    tokens_id = phrases.call_tokens("A12", "Loket 3", "id")
    tokens_en = phrases.call_tokens("A12", "Loket 3", "en")
    folder = _clip_folder(tmp_path / "clips", tokens_id)
    _clip_folder(folder, tokens_en, lang_dir="en")
    s = Synthesizer(cache_dir=tmp_path / "cache", clips_dir=folder, espeak=NO_ESPEAK)
    path = s.announcement_wav("A12", "Loket 3", english=True)
    assert _params(path) == (1, 2, 22050)
    assert wav_duration(path) > 2.0


def test_office_chime_replaces_generated_one(tmp_path: Path) -> None:
    folder = _clip_folder(tmp_path / "clips", phrases.call_tokens("A1", "Loket 1", "id"))
    own = _tone_wav(folder / "chime.wav", 0.25, rate=44100, channels=2)
    s = Synthesizer(cache_dir=tmp_path / "cache", clips_dir=folder, espeak=NO_ESPEAK)
    pcm = s.render([phrases.Segment(kind="chime")])
    assert pcm == read_wav_pcm(own)
    assert len(pcm) / 2 / 22050 == pytest.approx(0.25, abs=0.001)


def test_missing_clips_without_espeak_names_the_files(tmp_path: Path) -> None:
    tokens = phrases.call_tokens("A12", "Loket 3", "id")
    folder = _clip_folder(tmp_path / "clips", tokens)
    (folder / "belas.wav").unlink()
    s = Synthesizer(cache_dir=tmp_path / "cache", clips_dir=folder, espeak=NO_ESPEAK)
    with pytest.raises(VoiceUnavailable, match=r"belas\.wav"):
        s.announcement_wav("A12", "Loket 3")
    with pytest.raises(VoiceUnavailable, match=r"en/queue_number\.wav"):
        s.announcement_wav("A12", "Loket 3", lang="en")


@needs_espeak
def test_missing_clips_fall_back_to_espeak(tmp_path: Path) -> None:
    tokens = phrases.call_tokens("A12", "Loket 3", "id")
    folder = _clip_folder(tmp_path / "clips", tokens)
    s = Synthesizer(cache_dir=tmp_path / "cache", clips_dir=folder)
    # Indonesian from clips, English (no en/ folder) from espeak-ng.
    path = s.announcement_wav("A12", "Loket 3", english=True)
    assert wav_duration(path) > 2.0


def test_rerecorded_clip_invalidates_cache(tmp_path: Path) -> None:
    tokens = phrases.call_tokens("A12", "Loket 3", "id")
    folder = _clip_folder(tmp_path / "clips", tokens)
    s = Synthesizer(cache_dir=tmp_path / "cache", clips_dir=folder, espeak=NO_ESPEAK)
    first = s.announcement_wav("A12", "Loket 3")
    _tone_wav(folder / "dua.wav", 0.4)
    second = s.announcement_wav("A12", "Loket 3")
    assert second != first
    assert wav_duration(second) == pytest.approx(wav_duration(first) + 0.3, abs=0.01)


@pytest.mark.parametrize(
    ("rate", "channels", "width"),
    [(22050, 1, 2), (44100, 2, 2), (16000, 1, 2), (48000, 1, 3), (8000, 1, 1),
     (22050, 2, 4)],
)
def test_read_wav_converts_to_project_format(
    tmp_path: Path, rate: int, channels: int, width: int
) -> None:
    src = _tone_wav(tmp_path / "in.wav", 0.5, rate=rate, channels=channels, width=width)
    pcm = read_wav_pcm(src)
    assert len(pcm) / 2 / 22050 == pytest.approx(0.5, abs=0.002)
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    assert 0.25 * 32767 < max(samples) < 0.35 * 32767  # same loudness after conversion


def test_read_wav_rejects_non_wav(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(VoiceUnavailable, match="not a PCM WAV"):
        read_wav_pcm(bad)


def test_cache_is_bounded(tmp_path: Path) -> None:
    folder = tmp_path / "clips"
    for n in range(4):
        _clip_folder(folder, phrases.call_tokens(f"A{n}", "Loket 1", "id"))
    s = Synthesizer(cache_dir=tmp_path / "cache", clips_dir=folder, espeak=NO_ESPEAK,
                    max_cached=2)
    paths = [s.announcement_wav(f"A{n}", "Loket 1") for n in range(4)]
    assert sorted(p.name for p in (tmp_path / "cache").glob("*.wav")) == sorted(
        p.name for p in paths[-2:]
    )


@needs_espeak
def test_cli_out_writes_wav(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "call.wav"
    code = main(["A012", "Loket 3", "--english", "--out", str(out),
                 "--cache", str(tmp_path / "cache")])
    assert code == 0, capsys.readouterr().err
    assert _params(out) == (1, 2, 22050)
    assert wav_duration(out) > 3.0


def test_cli_failure_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["A012", "3", "--clips", str(tmp_path / "nope"), "--out",
                 str(tmp_path / "x.wav"), "--cache", str(tmp_path / "cache")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "clips folder not found" in err
