"""bench/bench_central.py still runs (tiny settings; its figures are not checked here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_central_runs(postgres_server):  # (the fixture: skipped without PostgreSQL)
    url = postgres_server.new_database("bench_smoke")
    out = subprocess.run([sys.executable, "bench/bench_central.py", "--offices", "2",
                          "--days", "3", "--facts", "20", "--rounds", "1", "--ship", "200",
                          "--url", url], cwd=ROOT, capture_output=True, text=True,
                         timeout=100, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "central report, one month" in out.stdout and "baseline COPY" in out.stdout
