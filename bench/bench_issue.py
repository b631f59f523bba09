"""Benchmark 2: acknowledged (durable) ticket issues per second with 8 concurrent kiosks,
against raw one-row SQLite commits (WAL + synchronous=FULL) on the same disk.

Each kiosk sends `issue_ticket`, waits for its `ok` result (= committed), sends the next.
The kiosks connect once, as in an office, and issue in timed rounds: a welcome carries a
snapshot of everything waiting (the benchmark's backlog grows to tens of thousands), so
a kiosk that reconnected every round would time those snapshots, not the issues.
The server's group commit puts everything that arrived during one commit into the next
transaction. The kiosks run in their own process (`bench/kiosk_fleet.py`: websockets'
Sans-I/O client protocol on uvloop), sharing the machine's cores with the server.

Shared machines are noisy, so the two are measured in alternating rounds and compared by
their medians.

`--fsync-ms 2` runs both on a slower disk: every fsync of the benchmark and of the server
takes 2 ms longer (`bench/slow_fsync.c`, built with gcc and loaded with LD_PRELOAD), as
on an office mini-PC's eMMC or SATA disk. That is where group commit earns its keep.

    python bench/bench_issue.py [--kiosks 8] [--seconds 2] [--rounds 5] [--fsync-ms MS]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    ROOT,
    open_config,
    pair,
    raw_commit,
    raw_commit_db,
    start_server,
)


def _kiosk_process(port: int, tokens: dict[str, str], pipe: Any) -> None:
    """Connect the kiosks once, then run a round each time the parent says how long."""
    async def main() -> None:
        from bench.kiosk_fleet import Fleet
        fleet = Fleet(port, tokens)
        await fleet.connect()
        pipe.send("connected")
        loop = asyncio.get_running_loop()
        while (seconds := await loop.run_in_executor(None, pipe.recv)) is not None:
            pipe.send(await fleet.round(seconds))
        await fleet.close()
    # the load generator runs on the loop the server runs on (uvloop where installed): on
    # asyncio's own loop the kiosks' side of every round trip costs more CPU, on the same
    # two cores the server uses
    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())


def raw_commits(conn: sqlite3.Connection, seconds: float) -> float:
    n = 0
    end = time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < end:
        raw_commit(conn)
        n += 1
    return n / (time.perf_counter() - t0)


class Kiosks:
    """The kiosk process: connected once, one timed round per `round()`."""

    def __init__(self, port: int, tokens: dict[str, str]) -> None:
        self.pipe, child = mp.Pipe()
        self.process = mp.get_context("spawn").Process(target=_kiosk_process,
                                                       args=(port, tokens, child))
        self.process.start()
        if self.pipe.recv() != "connected":
            raise RuntimeError("kiosks did not connect")

    def round(self, seconds: float) -> tuple[float, list[str]]:
        self.pipe.send(seconds)
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send(None)
        self.process.join(30)


def _rerun_on_slow_disk(fsync_ms: float) -> int:
    """Run this benchmark again with every fsync slowed down by `fsync_ms`."""
    lib = Path(tempfile.mkdtemp(prefix="antrean-slow-fsync-")) / "slow_fsync.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(lib),
                    str(ROOT / "bench" / "slow_fsync.c"), "-ldl"], check=True)
    env = {**os.environ, "LD_PRELOAD": str(lib), "SLOW_FSYNC_US": str(int(fsync_ms * 1000))}
    return subprocess.run([sys.executable, *sys.argv], env=env).returncode


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiosks", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--fsync-ms", type=float, default=0.0,
                    help="make every fsync this much slower (a slower disk), both sides")
    args = ap.parse_args()
    if args.fsync_ms and "SLOW_FSYNC_US" not in os.environ:
        return _rerun_on_slow_disk(args.fsync_ms)
    if os.environ.get("SLOW_FSYNC_US"):
        print(f"slow disk: every fsync +{int(os.environ['SLOW_FSYNC_US']) / 1000:g} ms")
    with tempfile.TemporaryDirectory(prefix="antrean-bench-", dir=ROOT) as tmp:
        folder = Path(tmp)
        raw_db = raw_commit_db(folder / "raw.db")
        db = folder / "issue.db"
        tokens = pair(db, [(f"kiosk-{i}", "kiosk") for i in range(args.kiosks)])
        proc, port, _ = start_server(db, open_config(folder))
        raws: list[float] = []
        ours: list[float] = []
        numbers: list[str] = []
        try:
            kiosks = Kiosks(port, tokens)
            try:
                kiosks.round(0.5)  # warm-up: first connections, caches, the WAL file
                for _ in range(args.rounds):
                    raws.append(raw_commits(raw_db, args.seconds))
                    rate, got = kiosks.round(args.seconds)
                    ours.append(rate)
                    numbers += got
            finally:
                kiosks.close()
        finally:
            proc.terminate()
            proc.wait(10)
            raw_db.close()
        raw, our = statistics.median(raws), statistics.median(ours)
        print(f"raw one-row commits (WAL+FULL):       {raw:8.0f}/s  "
              f"rounds: {', '.join(f'{r:.0f}' for r in raws)}")
        print(f"antrean durable issues, {args.kiosks} kiosks:    {our:8.0f}/s  "
              f"rounds: {', '.join(f'{r:.0f}' for r in ours)}")
        target = "2.5x" if os.environ.get("SLOW_FSYNC_US") else "0.5x"
        print(f"ratio of medians: {our / raw:.2f}x  (target >= {target}); "
              f"{len(numbers)} tickets, {len(set(numbers))} distinct numbers")
        assert len(set(numbers)) == len(numbers), "duplicate ticket numbers!"
    return 0


if __name__ == "__main__":
    sys.exit(main())
