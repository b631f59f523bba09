"""Office settings: the example TOML lives here; the loader and validator is config.office."""

from pathlib import Path

EXAMPLE_CONFIG = Path(__file__).with_name("office.example.toml")
