"""Generate server/web/phone-strings.json (the phone page's texts, from
i18n/catalog/phone.toml) and server/web/board-strings.json (the web board's, from
board.toml).

The pages are static (served by the server as files), so they cannot call `i18n.t`; this
script keeps the one translation source. Run after editing phone.toml or board.toml:
`python -m kiosk.build_phone_strings` (a test fails while a JSON is out of date).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from i18n import LANGUAGES, catalog

AREA = "phone"
WEB = Path(__file__).resolve().parent.parent / "server" / "web"
TARGET = WEB / "phone-strings.json"
BOARD_TARGET = WEB / "board-strings.json"


# texts a page shares with another area, under their own names: the survey's profile
# questions are worded as the report counts them
SHARED = {"phone": ("report.profile_",)}


def build(area: str = AREA) -> str:
    strings: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    prefix = f"{area}."
    for key, texts in sorted(catalog().items()):
        name = key[len(prefix):] if key.startswith(prefix) else next(
            (key.split(".", 1)[1] for shared in SHARED.get(area, ()) if key.startswith(shared)),
            None)
        if name is not None:
            for lang in LANGUAGES:
                strings[lang][name] = texts.get(lang) or texts["id"]
    return json.dumps(strings, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    target = Path(argv[0]) if argv else TARGET
    target.write_text(build(), encoding="utf-8")
    print(f"wrote {target}")
    if not argv:
        BOARD_TARGET.write_text(build("board"), encoding="utf-8")
        print(f"wrote {BOARD_TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
