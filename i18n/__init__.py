"""The one translation source for every UI text (Bahasa Indonesia first, English).

Catalog files live in `i18n/catalog/*.toml`, one per area (`kiosk.toml`, `console.toml`,
…). Each file holds tables keyed by message id with an `id` and an `en` string:

    [home_title]
    id = "Ambil Nomor Antrean"
    en = "Take a Queue Number"

A key is addressed as "AREA.KEY" (e.g. "kiosk.home_title"). Strings may contain
`{name}` placeholders filled from keyword arguments.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
_CATALOG_DIR = Path(__file__).with_name("catalog")


@cache
def catalog() -> dict[str, dict[str, str]]:
    entries: dict[str, dict[str, str]] = {}
    for path in sorted(_CATALOG_DIR.glob("*.toml")):
        area = path.stem
        with path.open("rb") as fh:
            for key, texts in tomllib.load(fh).items():
                entries[f"{area}.{key}"] = texts
    return entries


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """Translate `key` into `lang`; falls back to Indonesian, then to the key itself."""
    texts = catalog().get(key)
    if texts is None:
        return key
    text = texts.get(lang) or texts.get(DEFAULT_LANGUAGE) or key
    return text.format(**params) if params else text


def missing_translations() -> list[str]:
    """Keys lacking a language; the test suite asserts this is empty."""
    return [f"{k} ({lang})" for k, v in catalog().items() for lang in LANGUAGES if not v.get(lang)]
