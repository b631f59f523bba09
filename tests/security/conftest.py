"""Shared pieces of the security tests."""

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pytest

from config import office as office_config
from config.office import OfficeConfig

# ---------------------------------------------------------------------- a hostile office
# An office day on the real engine and store whose every user- or TOML-written text is an
# attack on some output: spreadsheet formulas, HTML markup, matplotlib mathtext.
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
FORMULA_COMMENTS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
MARKUP_COMMENTS = [SCRIPT, IMG]
OFFICE_NAME = f"{IMG} Kantor"
SERVICE_NAME = f"Biaya $\\bad$ {SCRIPT}"  # the chart shortens names: mathtext first
COUNTER_NAME = f"\t=7*6 {IMG}"
OFFICER_NAME = f"-5+5 {SCRIPT}{IMG}"
HOSTILE_DAY = date(2025, 3, 3)


def _toml(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a TOML basic string


def hostile_config_text() -> str:
    """The example office's TOML with hostile names for the office, a service, a counter."""
    text = office_config.EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for old, new in (
            ('name = "Kantor Imigrasi Kelas I TPI Contoh"', f"name = {_toml(OFFICE_NAME)}"),
            ('name = { id = "Paspor Baru", en = "New Passport" }',
             f"name = {{ id = {_toml(SERVICE_NAME)}, en = {_toml(SERVICE_NAME)} }}"),
            ('name = "Loket 1"', f"name = {_toml(COUNTER_NAME)}")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@dataclass
class HostileDay:
    config: OfficeConfig
    config_path: Path
    db_path: Path
    day: date
    comments: list[str]  # as submitted


def play_hostile_day(config: OfficeConfig, db_path: Path, comments: list[str]) -> None:
    """One officer serves one ticket per comment; each applicant leaves that comment."""
    from reports.demo_day import ADMIN, KIOSK, Recorder, officer_actor

    def at(hh: int, mm: int) -> datetime:
        return datetime.combine(HOSTILE_DAY, time(hh, mm), config.tz)

    rec = Recorder(config, db_path, at(7, 0))
    try:
        rec.store.add_officer("budi", OFFICER_NAME, "1234")
        officer = officer_actor("console-1", "budi", OFFICER_NAME)
        desk = {"counter": "loket-1"}
        rec.do("login", desk, officer, at(8, 0))
        for i, comment in enumerate(comments):
            ticket = rec.do("issue_ticket", {"service": "paspor-baru", "lane": "reguler"},
                            KIOSK, at(8, 1 + 4 * i)).data["id"]
            rec.do("call_next", desk, officer, at(8, 2 + 4 * i))
            rec.do("start_service", desk, officer, at(8, 3 + 4 * i))
            rec.do("finish", desk, officer, at(8, 4 + 4 * i))
            rec.do("submit_survey", {"ticket": ticket, "answers": [4] * 9,
                                     "comment": comment}, ADMIN, at(8, 4 + 4 * i))
    finally:
        rec.close()


@pytest.fixture
def hostile_day(tmp_path) -> HostileDay:
    config_path = tmp_path / "office.toml"
    config_path.write_text(hostile_config_text(), encoding="utf-8")
    config = office_config.always_open(office_config.load(config_path))
    comments = FORMULA_COMMENTS + MARKUP_COMMENTS
    db_path = tmp_path / "antrean.db"
    play_hostile_day(config, db_path, comments)
    return HostileDay(config, config_path, db_path, HOSTILE_DAY, comments)


@pytest.fixture
def hostile_report(hostile_day):
    from reports.report import build_report
    now = datetime.combine(hostile_day.day, time(17, 0), hostile_day.config.tz)
    return build_report(hostile_day.db_path, hostile_day.config, hostile_day.day,
                        hostile_day.day, now=now)
