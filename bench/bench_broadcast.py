"""Benchmark 1: officer `call_next` → `ticket_called` received by EVERY display client,
against a raw `websockets.broadcast` of the same message to the same number of clients.
Also the server's memory (RSS) with those clients connected.

Both servers run as real processes; the listeners run in a third process. Latency of a
round = last listener's receipt − the moment the command (or raw trigger) was sent.

    python bench/bench_broadcast.py [--clients 100 500] [--rounds 200]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import listeners  # noqa: E402
from bench.common import ROOT, open_config, pair, pct, rss_mb, start_server  # noqa: E402


def _spawn_listeners(url: str, n: int, hello: dict | None):
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=listeners.run, args=(url, n, hello, child),
                                           daemon=True)
    proc.start()
    kind, *_ = parent.recv()
    assert kind == "ready"
    return proc, parent


def _wait_all(pipe, key: str) -> int:
    """Block until every listener got the message `key`; its last receipt time (ns)."""
    while True:
        kind, got, last = pipe.recv()
        if got == key:
            return last


def _command(ws, cid: str, name: str, args: dict) -> dict:
    ws.send(json.dumps({"type": "command", "id": cid, "name": name, "args": args}))
    while True:
        msg = json.loads(ws.recv(timeout=30))
        if msg.get("type") == "result" and msg.get("id") == cid:
            return msg


def bench_antrean(n: int, rounds: int, folder: Path) -> tuple[list[float], float, str]:
    db = folder / f"bench-{n}.db"
    desks = ["loket-1", "loket-2", "loket-3"]  # rotate: stays under the per-client rate limit
    tokens = pair(db, [(f"kiosk-{i}", "kiosk") for i in range(3)]
                  + [(f"desk-{c}", "counter") for c in desks])
    proc, port, _ = start_server(db, open_config(folder))
    url = f"ws://127.0.0.1:{port}/ws"
    socks = {}
    try:
        for dev in tokens:
            ws = socks[dev] = connect(url)  # noqa: SIM115 (closed in finally)
            role = "kiosk" if dev.startswith("kiosk") else "counter"
            ws.send(json.dumps({"type": "hello", "role": role, "device": dev,
                                "token": tokens[dev]}))
            ws.recv(timeout=30)
        for c in desks:
            assert _command(socks[f"desk-{c}"], "login", "login",
                            {"officer": "budi" if c == "loket-1" else f"o-{c}", "pin": "1234",
                             "counter": c})["ok"] or True
        lproc, pipe = _spawn_listeners(url, n, {"type": "hello", "role": "observer"})
        latencies, sample = [], ""
        for i in range(rounds):
            kiosk = socks[f"kiosk-{i % 3}"]
            c = desks[i % 3]
            desk = socks[f"desk-{c}"]
            issued = _command(kiosk, f"i{i}", "issue_ticket",
                              {"service": "paspor-baru", "lane": "reguler"})
            _wait_all(pipe, f"ticket_issued:{issued['data']['number']}")
            t0 = time.monotonic_ns()
            res = _command(desk, f"c{i}", "call_next", {"counter": c})
            assert res["ok"], res
            last = _wait_all(pipe, f"ticket_called:{res['data']['number']}")
            latencies.append((last - t0) / 1e6)
            _command(desk, f"s{i}", "start_service", {"counter": c})
            _command(desk, f"f{i}", "finish", {"counter": c})
            # every listener idle again before the next timed call
            _wait_all(pipe, f"ticket_finished:{res['data']['number']}")
        rss = rss_mb(proc.pid)
        with connect(url) as probe:  # one public ticket_called frame: the raw payload
            probe.send(json.dumps({"type": "hello", "role": "observer"}))
            probe.recv(timeout=30)
            _command(socks["kiosk-0"], "last", "issue_ticket", {"service": "paspor-baru",
                                                               "lane": "reguler"})
            _command(socks["desk-loket-1"], "lastc", "call_next", {"counter": "loket-1"})
            while True:
                msg = probe.recv(timeout=30)
                if '"ticket_called"' in msg:
                    sample = msg
                    break
        pipe.send("stop")
        lproc.join(30)
    finally:
        for ws in socks.values():
            ws.close()
        proc.terminate()
        proc.wait(10)
    return latencies, rss, sample


def bench_raw(n: int, rounds: int, sample: str) -> list[float]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "raw_broadcast_server.py")],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    port = int(re.search(r":(\d+)/ws", proc.stdout.readline()).group(1))
    url = f"ws://127.0.0.1:{port}/ws"
    try:
        lproc, pipe = _spawn_listeners(url, n, {"type": "hello"})
        msg = json.loads(sample)
        latencies = []
        with connect(url) as control:
            control.send("control")
            for i in range(rounds):
                msg["seq"] = i + 1
                msg["data"]["ticket"]["number"] = f"R{i:04d}"
                payload = json.dumps(msg, ensure_ascii=False, separators=(",", ":"))
                t0 = time.monotonic_ns()
                control.send(payload)
                control.recv(timeout=30)
                last = _wait_all(pipe, f"ticket_called:R{i:04d}")
                latencies.append((last - t0) / 1e6)
        pipe.send("stop")
        lproc.join(30)
    finally:
        proc.terminate()
        proc.wait(10)
    return latencies


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, nargs="+", default=[100, 500])
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    print("call_next → ticket_called at every display, vs raw websockets.broadcast")
    print(f"{'clients':>8} {'antrean p50':>12} {'p99':>8} {'raw p50':>9} {'p99':>8} "
          f"{'p99 ratio':>10} {'server RSS':>11}")
    with tempfile.TemporaryDirectory(prefix="antrean-bench-", dir=ROOT) as tmp:
        for n in args.clients:
            ours, rss, sample = bench_antrean(n, args.rounds, Path(tmp))
            raw = bench_raw(n, args.rounds, sample)
            print(f"{n:>8} {pct(ours, 50):>10.2f}ms {pct(ours, 99):>6.2f}ms "
                  f"{pct(raw, 50):>7.2f}ms {pct(raw, 99):>6.2f}ms "
                  f"{pct(ours, 99) / pct(raw, 99):>9.2f}x {rss:>8.1f} MB", flush=True)
    print("target: p99 ratio <= 1.30; server RSS < 150 MB at 500 clients")
    return 0


if __name__ == "__main__":
    sys.exit(main())
