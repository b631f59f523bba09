"""Peripheral hardware of an office: ticket printers, LED counter displays, call buttons.

Clients (kiosk, counter console) use this package with plain data; it never imports the
server package.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import tempfile
from pathlib import Path

# (the pickle escpos writes in this process, where to publish it) — see below
_escpos_cache_to_publish: tuple[Path, Path] | None = None


def _cache_escpos_capabilities() -> None:
    # python-escpos parses the YAML of all its printer profiles at import unless it finds
    # a pickle of them, and by default looks for that pickle in a fresh mkdtemp() each
    # process, i.e. never. A per-user cache dir (not a shared /tmp dir: the file is
    # unpickled) lets a kiosk skip that parse at start-up. escpos writes the pickle in
    # place, so a second process starting meanwhile would read it half written: until the
    # shared pickle exists, this process lets escpos write into a private folder and then
    # publishes the file whole (`publish_escpos_cache`). Set before anything imports
    # escpos.
    global _escpos_cache_to_publish
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    target = base / "antrean" / "escpos"
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return  # read-only home: escpos falls back to its own temp dir
    shared = target / f"{platform.python_version()}.capabilities.pickle"
    if _fresh(shared):
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(target)
        return
    private = Path(tempfile.mkdtemp(prefix="antrean-escpos-"))
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(private)
    _escpos_cache_to_publish = (private / shared.name, shared)


def _fresh(pickled: Path) -> bool:
    """The shared pickle exists and is newer than escpos's own profiles file (which escpos
    would otherwise reparse and write over it, in place), found without importing escpos."""
    spec = importlib.util.find_spec("escpos")
    if spec is None or spec.origin is None:
        return False
    profiles = Path(spec.origin).parent / "capabilities.json"
    try:
        return pickled.stat().st_mtime >= profiles.stat().st_mtime
    except OSError:
        return False


def publish_escpos_cache() -> None:
    """After escpos was imported: its pickle, written privately, becomes the shared one
    in one rename (never seen half written)."""
    global _escpos_cache_to_publish
    if _escpos_cache_to_publish is None:
        return
    written, shared = _escpos_cache_to_publish
    _escpos_cache_to_publish = None
    try:
        if written.exists() and not _fresh(shared):
            partial = shared.with_name(f"{shared.name}.{os.getpid()}.tmp")
            shutil.copyfile(written, partial)
            os.replace(partial, shared)
    except OSError:
        return  # a cache: the next start parses the YAML again
    # processes started from this one (inheriting the variable) read the shared cache
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(shared.parent)
    shutil.rmtree(written.parent, ignore_errors=True)


_cache_escpos_capabilities()
