"""The one formatter for times, dates, durations and numbers (i18n/formats.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from i18n.formats import (
    counter_label,
    format_clock,
    format_date,
    format_duration,
    format_number,
    office_zone,
)

MOMENT = datetime(2026, 12, 7, 0, 49, 30, tzinfo=UTC)  # a Monday, 07:49 in Jakarta

ID_DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
ID_MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember"]


@pytest.mark.parametrize("zone, text", [
    ("Asia/Jakarta", "07:49 WIB"), ("Asia/Pontianak", "07:49 WIB"),
    ("Asia/Makassar", "08:49 WITA"), ("Asia/Jayapura", "09:49 WIT"),
    (ZoneInfo("Asia/Makassar"), "08:49 WITA"),
    (None, "07:49 WIB"), ("Not/A_Zone", "07:49 WIB"), ("", "07:49 WIB")])
def test_clock_in_the_offices_zone(zone, text):
    assert format_clock(MOMENT, zone) == text


def test_clock_without_zone_and_from_other_offsets():
    assert format_clock(MOMENT, "Asia/Jayapura", with_zone=False) == "09:49"
    moment = datetime(2026, 12, 7, 9, 5, tzinfo=timezone(timedelta(hours=9)))  # 00:05 UTC
    assert format_clock(moment, "Asia/Jakarta") == "07:05 WIB"
    assert format_clock(datetime(2026, 12, 7, 0, 49), "Asia/Jakarta") == "07:49 WIB"  # UTC


def test_date_in_both_languages():
    assert format_date(MOMENT, "Asia/Jakarta") == "Senin, 7 Desember 2026"
    assert format_date(MOMENT, "Asia/Jakarta", "en") == "Monday, 7 December 2026"
    late = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)  # Sunday in Jakarta, Monday in Papua
    assert format_date(late, "Asia/Jakarta") == "Minggu, 6 Desember 2026"
    assert format_date(late, "Asia/Jayapura") == "Senin, 7 Desember 2026"
    assert format_date(MOMENT, "Asia/Jakarta", "xx") == "Senin, 7 Desember 2026"


def test_every_indonesian_day_and_month_name():
    """Written out here, not taken from Babel: the check on its CLDR data."""
    monday = datetime(2026, 11, 23, 3, tzinfo=UTC)
    days = [format_date(monday + timedelta(days=i)).split(",")[0] for i in range(7)]
    assert days == ID_DAYS
    months = [format_date(datetime(2026, m, 15, 3, tzinfo=UTC)).split()[2] for m in range(1, 13)]
    assert months == ID_MONTHS


@pytest.mark.parametrize("seconds, lang, kwargs, text", [
    (256, "id", {}, "4 mnt 16 dtk"),
    (256, "en", {}, "4 min 16 sec"),
    (3725, "id", {}, "1 j 2 mnt 5 dtk"),
    (3600, "id", {}, "1 j"),
    (42, "id", {}, "42 dtk"),
    (0, "id", {}, "0 dtk"),
    (-5, "id", {}, "0 dtk"),  # clocks a little apart: never a negative span
    (59.9, "id", {"smallest": "minute"}, "0 mnt"),
    (31 * 60 + 59, "id", {"smallest": "minute"}, "31 mnt"),
    (75 * 60, "id", {"smallest": "minute"}, "1 j 15 mnt"),
    (75 * 60, "en", {"smallest": "minute"}, "1 hr 15 min"),
    (720, "id", {"smallest": "minute", "length": "long"}, "12 menit"),
    (None, "id", {}, "—"),
    (float("nan"), "en", {}, "—"),
])
def test_durations_in_words(seconds, lang, kwargs, text):
    assert format_duration(seconds, lang, **kwargs) == text


def test_a_duration_never_looks_like_a_clock():
    for seconds in (0, 59, 61, 256, 3599, 3601, 86399):
        for lang in ("id", "en"):
            assert ":" not in format_duration(seconds, lang)


@pytest.mark.parametrize("value, lang, decimals, text", [
    (1234.5, "id", None, "1.234,5"),
    (1234567, "id", None, "1.234.567"),
    (0.25, "id", None, "0,25"),
    (2.5, "id", 2, "2,50"),
    (1234.56, "id", 1, "1.234,6"),
    (7, "id", 0, "7"),
    (-1234.5, "id", None, "-1.234,5"),
    (1234.5, "en", None, "1,234.5"),
])
def test_numbers_with_indonesian_separators(value, lang, decimals, text):
    assert format_number(value, lang, decimals) == text


def test_unknown_zone_falls_back_to_jakarta():
    assert office_zone("Mars/Olympus").key == "Asia/Jakarta"
    assert office_zone(None).key == "Asia/Jakarta"


def test_a_bare_wire_offset_still_reads_wib_wita_wit():
    # ISO times on the wire carry "+07:00", not a zone name: the ticket and the kiosk must
    # still print "08:31 WIB", never "08:31 +0700"
    for hours, name in ((7, "WIB"), (8, "WITA"), (9, "WIT")):
        moment = datetime(2026, 12, 7, 8, 31, tzinfo=timezone(timedelta(hours=hours)))
        assert format_clock(moment, moment.tzinfo) == f"08:31 {name}"


@pytest.mark.parametrize(("name", "lang", "expected"), [
    ("Loket 3", "en", "Counter 3"), ("Loket 3", "id", "Loket 3"), ("loket 12", "en", "Counter 12"),
    ("Meja Informasi", "en", "Meja Informasi"), ("Loket", "en", "Loket"), ("", "en", ""),
])
def test_counter_label_in_the_screens_language(name, lang, expected):
    assert counter_label(name, lang) == expected
