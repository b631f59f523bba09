"""Benchmark 4: restart with a year of history (~1M events) until the server serves.

Builds a database with `--days` past days of events and tickets (about 4,000 events a
day), plus today's open queue, then times `antrean server` from process start to the
first answered /health — against the same start on an empty database in the same run.
Restart loads only today's state (tickets of today, counters, meta), never the history.

    python bench/bench_restart.py [--days 250] [--events-per-day 4000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, open_config, start_server  # noqa: E402
from config import office as office_config  # noqa: E402
from server.engine import Actor, Engine  # noqa: E402
from server.engine.model import ticket_id  # noqa: E402
from server.store.sqlite import TICKET_COLUMNS, Store, encode_part  # noqa: E402

EVENT_NAMES = ("ticket_issued", "ticket_called", "service_started", "ticket_finished")


def build_history(db: Path, days: int, per_day: int, cfg) -> int:
    store = Store(db, synchronous="OFF")  # building the fixture, not measuring it
    rng = random.Random(1)
    today = datetime.now(UTC).astimezone(cfg.tz).date()
    conn = store.conn
    seq = 0
    payload = json.dumps({"ticket": {"id": "t_x", "number": "A001", "service": "paspor-baru",
                                     "lane": "reguler", "status": "done"}})
    conn.execute("BEGIN")
    for d in range(days, 0, -1):
        day = (today - timedelta(days=d)).isoformat()
        rows = []
        for i in range(per_day):
            seq += 1
            rows.append((seq, f"{day}T09:00:00+07:00", day, "kiosk-1",
                         EVENT_NAMES[i % 4], payload))
        conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?)", rows)
        tickets = [(ticket_id(day.replace("-", ""), f"A{n:03d}"), day, f"A{n:03d}",
                    "paspor-baru", "pemeriksaan-berkas", "reguler", "done", f"tok{day}{n}",
                    "id", f"{day}T09:00:00+07:00", f"{day}T09:00:00+07:00", None, None, None,
                    "loket-1", "budi", 0, 0, None, None, n % 2, "paspor-baru/reguler", None)
                   for n in range(per_day // 4)]
        conn.executemany(f"INSERT INTO tickets({','.join(TICKET_COLUMNS)}) "
                         f"VALUES ({','.join('?' * len(TICKET_COLUMNS))})", tickets)
    conn.execute("COMMIT")
    store.seq = seq
    # today: a live morning through the real engine, committed like the hub does
    now = datetime.now(UTC)
    engine = Engine(cfg, now)
    kiosk = Actor("kiosk", "kiosk-1")
    events = []
    for _ in range(300):
        out = engine.handle("issue_ticket", {"service": rng.choice(["paspor-baru", "informasi"]),
                                             "lane": "reguler"}, kiosk, now)
        events += [(engine.iso(now), engine.day.isoformat(), "kiosk-1", n, d)
                   for n, d in out.events]
    store.commit_encoded([encode_part(events, engine.drain_changes(), [])])
    total = store.seq
    store.close()
    return total


def time_start(db: Path, config: Path) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc, port, listening = start_server(db, config)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=30) as r:
            health = json.load(r)
        served = time.perf_counter() - t0
        assert health["ok"]
    finally:
        proc.terminate()
        proc.wait(10)
    return listening, served


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=250)
    ap.add_argument("--events-per-day", type=int, default=4000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="antrean-bench-", dir=ROOT) as tmp:
        folder = Path(tmp)
        config = open_config(folder)
        cfg = office_config.load(config)
        big = folder / "year.db"
        t0 = time.perf_counter()
        events = build_history(big, args.days, args.events_per_day, cfg)
        size = big.stat().st_size / 1e6
        print(f"built {events:,} events ({size:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        empty = folder / "empty.db"
        Store(empty).close()
        time_start(empty, config)  # warm the OS file cache for the interpreter and modules
        base = min(time_start(empty, config)[1] for _ in range(3))
        ours = min(time_start(big, config)[1] for _ in range(3))
        print(f"start to first /health, empty database:     {base * 1000:7.0f} ms")
        print(f"start to first /health, a year of history:  {ours * 1000:7.0f} ms "
              f"({ours / base:.2f}x the empty start; target < 1000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
