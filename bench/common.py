"""Shared bench helpers: an always-open office config file, a real server subprocess,
devices paired straight in the database, percentiles."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from config import EXAMPLE_CONFIG
from server.store.sqlite import Store

ROOT = Path(__file__).resolve().parent.parent


def open_config(folder: Path) -> Path:
    """The example office, open around the clock, without quotas or cut-offs."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace("working_days = [1, 2, 3, 4, 5]", "working_days = [1, 2, 3, 4, 5, 6, 7]")
    text = text.replace('opening_time = "08:00"', 'opening_time = "00:00"')
    text = text.replace('closing_time = "16:00"', 'closing_time = "23:59"')
    text = re.sub(r"^(cutoff_time|quota) = .*$", "", text, flags=re.M)
    # benchmarks are load generators: lift the per-device flood limit
    text = text.replace("commands_per_second = 50", "commands_per_second = 100000")
    text = text.replace("command_burst = 100", "command_burst = 100000")
    path = folder / "office.toml"
    path.write_text(text, encoding="utf-8")
    return path


def pair(db: Path, devices: list[tuple[str, str]]) -> dict[str, str]:
    store = Store(db)
    try:
        tokens = {name: store.add_device(name, role) for name, role in devices}
        for officer in ("budi", "o-loket-2", "o-loket-3"):
            store.add_officer(officer, officer, "1234")
    finally:
        store.close()
    return tokens


def start_server(db: Path, config: Path) -> tuple[subprocess.Popen, int, float]:
    """`antrean server` as a real process; returns (process, port, seconds to listening)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "antrean", "server", "--config", str(config),
                             "--db", str(db), "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)
    line = proc.stdout.readline()
    m = re.search(r"listening on ws://[^:]+:(\d+)/ws", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, int(m.group(1)), time.perf_counter() - t0


def raw_commit_db(path: Path) -> sqlite3.Connection:
    """The baseline every store benchmark compares with: a one-table database in WAL
    mode with synchronous=FULL, as the server's, committed to by `raw_commit`."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT)")
    return conn


RAW_PAYLOAD = "x" * 400  # about one ticket row and its event


def raw_commit(conn: sqlite3.Connection) -> None:
    """One durable one-row commit."""
    conn.execute("BEGIN")
    conn.execute("INSERT INTO t(payload) VALUES (?)", (RAW_PAYLOAD,))
    conn.execute("COMMIT")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]
