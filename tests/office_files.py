"""Office TOML files for tests that start the real `antrean server` process, which runs on
the wall clock: a test must pass at any hour of any day (CI runs at night and at noon)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def always_open_toml(folder: Path) -> Path:
    """The example office as TOML, open every day around the clock, no cut-offs."""
    text = (ROOT / "config" / "office.example.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^working_days = .*$", "working_days = [1, 2, 3, 4, 5, 6, 7]", text)
    text = re.sub(r'(?m)^opening_time = .*$', 'opening_time = "00:00"', text)
    text = re.sub(r'(?m)^closing_time = .*$', 'closing_time = "23:59"', text)
    text = re.sub(r"(?m)^cutoff_time = .*\n", "", text)
    path = folder / "office.toml"
    path.write_text(text, encoding="utf-8")
    return path
