"""Indonesian and English number words, letter names, ticket and counter wording."""

from __future__ import annotations

import re

import pytest
from num2words import num2words

from voice import words

ALL = range(0, words.MAX_NUMBER + 1)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _en_oracle(n: int) -> str:
    # num2words is British ("one hundred and twelve", "one thousand, one hundred");
    # announcements use the US style without "and" and commas.
    return _norm(num2words(n, lang="en").replace(",", "").replace(" and ", " "))


@pytest.fixture(scope="module")
def id_oracle() -> list[str]:
    return [_norm(num2words(n, lang="id")) for n in ALL]


@pytest.fixture(scope="module")
def en_oracle() -> list[str]:
    return [_en_oracle(n) for n in ALL]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "nol"), (1, "satu"), (10, "sepuluh"), (11, "sebelas"), (12, "dua belas"),
        (19, "sembilan belas"), (20, "dua puluh"), (21, "dua puluh satu"),
        (100, "seratus"), (101, "seratus satu"), (110, "seratus sepuluh"),
        (111, "seratus sebelas"), (112, "seratus dua belas"), (250, "dua ratus lima puluh"),
        (1000, "seribu"), (1001, "seribu satu"), (1100, "seribu seratus"),
        (2025, "dua ribu dua puluh lima"),
        (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan"),
    ],
)
def test_number_words_id_special_cases(n: int, expected: str) -> None:
    assert words.number_words_id(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "zero"), (12, "twelve"), (25, "twenty-five"), (100, "one hundred"),
        (112, "one hundred twelve"), (1000, "one thousand"), (1010, "one thousand ten"),
        (2025, "two thousand twenty-five"),
    ],
)
def test_number_words_en_special_cases(n: int, expected: str) -> None:
    assert words.number_words_en(n) == expected


def test_every_number_id_matches_num2words(id_oracle: list[str]) -> None:
    mismatches = [(n, words.number_words_id(n), id_oracle[n]) for n in ALL
                  if words.number_words_id(n) != id_oracle[n]]
    assert mismatches == []


def test_every_number_en_matches_num2words(en_oracle: list[str]) -> None:
    mismatches = [(n, words.number_words_en(n), en_oracle[n]) for n in ALL
                  if words.number_words_en(n) != en_oracle[n]]
    assert mismatches == []


def test_tokens_are_the_words_split(id_oracle: list[str], en_oracle: list[str]) -> None:
    for n in ALL:
        assert " ".join(words.number_tokens_id(n)) == id_oracle[n]
        assert " ".join(words.number_tokens_en(n)) == en_oracle[n].replace("-", " ")


def test_every_ticket_id_matches_num2words(id_oracle: list[str]) -> None:
    # Ticket format: letter name, then the value as a whole, leading zeros dropped.
    for n in ALL:
        assert words.ticket_words(f"A{n:04d}", "id") == f"a, {id_oracle[n]}"
        assert words.ticket_words(f"B{n:03d}" if n < 1000 else f"B{n}", "id") == (
            f"be, {id_oracle[n]}"
        )


def test_every_ticket_en_matches_num2words(en_oracle: list[str]) -> None:
    for n in ALL:
        assert words.ticket_words(f"C{n:04d}", "en") == f"cee, {en_oracle[n]}"


@pytest.mark.parametrize(
    ("ticket", "lang", "expected"),
    [
        ("A012", "id", "a, dua belas"),
        ("A000", "id", "a, nol"),
        ("a-012", "id", "a, dua belas"),
        ("Q7", "id", "ki, tujuh"),
        ("AB007", "id", "a be, tujuh"),
        ("012", "id", "dua belas"),
        ("A012", "en", "ay, twelve"),
        ("W112", "en", "double-u, one hundred twelve"),
    ],
)
def test_ticket_words(ticket: str, lang: str, expected: str) -> None:
    assert words.ticket_words(ticket, lang) == expected


def test_ticket_words_with_capital_letters_for_tts() -> None:
    assert words.ticket_words("b112", "id", letters_as_names=False) == "B, seratus dua belas"


def test_ticket_tokens() -> None:
    assert words.ticket_tokens("AB012", "id") == ["a", "b", "dua", "belas"]
    assert words.ticket_tokens("A0", "en") == ["a", "zero"]


@pytest.mark.parametrize("bad", ["", "A", "12A", "A1B2", "A10000", "Ä12", "A 1 2 x"])
def test_bad_ticket_numbers_raise(bad: str) -> None:
    with pytest.raises(ValueError):
        words.ticket_words(bad, "id")


def test_out_of_range_and_bad_lang_raise() -> None:
    with pytest.raises(ValueError):
        words.number_words_id(-1)
    with pytest.raises(ValueError):
        words.number_words_en(10000)
    with pytest.raises(ValueError):
        words.number_words(5, "fr")


def test_indonesian_letter_names() -> None:
    expected = ("a be ce de e ef ge ha i je ka el em en o pe ki er es te u fe we eks ye "
                "zet").split()
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert [words.letter_name(ch, "id") for ch in letters] == expected
    assert words.letter_name("b", "id") == "be"
    assert len({words.letter_name(ch, "en") for ch in letters}) == 26
    with pytest.raises(ValueError):
        words.letter_name("1", "id")


@pytest.mark.parametrize(
    ("label", "lang", "expected"),
    [
        ("Loket 3", "id", "loket tiga"),
        ("loket-3", "id", "loket tiga"),
        ("LOKET 12", "id", "loket dua belas"),
        ("Loket 3", "en", "counter three"),
        ("Informasi", "id", "Informasi"),
        ("  Pengaduan ", "en", "Pengaduan"),
    ],
)
def test_counter_words(label: str, lang: str, expected: str) -> None:
    assert words.counter_words(label, lang) == expected
