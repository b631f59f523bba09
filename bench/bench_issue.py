"""Benchmark 2: acknowledged (durable) ticket issues per second with 8 concurrent kiosks,
against raw one-row SQLite commits (WAL + synchronous=FULL) on the same disk.

Each kiosk sends `issue_ticket`, waits for its `ok` result (= committed), sends the next.
The server's group commit puts everything that arrived during one fsync into the next
transaction. Kiosks run in their own process.

    python bench/bench_issue.py [--kiosks 8] [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, open_config, pair, start_server  # noqa: E402


async def _kiosks(url: str, tokens: dict[str, str], seconds: float) -> tuple[int, set[str]]:
    from websockets.asyncio.client import connect
    numbers: set[str] = set()
    count = 0

    async def kiosk(name: str) -> None:
        nonlocal count
        async with connect(url, compression=None) as ws:
            await ws.send(json.dumps({"type": "hello", "role": "kiosk", "device": name,
                                      "token": tokens[name]}))
            await ws.recv()
            end = time.monotonic() + seconds
            i = 0
            while time.monotonic() < end:
                i += 1
                cid = f"{name}-{i}"
                await ws.send(json.dumps({"type": "command", "id": cid, "name": "issue_ticket",
                                          "args": {"service": "informasi", "lane": "reguler"}}))
                while True:
                    frame = await ws.recv()
                    if '"type":"result"' not in frame[:40]:
                        continue  # a broadcast event: the load generator skips decoding it
                    msg = json.loads(frame)
                    if msg["id"] == cid:
                        assert msg["ok"], msg
                        numbers.add(msg["data"]["number"])
                        count += 1
                        break

    await asyncio.gather(*(kiosk(n) for n in tokens))
    return count, numbers


def _kiosk_process(url, tokens, seconds, pipe) -> None:
    pipe.send(asyncio.run(_kiosks(url, tokens, seconds)))


def raw_commits(folder: Path, seconds: float) -> float:
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT)")
    payload = "x" * 400  # about one ticket row + its event
    n = 0
    end = time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < end:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t(payload) VALUES (?)", (payload,))
        conn.execute("COMMIT")
        n += 1
    rate = n / (time.perf_counter() - t0)
    conn.close()
    return rate


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiosks", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=4.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="antrean-bench-", dir=ROOT) as tmp:
        folder = Path(tmp)
        raw = raw_commits(folder, args.seconds)
        db = folder / "issue.db"
        tokens = pair(db, [(f"kiosk-{i}", "kiosk") for i in range(args.kiosks)])
        proc, port, _ = start_server(db, open_config(folder))
        try:
            parent, child = mp.Pipe()
            p = mp.get_context("spawn").Process(
                target=_kiosk_process,
                args=(f"ws://127.0.0.1:{port}/ws", tokens, args.seconds, child))
            t0 = time.perf_counter()
            p.start()
            count, numbers = parent.recv()
            elapsed = time.perf_counter() - t0
            p.join()
        finally:
            proc.terminate()
            proc.wait(10)
        ours = count / args.seconds
        print(f"raw one-row commits (WAL+FULL):      {raw:8.0f}/s")
        print(f"antrean durable issues, {args.kiosks} kiosks:   {ours:8.0f}/s "
              f"({count} tickets, {len(numbers)} distinct numbers, wall {elapsed:.1f} s)")
        print(f"ratio: {ours / raw:.2f}x  (target >= 1.0x)")
        assert len(numbers) == count, "duplicate ticket numbers!"
    return 0


if __name__ == "__main__":
    sys.exit(main())
