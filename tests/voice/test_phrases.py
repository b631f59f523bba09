"""Call sentences, their clip tokens, and the segments of an announcement."""

from __future__ import annotations

import pytest

from voice import phrases
from voice.phrases import PAUSE, Segment, announcement_parts, call_sentence


def test_indonesian_call_sentence() -> None:
    assert call_sentence("A112", "Loket 3", "id") == (
        "Nomor antrean, A, seratus dua belas, silakan menuju loket tiga."
    )
    assert call_sentence("A012", "loket-3", "id") == (
        "Nomor antrean, A, dua belas, silakan menuju loket tiga."
    )


def test_english_call_sentence() -> None:
    assert call_sentence("A112", "Loket 3", "en") == (
        "Queue number, A, one hundred twelve, please proceed to counter three."
    )


def test_letters_stay_capitals_for_tts_and_zero_is_nol() -> None:
    # espeak-ng says a lone capital by its letter name ("B" → "be"), better than "be".
    assert call_sentence("B000", "Loket 10", "id") == (
        "Nomor antrean, B, nol, silakan menuju loket sepuluh."
    )


def test_named_counter_is_said_as_written() -> None:
    assert call_sentence("C7", "Informasi", "id") == (
        "Nomor antrean, C, tujuh, silakan menuju Informasi."
    )


def test_recall_sentences() -> None:
    assert phrases.recall_sentence("A12", "Loket 3", "id") == (
        "Panggilan ulang. Nomor antrean, A, dua belas, silakan menuju loket tiga."
    )
    assert call_sentence("A12", "Loket 3", "en", recall=True) == (
        "Calling again. Queue number, A, twelve, please proceed to counter three."
    )


def test_call_tokens_parallel_the_sentence() -> None:
    assert phrases.call_tokens("A112", "Loket 3", "id") == [
        "nomor_antrean", PAUSE, "a", PAUSE, "seratus", "dua", "belas", PAUSE,
        "silakan_menuju_loket", "tiga",
    ]
    assert phrases.call_tokens("12", "Informasi Umum", "en", recall=True) == [
        "calling_again", PAUSE, "queue_number", PAUSE, "twelve", PAUSE,
        "please_proceed_to", "informasi_umum",
    ]


def test_announcement_parts_order() -> None:
    parts = announcement_parts("A12", "Loket 3", english=True)
    assert [p.kind for p in parts] == ["chime", "speech", "speech"]
    assert [p.lang for p in parts[1:]] == ["id", "en"]
    assert parts[1].text.startswith("Nomor antrean")
    assert parts[2].text.startswith("Queue number")
    assert parts[1].tokens[0] == "nomor_antrean"


def test_announcement_parts_variants() -> None:
    assert announcement_parts("A12", "Loket 3") == [
        Segment(kind="chime"),
        phrases.speech_segment("A12", "Loket 3", "id"),
    ]
    only_en = announcement_parts("A12", "Loket 3", lang="en", english=True, chime=False)
    assert [(p.kind, p.lang) for p in only_en] == [("speech", "en")]
    recall = announcement_parts("A12", "Loket 3", recall=True)
    assert recall[1].text.startswith("Panggilan ulang.")


def test_bad_input_raises_value_error() -> None:
    with pytest.raises(ValueError):
        call_sentence("A1B", "Loket 1", "id")
    with pytest.raises(ValueError):
        call_sentence("A1", "Loket 1", "jv")


def test_cli_text_prints_sentences(capsys: pytest.CaptureFixture[str]) -> None:
    from antrean.announce import main

    assert main(["announce", "A012", "3", "--text", "--english"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Nomor antrean, A, dua belas, silakan menuju loket tiga.",
        "Queue number, A, twelve, please proceed to counter three.",
    ]


def test_cli_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from antrean.announce import main

    assert main([]) == 2
    assert main(["A012", "3", "--lang", "fr"]) == 2
    assert main(["A1B2", "3", "--text"]) == 2
    err = capsys.readouterr().err
    assert "not a ticket number" in err
    assert "Traceback" not in err


def test_voice_package_never_imports_server() -> None:
    # The board runs on a display PC without the server; a fresh interpreter proves it
    # (this test process already imported `server` via tests/conftest.py).
    import subprocess
    import sys

    code = (
        "import sys; import antrean.announce, voice.player, "
        "voice.synth; sys.exit('server' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
