"""Times, dates, durations and numbers as people read them, in one place for every screen.

Babel (the Unicode CLDR data) supplies the words: day and month names, the Indonesian
zone abbreviations (WIB, WITA, WIT), unit names ("mnt", "dtk") and digit separators.
Clock times are the office's: every function that shows a moment takes the office's time
zone (an IANA name such as "Asia/Makassar", or a tzinfo); an unknown name falls back to
Asia/Jakarta, so a bad setting never breaks a screen.

    format_clock(now, "Asia/Makassar")  -> "08:49 WITA"
    format_date(now, "Asia/Jakarta")    -> "Senin, 7 Desember 2026"
    format_duration(256)                -> "4 mnt 16 dtk"   ("4 min 16 sec" in English)
    format_number(1234.5)               -> "1.234,5"
    counter_label("Loket 3", "en")      -> "Counter 3"

Durations are always words, never clock-like "04:16", which reads as a time of day.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date as babel_format_date
from babel.dates import get_timezone_name
from babel.numbers import format_decimal
from babel.units import format_unit

from i18n import DEFAULT_LANGUAGE, LANGUAGES, t

DEFAULT_ZONE = "Asia/Jakarta"
UNKNOWN = "—"  # a duration or time that is not known (missing or bad data)
DATE_PATTERN = "EEEE, d MMMM y"  # "Senin, 7 Desember 2026", "Monday, 7 December 2026"
_UNITS = (("duration-hour", 3600), ("duration-minute", 60), ("duration-second", 1))
# A bare UTC offset (an ISO time from the wire, "+07:00") names no zone: Indonesia's three.
_INDONESIAN_OFFSETS = {timedelta(hours=7): "WIB", timedelta(hours=8): "WITA",
                       timedelta(hours=9): "WIT"}


def _locale(lang: str) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@cache
def office_zone(zone: str | None = None) -> ZoneInfo:
    """The office's zone by IANA name; Asia/Jakarta when missing or unknown."""
    try:
        return ZoneInfo(zone or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def office_time(moment: datetime, zone: str | tzinfo | None = None) -> datetime:
    """`moment` in the office's zone (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone if isinstance(zone, tzinfo) else office_zone(zone))


def zone_abbreviation(local: datetime) -> str:
    """WIB / WITA / WIT as Indonesians write them after a time (whatever the UI language);
    another zone as CLDR abbreviates it in Indonesian (e.g. "+0100")."""
    if not isinstance(local.tzinfo, ZoneInfo) and local.utcoffset() in _INDONESIAN_OFFSETS:
        return _INDONESIAN_OFFSETS[local.utcoffset()]
    return get_timezone_name(local, "short", locale="id")


def format_clock(moment: datetime, zone: str | tzinfo | None = None, *,
                 with_zone: bool = True) -> str:
    """"07:49 WIB": the time of day in the office's zone (24-hour, as in Indonesia)."""
    local = office_time(moment, zone)
    text = f"{local:%H:%M}"
    return f"{text} {zone_abbreviation(local)}" if with_zone else text


def format_date(moment: datetime, zone: str | tzinfo | None = None, lang: str = "id") -> str:
    """"Senin, 7 Desember 2026" / "Monday, 7 December 2026": the office's day."""
    return babel_format_date(office_time(moment, zone).date(), DATE_PATTERN,
                             locale=_locale(lang))


def format_duration(seconds: float | None, lang: str = "id", *, smallest: str = "second",
                    length: str = "short") -> str:
    """A span of time in words: "4 mnt 16 dtk", "1 j 5 mnt" ("4 min 16 sec", "1 hr 5 min").

    `smallest` is the last unit shown ("second" or "minute"; the rest is dropped, not
    rounded); `length` is CLDR's ("short": mnt/min, "long": menit/minutes). Units that
    are zero are left out, except for a span under one `smallest` unit ("0 mnt"). None
    (not known) is "—"; a negative span (clocks a little apart) counts as zero."""
    if seconds is None or math.isnan(seconds):
        return UNKNOWN
    units = _UNITS if smallest == "second" else _UNITS[:2]
    rest = max(0, int(seconds))
    parts = []
    for unit, size in units:
        count, rest = divmod(rest, size)
        if count:
            parts.append(format_unit(count, unit, length=length, locale=_locale(lang)))
    if not parts:
        parts.append(format_unit(0, units[-1][0], length=length, locale=_locale(lang)))
    return " ".join(parts)


def format_number(value: float, lang: str = "id", decimals: int | None = None) -> str:
    """1234.5 -> "1.234,5" (Indonesian separators; "1,234.5" in English). `decimals` fixes
    the digits after the separator; without it, as many as the value has (up to 3)."""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def counter_label(name: str, lang: str = "id") -> str:
    """A counter's name in the screen's language: the office TOML names counters in
    Indonesian ("Loket 3"), an English screen says "Counter 3". A name that is not the
    word for counter and a number ("Meja Informasi") is shown as it is."""
    word, _, number = (name or "").strip().rpartition(" ")
    if number.isdigit() and word.casefold() == t("common.counter", "id").casefold():
        return f"{t('common.counter', _locale(lang))} {number}"
    return name
def format_day(day: date, lang: str = "id") -> str:
    """"8 Maret 2025" / "8 March 2025": a date as a letter's place-and-date line writes it."""
    return babel_format_date(day, "d MMMM y", locale=_locale(lang))
