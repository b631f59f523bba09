"""The office TOML's [phone] section: how near the applicant's turn the phone page alerts."""

from __future__ import annotations

import pytest

from config import EXAMPLE_CONFIG
from config.office import ConfigError, load, parse


def test_example_and_default_alert_three_ahead():
    assert load().phone.alert_ahead == 3
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    without = text.replace("[phone]\n", "").replace("alert_ahead = 3\n", "")
    assert parse(without).phone.alert_ahead == 3


def test_a_bad_alert_threshold_is_named_with_its_line():
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace("alert_ahead = 3",
                                                              "alert_ahead = -1")
    with pytest.raises(ConfigError) as err:
        parse(text, "office.toml")
    line = text.splitlines().index("alert_ahead = -1") + 1
    assert f"office.toml:{line}: phone.alert_ahead" in str(err.value)
