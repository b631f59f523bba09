"""Test-wide setup: offscreen Qt before anything imports it, and a real example office."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from server import config as office_config  # noqa: E402


@pytest.fixture(scope="session")
def office():
    """The example office configuration (config/office.example.toml)."""
    return office_config.load()
