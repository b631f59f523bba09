"""Peripheral hardware of an office: ticket printers, LED counter displays, call buttons.

Clients (kiosk, counter console) use this package with plain data; it never imports the
server package.
"""

from __future__ import annotations

import os
from pathlib import Path


def _cache_escpos_capabilities() -> None:
    # python-escpos parses the YAML of all its printer profiles at import unless it finds
    # a pickle of them, and by default looks for that pickle in a fresh mkdtemp() each
    # process, i.e. never. A per-user cache dir (not a shared /tmp dir: the file is
    # unpickled) lets a kiosk skip that parse at start-up. Set before anything imports
    # escpos.
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    target = base / "antrean" / "escpos"
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return  # read-only home: escpos falls back to its own temp dir
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(target)


_cache_escpos_capabilities()
