"""Numbers, letters, ticket numbers and counter names as spoken words (pure logic).

Owns the wording only; `phrases` builds sentences from it and `synth` turns it into sound.
Every function also has a `*_tokens` form: the same words as a list of recorded-clip names,
so the clips backend always says exactly what the text says.

Written out here instead of calling num2words at runtime because the clips backend needs
the words split into the pieces an office records ("dua", "belas", "seratus"), and the
English style wanted for announcements ("one hundred twelve", no "and") differs from
num2words' British default. num2words stays the oracle in the tests.
"""

from __future__ import annotations

import re

MAX_NUMBER = 9999
LANGS = ("id", "en")

_ID_UNITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
             "sembilan")
_EN_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
             "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
             "seventeen", "eighteen", "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
            "ninety")

# Indonesian letter names (ejaan bahasa Indonesia).
LETTER_NAMES_ID: dict[str, str] = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha",
    "I": "i", "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe",
    "Q": "ki", "R": "er", "S": "es", "T": "te", "U": "u", "V": "fe", "W": "we", "X": "eks",
    "Y": "ye", "Z": "zet",
}
LETTER_NAMES_EN: dict[str, str] = {
    "A": "ay", "B": "bee", "C": "cee", "D": "dee", "E": "ee", "F": "ef", "G": "gee",
    "H": "aitch", "I": "eye", "J": "jay", "K": "kay", "L": "el", "M": "em", "N": "en",
    "O": "oh", "P": "pee", "Q": "cue", "R": "ar", "S": "ess", "T": "tee", "U": "you",
    "V": "vee", "W": "double-u", "X": "ex", "Y": "why", "Z": "zed",
}

_TICKET_RE = re.compile(r"^([A-Z]*)(\d+)$")
_TRAILING_NUMBER_RE = re.compile(r"(\d+)\s*$")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r} (expected one of {LANGS})")


def _check_range(n: int) -> None:
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number {n} outside 0..{MAX_NUMBER}")


def number_tokens_id(n: int) -> list[str]:
    """Indonesian words of `n` (0–9999), one token per recordable word."""
    _check_range(n)
    if n == 0:
        return ["nol"]
    tokens: list[str] = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    tens, units = divmod(rest, 10)
    # "se-" replaces "satu" before ribu/ratus/puluh/belas: seribu, seratus, sepuluh, sebelas.
    if thousands == 1:
        tokens.append("seribu")
    elif thousands:
        tokens += [_ID_UNITS[thousands], "ribu"]
    if hundreds == 1:
        tokens.append("seratus")
    elif hundreds:
        tokens += [_ID_UNITS[hundreds], "ratus"]
    if tens == 1:
        if units == 0:
            tokens.append("sepuluh")
        elif units == 1:
            tokens.append("sebelas")
        else:
            tokens += [_ID_UNITS[units], "belas"]
    else:
        if tens:
            tokens += [_ID_UNITS[tens], "puluh"]
        if units:
            tokens.append(_ID_UNITS[units])
    return tokens


def number_words_id(n: int) -> str:
    """`n` (0–9999) in Indonesian words: 12 → "dua belas", 2025 → "dua ribu dua puluh lima"."""
    return " ".join(number_tokens_id(n))


def _en_below_100(n: int) -> list[str]:
    if n < 20:
        return [_EN_UNITS[n]]
    tens, units = divmod(n, 10)
    return [_EN_TENS[tens]] + ([_EN_UNITS[units]] if units else [])


def number_tokens_en(n: int) -> list[str]:
    """English words of `n` (0–9999), one token per recordable word ("twenty", "five")."""
    _check_range(n)
    if n == 0:
        return ["zero"]
    tokens: list[str] = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        tokens += [_EN_UNITS[thousands], "thousand"]
    if hundreds:
        tokens += [_EN_UNITS[hundreds], "hundred"]
    if rest:
        tokens += _en_below_100(rest)
    return tokens


def number_words_en(n: int) -> str:
    """`n` (0–9999) in English words, US style without "and": 112 → "one hundred twelve"."""
    _check_range(n)
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    parts: list[str] = []
    if thousands:
        parts.append(f"{_EN_UNITS[thousands]} thousand")
    if hundreds:
        parts.append(f"{_EN_UNITS[hundreds]} hundred")
    if rest or not parts:
        # Hyphenated tens ("twenty-five") is the written norm; TTS reads it the same.
        parts.append("-".join(_en_below_100(rest)))
    return " ".join(parts)


def number_words(n: int, lang: str) -> str:
    """`n` in words of `lang` ("id" or "en")."""
    _check_lang(lang)
    return number_words_id(n) if lang == "id" else number_words_en(n)


def number_tokens(n: int, lang: str) -> list[str]:
    _check_lang(lang)
    return number_tokens_id(n) if lang == "id" else number_tokens_en(n)


def letter_name(letter: str, lang: str) -> str:
    """The spoken name of one Latin letter: ("B", "id") → "be", ("B", "en") → "bee"."""
    _check_lang(lang)
    names = LETTER_NAMES_ID if lang == "id" else LETTER_NAMES_EN
    try:
        return names[letter.upper()]
    except KeyError:
        raise ValueError(f"not a Latin letter: {letter!r}") from None


def parse_ticket(number: str) -> tuple[str, int]:
    """Split a ticket number into its letter prefix and its value: "A012" → ("A", 12).

    Spaces and hyphens are ignored ("A-012"); letters are upper-cased. Raises ValueError
    for anything that is not letters followed by 1–4 digit value.
    """
    compact = re.sub(r"[\s\-_.]", "", number).upper()
    match = _TICKET_RE.match(compact)
    if match is None:
        raise ValueError(f"not a ticket number: {number!r} (expected e.g. A012)")
    prefix, digits = match.groups()
    value = int(digits)  # int() drops the leading zeros: "012" → 12, "000" → 0
    _check_range(value)
    return prefix, value


def ticket_words(number: str, lang: str, *, letters_as_names: bool = True) -> str:
    """How a ticket number is read: letter name(s), then the value as a whole number.

    "A012" → "a, dua belas"; "B100" → "be, seratus"; "AB7" → "a be, tujuh"; "007" → "tujuh".
    With `letters_as_names=False` the letters stay capitals ("B, seratus"): that is the
    form handed to espeak-ng, which reads a lone capital by its letter name in the voice's
    language, and pronounces it better than the spelled name.
    """
    _check_lang(lang)
    prefix, value = parse_ticket(number)
    spoken_number = number_words(value, lang)
    if not prefix:
        return spoken_number
    letters = [letter_name(ch, lang) if letters_as_names else ch for ch in prefix]
    return f"{' '.join(letters)}, {spoken_number}"


def ticket_tokens(number: str, lang: str) -> list[str]:
    """Clip names for a ticket number: one per letter ("b"), then the number's words."""
    _check_lang(lang)
    prefix, value = parse_ticket(number)
    return [ch.lower() for ch in prefix] + number_tokens(value, lang)


def counter_number(label: str) -> int | None:
    """The trailing number of a counter label ("Loket 3", "loket-3" → 3), or None."""
    match = _TRAILING_NUMBER_RE.search(label)
    if match is None:
        return None
    value = int(match.group(1))
    return value if value <= MAX_NUMBER else None


def counter_words(label: str, lang: str) -> str:
    """How a counter is named aloud: "Loket 3" → "loket tiga" / "counter three".

    A label without a trailing number ("Informasi") is said as written.
    """
    _check_lang(lang)
    value = counter_number(label)
    if value is None:
        return label.strip()
    noun = "loket" if lang == "id" else "counter"
    return f"{noun} {number_words(value, lang)}"
