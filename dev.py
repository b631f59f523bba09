#!/usr/bin/env python3
"""Bootstrap and run Antrean from a fresh checkout with nothing but Python 3.11+.

    python3 dev.py demo [ARGS...]   # the demo office (windows, or a headless gallery)
    python3 dev.py test [ARGS...]   # the test suite
    python3 dev.py bench            # the benchmarks in bench/

Creates `.venv/` on first use and installs the project into it (again whenever
pyproject.toml changes). System libraries Qt needs on Debian/Ubuntu are installed by
`.ci/run`; see docs/install.md.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
STAMP = VENV / ".antrean-installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (run by any system python3)
        sys.exit("Antrean needs Python 3.11 or newer")
    if not PY.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != digest:
        print("installing Antrean and its dependencies into .venv …", flush=True)
        subprocess.run([PY, "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([PY, "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"], check=True)
        STAMP.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "bench"):
        print(__doc__)
        return 2
    ensure_venv()
    what, rest = argv[0], argv[1:]
    env = dict(os.environ)
    if what == "demo":
        return subprocess.call([PY, "-m", "antrean", "demo", *rest], cwd=ROOT, env=env)
    if what == "bench":
        code = 0
        for script in sorted((ROOT / "bench").glob("bench_*.py")):
            print(f"== {script.name}", flush=True)
            code |= subprocess.call([PY, script, *rest], cwd=ROOT, env=env)
        return code
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.call([PY, "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
