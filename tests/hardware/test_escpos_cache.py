"""python-escpos's profile cache is shared per user: processes starting together (a kiosk
and its gallery, test workers) never read it half written, and it is published whole."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_processes_starting_together_with_no_cache_all_import_and_one_publishes(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    # each one also starts a child (as the test runner starts apps): it inherits the
    # cache's place and imports escpos again
    code = ("import subprocess, sys; import hardware.printer; "
            "subprocess.run([sys.executable, '-c', 'import escpos.printer'], check=True); "
            "print('ok')")
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip() == "ok", err
    shared = tmp_path / "antrean" / "escpos" / f"{platform.python_version()}.capabilities.pickle"
    assert shared.stat().st_size > 0
    assert [p.name for p in shared.parent.iterdir()] == [shared.name]  # no partial left
    # the next start reads the published cache
    again = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr


def test_a_stale_cache_is_replaced_whole_while_others_start(tmp_path):
    """A cache older than escpos's profiles (escpos was upgraded, or a fresh virtualenv)
    would be rewritten in place by every starting process: it is rebuilt privately and
    replaced in one rename instead."""
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    shared = tmp_path / "antrean" / "escpos" / f"{platform.python_version()}.capabilities.pickle"
    shared.parent.mkdir(parents=True)
    shared.write_bytes(b"\x80")  # a stale, truncated pickle
    os.utime(shared, (0, 0))
    code = "import hardware.printer; print('ok')"
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip() == "ok", err
    assert shared.stat().st_size > 1000
