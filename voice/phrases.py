"""How a call is phrased, and the ordered segments one announcement is made of (pure logic).

A call: chime, then "Nomor antrean, A, seratus dua belas, silakan menuju loket tiga.",
optionally followed by the English sentence. A recall ("panggilan ulang") is the same call
with a short prefix so waiting people know the number was already called once.

Each sentence exists in two parallel forms built from the same pieces: `text` for
espeak-ng and `tokens` (clip names, with PAUSE where the text has a comma) for an office's
recorded clips. `synth` renders them; nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from voice import words

PAUSE = "_pause"  # token for a short silence where the text has a comma

_PHRASES: dict[str, dict[str, str]] = {
    "id": {
        "recall": "Panggilan ulang",
        "number": "Nomor antrean",
        "go_counter": "silakan menuju",
    },
    "en": {
        "recall": "Calling again",
        "number": "Queue number",
        "go_counter": "please proceed to",
    },
}
# Clip names (file stems) of the fixed phrases; see docs/voice.md.
_PHRASE_CLIPS: dict[str, dict[str, str]] = {
    "id": {
        "recall": "panggilan_ulang",
        "number": "nomor_antrean",
        "go_counter": "silakan_menuju_loket",  # followed by the counter's number words
        "go_named": "silakan_menuju",  # followed by the counter's name clip
    },
    "en": {
        "recall": "calling_again",
        "number": "queue_number",
        "go_counter": "please_proceed_to_counter",
        "go_named": "please_proceed_to",
    },
}


@dataclass(frozen=True)
class Segment:
    """One piece of an announcement, played in order."""

    kind: Literal["chime", "speech"]
    lang: str = ""
    text: str = ""  # what espeak-ng says
    tokens: tuple[str, ...] = ()  # what the clips backend plays


def clip_name(text: str) -> str:
    """File stem for a free-text clip: "Informasi Umum" → "informasi_umum"."""
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "_"


def _check(number: str, lang: str) -> None:
    if lang not in _PHRASES:
        raise ValueError(f"unsupported language {lang!r} (expected one of {tuple(_PHRASES)})")
    words.parse_ticket(number)  # raises ValueError early for a malformed number


def call_sentence(number: str, counter_label: str, lang: str, *, recall: bool = False) -> str:
    """The spoken call sentence.

    >>> call_sentence("A112", "Loket 3", "id")
    'Nomor antrean, A, seratus dua belas, silakan menuju loket tiga.'
    """
    _check(number, lang)
    p = _PHRASES[lang]
    ticket = words.ticket_words(number, lang, letters_as_names=False)
    counter = words.counter_words(counter_label, lang)
    sentence = f"{p['number']}, {ticket}, {p['go_counter']} {counter}."
    if recall:
        sentence = f"{p['recall']}. {sentence}"
    return sentence


def recall_sentence(number: str, counter_label: str, lang: str) -> str:
    """The call sentence for a repeated call: "Panggilan ulang. Nomor antrean, …"."""
    return call_sentence(number, counter_label, lang, recall=True)


def call_tokens(
    number: str, counter_label: str, lang: str, *, recall: bool = False
) -> list[str]:
    """The call sentence as clip names, parallel to `call_sentence`."""
    _check(number, lang)
    c = _PHRASE_CLIPS[lang]
    tokens: list[str] = []
    if recall:
        tokens += [c["recall"], PAUSE]
    tokens += [c["number"], PAUSE]
    prefix, value = words.parse_ticket(number)
    if prefix:
        tokens += [ch.lower() for ch in prefix] + [PAUSE]
    tokens += words.number_tokens(value, lang) + [PAUSE]
    counter_value = words.counter_number(counter_label)
    if counter_value is None:
        tokens += [c["go_named"], clip_name(counter_label)]
    else:
        tokens += [c["go_counter"]] + words.number_tokens(counter_value, lang)
    return tokens


def speech_segment(
    number: str, counter_label: str, lang: str, *, recall: bool = False
) -> Segment:
    return Segment(
        kind="speech",
        lang=lang,
        text=call_sentence(number, counter_label, lang, recall=recall),
        tokens=tuple(call_tokens(number, counter_label, lang, recall=recall)),
    )


def announcement_parts(
    number: str,
    counter_label: str,
    *,
    lang: str = "id",
    english: bool = False,
    recall: bool = False,
    chime: bool = True,
) -> list[Segment]:
    """Ordered segments of one announcement: chime, the `lang` sentence, then English.

    `english=True` adds the English sentence after the main one (ignored when the main
    language already is English).
    """
    parts: list[Segment] = [Segment(kind="chime")] if chime else []
    parts.append(speech_segment(number, counter_label, lang, recall=recall))
    if english and lang != "en":
        parts.append(speech_segment(number, counter_label, "en", recall=recall))
    return parts
