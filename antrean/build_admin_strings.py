"""Generate server/web/admin-strings.json (the supervisor console's texts) from
i18n/catalog/admin.toml.

The console is a static page served as a file, so it cannot call `i18n.t`; this keeps the
one translation source. Run after editing admin.toml:
`python -m antrean.build_admin_strings` (a test fails while the JSON is out of date).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from i18n import LANGUAGES, catalog

AREA = "admin"
TARGET = Path(__file__).resolve().parent.parent / "server" / "web" / "admin-strings.json"


def build() -> str:
    strings: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    prefix = f"{AREA}."
    for key, texts in sorted(catalog().items()):
        if key.startswith(prefix):
            for lang in LANGUAGES:
                strings[lang][key[len(prefix):]] = texts.get(lang) or texts["id"]
    return json.dumps(strings, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    target = Path(argv[0]) if argv else TARGET
    target.write_text(build(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
