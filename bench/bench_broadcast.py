"""Benchmark 1: officer `call_next` → `ticket_called` received by EVERY display client,
against a raw `websockets.broadcast` of the same message to the same number of clients.
Also the server's memory (RSS) with those clients connected.

Both servers run as real processes at the same time, each with its own listeners in a
process of their own, and are measured in alternating rounds (a noisy machine then slows
both alike). Latency of a round = last listener's receipt − the moment the command (or
the raw trigger) was sent.

    python bench/bench_broadcast.py [--clients 100 500] [--rounds 600]
"""

from __future__ import annotations

import argparse
import contextlib
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


class AntreanSide:
    """The real server with kiosks and desks connected, and `n` public listeners."""

    desks = ("loket-1", "loket-2", "loket-3")  # rotated: stays under the per-device rate

    def __init__(self, n: int, folder: Path) -> None:
        db = folder / f"bench-{n}.db"
        tokens = pair(db, [(f"kiosk-{i}", "kiosk") for i in range(3)]
                      + [(f"desk-{c}", "counter") for c in self.desks])
        self.proc, port, _ = start_server(db, open_config(folder))
        self.url = f"ws://127.0.0.1:{port}/ws"
        self.socks = {}
        for dev in tokens:
            ws = self.socks[dev] = connect(self.url, legacy=True)  # noqa: SIM115 (closed in close())
            role = "kiosk" if dev.startswith("kiosk") else "counter"
            ws.send(json.dumps({"type": "hello", "role": role, "device": dev,
                                "token": tokens[dev]}))
            ws.recv(timeout=30)
        for c in self.desks:
            _command(self.socks[f"desk-{c}"], "login", "login",
                     {"officer": "budi" if c == "loket-1" else f"o-{c}", "pin": "1234",
                      "counter": c})
        self.lproc, self.pipe = _spawn_listeners(self.url, n, {"type": "hello",
                                                               "role": "observer"})

    def round(self, i: int) -> float:
        """One timed call: ms from sending `call_next` to the last listener's receipt."""
        kiosk = self.socks[f"kiosk-{i % 3}"]
        c = self.desks[i % 3]
        desk = self.socks[f"desk-{c}"]
        issued = _command(kiosk, f"i{i}", "issue_ticket",
                          {"service": "paspor-baru", "lane": "reguler"})
        _wait_all(self.pipe, f"ticket_issued:{issued['data']['number']}")
        t0 = time.monotonic_ns()
        res = _command(desk, f"c{i}", "call_next", {"counter": c})
        assert res["ok"], res
        last = _wait_all(self.pipe, f"ticket_called:{res['data']['number']}")
        _command(desk, f"s{i}", "start_service", {"counter": c})
        _command(desk, f"f{i}", "finish", {"counter": c})
        # every listener idle again before the next timed call
        _wait_all(self.pipe, f"ticket_finished:{res['data']['number']}")
        return (last - t0) / 1e6

    def sample_frame(self) -> str:
        """One public ticket_called frame as a display receives it: the raw side's payload."""
        with connect(self.url) as probe:
            probe.send(json.dumps({"type": "hello", "role": "observer"}))
            probe.recv(timeout=30)
            issued = _command(self.socks["kiosk-0"], "sample", "issue_ticket",
                              {"service": "paspor-baru", "lane": "reguler"})
            _wait_all(self.pipe, f"ticket_issued:{issued['data']['number']}")
            res = _command(self.socks["desk-loket-1"], "sample-c", "call_next",
                           {"counter": "loket-1"})
            _wait_all(self.pipe, f"ticket_called:{res['data']['number']}")
            _command(self.socks["desk-loket-1"], "sample-s", "start_service",
                     {"counter": "loket-1"})
            _command(self.socks["desk-loket-1"], "sample-f", "finish", {"counter": "loket-1"})
            _wait_all(self.pipe, f"ticket_finished:{res['data']['number']}")
            while True:
                msg = probe.recv(timeout=30)
                if '"ticket_called"' in msg:
                    return msg

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.pipe.send("stop")
            self.lproc.join(30)
        for ws in self.socks.values():
            ws.close()
        self.proc.terminate()
        self.proc.wait(10)


class RawSide:
    """A bare `websockets` server broadcasting what a control client sends."""

    def __init__(self, n: int, sample: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" /
                                                         "raw_broadcast_server.py")],
                                     stdout=subprocess.PIPE, text=True, cwd=ROOT)
        port = int(re.search(r":(\d+)/ws", self.proc.stdout.readline()).group(1))
        url = f"ws://127.0.0.1:{port}/ws"
        self.lproc, self.pipe = _spawn_listeners(url, n, {"type": "hello"})
        self.msg = json.loads(sample)
        self.control = connect(url, legacy=True)  # noqa: SIM115 (closed in close())
        self.control.send("control")

    def round(self, i: int) -> float:
        self.msg["seq"] = i + 1
        self.msg["data"]["ticket"]["number"] = f"R{i:04d}"
        payload = json.dumps(self.msg, ensure_ascii=False, separators=(",", ":"))
        t0 = time.monotonic_ns()
        self.control.send(payload)
        self.control.recv(timeout=30)
        last = _wait_all(self.pipe, f"ticket_called:R{i:04d}")
        return (last - t0) / 1e6

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.pipe.send("stop")
            self.lproc.join(30)
        self.control.close()
        self.proc.terminate()
        self.proc.wait(10)


def bench(n: int, rounds: int, folder: Path) -> tuple[list[float], list[float], float]:
    """Both sides up at once and measured in alternating rounds, so that whatever else the
    machine does at the time weighs on both alike."""
    ours, raws = [], []
    antrean = AntreanSide(n, folder)
    raw = None
    try:
        raw = RawSide(n, antrean.sample_frame())
        for i in range(rounds):
            ours.append(antrean.round(i))
            raws.append(raw.round(i))
        rss = rss_mb(antrean.proc.pid)
    finally:
        if raw is not None:
            raw.close()
        antrean.close()
    return ours, raws, rss


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, nargs="+", default=[100, 500])
    ap.add_argument("--rounds", type=int, default=600)
    args = ap.parse_args()
    print("call_next → ticket_called at every display, vs raw websockets.broadcast")
    print(f"{'clients':>8} {'antrean p50':>12} {'p99':>8} {'raw p50':>9} {'p99':>8} "
          f"{'p99 ratio':>10} {'server RSS':>11}")
    with tempfile.TemporaryDirectory(prefix="antrean-bench-", dir=ROOT) as tmp:
        for n in args.clients:
            ours, raw, rss = bench(n, args.rounds, Path(tmp))
            print(f"{n:>8} {pct(ours, 50):>10.2f}ms {pct(ours, 99):>6.2f}ms "
                  f"{pct(raw, 50):>7.2f}ms {pct(raw, 99):>6.2f}ms "
                  f"{pct(ours, 99) / pct(raw, 99):>9.2f}x {rss:>8.1f} MB", flush=True)
    print("target: p99 ratio <= 1.30; server RSS < 150 MB at 500 clients")
    return 0


if __name__ == "__main__":
    sys.exit(main())
