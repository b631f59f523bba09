"""What one group commit writes: WAL pages per commit, for the commands of a day, against
a raw one-row commit (the baseline of bench_issue) on the same kind of database.

Pages are what a COMMIT writes and then fsyncs: each index a commit touches costs a page,
so this is where schema choices show. Unlike timings, the counts do not depend on how
busy the machine is.

    python bench/bench_commit_pages.py [--rounds 500]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import open_config, raw_commit, raw_commit_db  # noqa: E402
from config import office as office_config  # noqa: E402
from protocol import messages as m  # noqa: E402
from server.engine import Actor, Engine  # noqa: E402
from server.store.sqlite import Store, encode_part  # noqa: E402

FRAME = 4096 + 24  # a WAL frame: one page and its header


class WalMeter:
    def __init__(self, conn: sqlite3.Connection, wal: Path) -> None:
        conn.execute("PRAGMA wal_autocheckpoint=0")  # the WAL only grows while we count
        self.conn, self.wal = conn, wal

    def size(self) -> int:
        return self.wal.stat().st_size if self.wal.exists() else 0

    def restart(self) -> None:
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def raw_pages(folder: Path, rounds: int) -> list[float]:
    conn = raw_commit_db(folder / "raw.db")
    meter = WalMeter(conn, folder / "raw.db-wal")
    pages = []
    for i in range(rounds):
        before = meter.size()
        raw_commit(conn)
        pages.append((meter.size() - before) / FRAME)
        if i % 100 == 99:
            meter.restart()
    return pages


def antrean_pages(folder: Path, rounds: int) -> dict[str, list[float]]:
    cfg = office_config.load(open_config(folder))
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    engine = Engine(cfg, now)
    store = Store(folder / "antrean.db")
    meter = WalMeter(store.writer, folder / "antrean.db-wal")
    counter = cfg.counters[0]
    desk = Actor("counter", "desk-1", "budi", "Budi", session="desk-1")
    kiosks = [Actor("kiosk", f"kiosk-{i}") for i in range(8)]
    n = 0

    def commit(commands: list[tuple[str, dict, Actor]]) -> float:
        nonlocal now, n
        parts = []
        for name, args, actor in commands:
            now += timedelta(milliseconds=100)
            n += 1
            out = engine.handle(name, args, actor, now)
            assert out.ok, out
            at, cid = engine.iso(now), f"c{n}"
            events = [(at, engine.day.isoformat(), actor.device, str(e), data)
                      for e, data in out.events]
            parts.append(encode_part(events, engine.drain_changes(), [
                (actor.device, cid, at, m.encode(m.result_ok(cid, out.data)))]))
        before = meter.size()
        store.commit_encoded(parts)
        return (meter.size() - before) / FRAME

    commit([("login", {"officer": "budi", "pin": "x", "counter": counter.id}, desk)])
    issue = {"service": counter.services[0], "lane": "reguler"}
    pages: dict[str, list[float]] = {"issue, a group of 4 kiosks": [], "call_next": [],
                                     "start_service": [], "finish": []}
    for i in range(rounds):
        pages["issue, a group of 4 kiosks"].append(commit(
            [("issue_ticket", issue, kiosks[(4 * i + k) % 8]) for k in range(4)]))
        for name in ("call_next", "start_service", "finish"):
            pages[name].append(commit([(name, {"counter": counter.id}, desk)]))
        if i % 50 == 49:
            meter.restart()
    store.close()
    return pages


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="antrean-bench-") as tmp:
        folder = Path(tmp)
        raw = statistics.mean(raw_pages(folder, args.rounds))
        print(f"WAL pages per commit (mean of {args.rounds}); a page is 4 KiB, written then "
              f"fsynced")
        print(f"  {'raw one-row commit (baseline)':32} {raw:6.2f}")
        for name, values in antrean_pages(folder, args.rounds).items():
            mean = statistics.mean(values)
            print(f"  {name:32} {mean:6.2f}  ({mean / raw:.1f}x the raw commit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
