"""Office configuration: the example loads, and every mistake is named by file and line."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from config import office as office_config
from config.office import ConfigError

EXAMPLE = Path(office_config.EXAMPLE_CONFIG)
TEXT = EXAMPLE.read_text(encoding="utf-8")


def test_example_config_loads():
    cfg = office_config.load()
    assert cfg.office.timezone == "Asia/Jakarta" and cfg.tz.key == "Asia/Jakarta"
    assert cfg.default_language == "id"
    assert [s.prefix for s in cfg.services] == ["A", "B", "C", "D", "E", "F"]
    assert {lane.id for lane in cfg.lanes if lane.priority} == {"disabilitas", "lansia",
                                                                "ibu-anak"}
    assert cfg.service("paspor-baru").cutoff_time == time(12, 0)
    assert cfg.counter("loket-4").services == ["izin-tinggal"]
    assert cfg.policy.interleave_after == 3 and cfg.policy.regular_wait_cap_minutes == 45
    assert cfg.source == str(EXAMPLE)


def test_always_open_copy():
    cfg = office_config.always_open(office_config.load())
    assert cfg.office.working_days == [1, 2, 3, 4, 5, 6, 7]
    assert all(s.cutoff_time is None for s in cfg.services)


def _mistake(tmp_path: Path, old: str, new: str, count: int = 1) -> tuple[str, Path, str]:
    assert old in TEXT, old
    text = TEXT.replace(old, new, count)
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        office_config.load(path)
    return str(info.value), path, text


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def test_unknown_key_names_its_line(tmp_path):
    msg, path, text = _mistake(tmp_path, 'opening_time = "08:00"', 'openning_time = "08:00"')
    line = _line_of(text, "openning_time")
    assert msg == (f"{path}:{line}: office.openning_time: "
                   "unknown setting (check the spelling)")


def test_bad_prefix_names_its_line(tmp_path):
    msg, path, text = _mistake(tmp_path, 'prefix = "B"', 'prefix = "b"')
    line = _line_of(text, 'prefix = "b"')
    assert msg.startswith(f"{path}:{line}: services.1.prefix: ")


def test_duplicate_prefix(tmp_path):
    msg, path, text = _mistake(tmp_path, 'prefix = "B"', 'prefix = "A"')
    line = _line_of(text, 'prefix = "A"', 2)
    assert msg.startswith(f"{path}:{line}: services.1.prefix: ")
    assert "'paspor-baru'" in msg


def test_unknown_lane_in_a_counter(tmp_path):
    msg, path, text = _mistake(tmp_path, 'lanes = ["disabilitas", "lansia", "ibu-anak", '
                               '"reguler"]', 'lanes = ["disabilitas", "manula"]')
    line = _line_of(text, '"manula"')
    assert msg == f"{path}:{line}: counters.0.lanes: unknown lane 'manula'"


def test_unknown_service_in_a_counter(tmp_path):
    msg, path, text = _mistake(tmp_path, 'services = ["izin-tinggal"]',
                               'services = ["izin-tinggal", "visa"]')
    assert msg == f"{path}:{_line_of(text, 'visa')}: counters.3.services: unknown service 'visa'"


def test_duplicate_id(tmp_path):
    msg, path, text = _mistake(tmp_path, 'id = "loket-2"', 'id = "loket-1"')
    line = _line_of(text, 'id = "loket-1"', 2)
    assert msg == f"{path}:{line}: counters.1.id: duplicate id 'loket-1'"


def test_bad_time_zone(tmp_path):
    msg, path, text = _mistake(tmp_path, 'timezone = "Asia/Jakarta"', 'timezone = "WIB"')
    assert msg.startswith(f"{path}:{_line_of(text, 'timezone =')}: office.timezone: ")
    assert "WIB" in msg and "Asia/Jakarta" in msg


def test_toml_syntax_error_names_the_line(tmp_path):
    msg, path, text = _mistake(tmp_path, 'name = "Loket 3"', 'name = "Loket 3')
    line = _line_of(text, 'name = "Loket 3')
    assert re.match(rf"^{re.escape(str(path))}:{line}: TOML syntax error", msg), msg


def test_cutoff_after_closing(tmp_path):
    msg, path, text = _mistake(tmp_path, 'cutoff_time = "10:00"', 'cutoff_time = "17:00"')
    assert msg == (f"{path}:{_line_of(text, '17:00')}: services.3.cutoff_time: "
                   "cut-off is after closing time")


def test_several_mistakes_are_all_reported(tmp_path):
    text = TEXT.replace('prefix = "B"', 'prefix = "bb"').replace('max_recalls = 3',
                                                                 'max_recalls = -1')
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        office_config.load(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert all(re.match(rf"^{re.escape(str(path))}:\d+: ", ln) for ln in lines)


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        office_config.load(tmp_path / "none.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("name = 'Kantor Imigrasi \xe9'".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        office_config.load(bad)
