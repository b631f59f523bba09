"""The office file's `[kiosk]` section: how many numbers a kiosk keeps leased for offline
issuing; the commented example is the default, and a bad value names its line."""

from __future__ import annotations

import pytest

from config import office as office_config
from config.office import ConfigError

TEXT = office_config.EXAMPLE_CONFIG.read_text(encoding="utf-8")
EXAMPLE_SETTING = "# [kiosk]"


def test_the_example_documents_the_default():
    assert EXAMPLE_SETTING in TEXT and "# offline_lease = 5" in TEXT
    assert office_config.load().kiosk.offline_lease == 5


def test_the_uncommented_example_loads():
    text = TEXT.replace("# [kiosk]", "[kiosk]").replace("# offline_lease = 5",
                                                         "offline_lease = 12")
    assert office_config.parse(text).kiosk.offline_lease == 12


@pytest.mark.parametrize("value", ["-1", "101", '"5"', "2.5", "true"])
def test_a_bad_offline_lease_names_its_line(value):
    text = TEXT + f"\n[kiosk]\noffline_lease = {value}\n"
    line = text.splitlines().index(f"offline_lease = {value}") + 1
    with pytest.raises(ConfigError) as caught:
        office_config.parse(text, "office.toml")
    assert str(caught.value).startswith(f"office.toml:{line}: kiosk.offline_lease: ")


def test_an_unknown_kiosk_setting_is_named():
    with pytest.raises(ConfigError, match=r"kiosk\.offline_leases: unknown setting"):
        office_config.parse(TEXT + "\n[kiosk]\noffline_leases = 5\n")
