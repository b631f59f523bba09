"""Where the server's CPU goes per durable ticket: the hub's hot path in one process, by
stage, without sockets and the kiosks (bench_issue measures the whole thing end to end).

Groups of kiosk `issue_ticket` commands go through the real hub, engine and SQLite store
exactly as the writer runs them: frame parsing, `_prepare` (engine + serialising),
`_begin_commit` (the inserts), `_finish_commit` (COMMIT: WAL write + fsync) and
`_deliver` (the frames for 8 live kiosks, written to stand-in transports). Each stage is
timed in CPU time of this thread (time.thread_time), which a busy shared machine
disturbs far less than wall time. Baselines in the same run: the CPU of a raw one-row
SQLite commit (WAL + FULL, bench_issue's baseline), and the JSON encoding of one ticket
event with the standard library against the wire module's encoder.

    python bench/bench_hot_path.py [--groups 1500] [--group 4] [--reps 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import timeit
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from websockets.protocol import State  # noqa: E402

from bench.common import open_config, raw_commit, raw_commit_db  # noqa: E402
from protocol import messages as m  # noqa: E402
from server import config as office_config  # noqa: E402
from server.engine import Actor  # noqa: E402
from server.hub.websocket import Client, Hub, Work  # noqa: E402
from server.store.sqlite import Store  # noqa: E402

STAGES = ("parse", "prepare", "begin", "finish", "deliver")


class NullTransport:
    """Takes the frames a kiosk would be sent and drops them."""

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return False

    def write(self, data: bytes) -> None:
        pass


def hot_path(folder: Path, groups: int, size: int, reps: int) -> dict[str, list[float]]:
    cfg = office_config.load(open_config(folder))
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    store = Store(folder / "hot.db")
    hub = Hub(cfg, store, lambda: now)
    service = cfg.counters[0].services[0]
    kiosks = []
    for i in range(8):
        ws = SimpleNamespace(protocol=SimpleNamespace(state=State.OPEN), send_in_progress=None,
                             transport=NullTransport(), remote_address=None)
        kiosk = Client(ws=ws, role="kiosk", device=f"kiosk-{i}", live=True)
        kiosks.append(kiosk)
        hub.clients.add(kiosk)
    frames = [m.encode({"type": "command", "id": f"c{n}", "name": "issue_ticket",
                        "args": {"service": service, "lane": "reguler"}})
              for n in range(groups * size * reps)]
    per_ticket: dict[str, list[float]] = {stage: [] for stage in (*STAGES, "total")}
    n = 0
    for rep in range(reps):
        spent = dict.fromkeys(STAGES, 0.0)
        for _ in range(groups):
            t0 = time.thread_time()
            batch = []
            for _ in range(size):
                kiosk = kiosks[n % 8]
                batch.append(Work("command", kiosk, m.parse(frames[n]),
                                  Actor("kiosk", kiosk.device)))
                n += 1
            now += timedelta(milliseconds=2)
            t1 = time.thread_time()
            prepared = hub._prepare(batch)
            t2 = time.thread_time()
            ranges, _ = hub._begin_commit([prepared])
            t3 = time.thread_time()
            hub._finish_commit(ranges)
            t4 = time.thread_time()
            hub._deliver([prepared], ranges)
            t5 = time.thread_time()
            for stage, spent_here in zip(STAGES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4),
                                         strict=True):
                spent[stage] += spent_here
        if rep == 0:
            continue  # warm-up
        for stage, total in spent.items():
            per_ticket[stage].append(total / (groups * size) * 1e6)
        per_ticket["total"].append(sum(spent.values()) / (groups * size) * 1e6)
    store.close()
    return per_ticket


def raw_commit_cpu(path: Path, commits: int) -> float:
    conn = raw_commit_db(path)
    t0 = time.thread_time()
    for _ in range(commits):
        raw_commit(conn)
    spent = time.thread_time() - t0
    conn.close()
    return spent / commits * 1e6


def json_costs() -> tuple[float, float]:
    """One ticket_issued payload: (standard library json, protocol.messages.encode), us."""
    wire = {"id": "t_20261123_A001", "number": "A001", "service": "paspor-baru",
            "stage": "berkas", "lane": "reguler", "status": "waiting",
            "issued_at": "2026-11-23T08:01:02.345+07:00",
            "queued_at": "2026-11-23T08:01:02.345+07:00", "called_at": None,
            "started_at": None, "finished_at": None, "counter": None, "recalls": 0,
            "booked": False, "booking_slot": None, "to_counter": None, "lang": "id",
            "status_url": "http://192.168.1.10:8765/t/abcdefghijklmnopqrstuv",
            "ahead": 12, "estimated_wait_s": 600}
    payload = {"ticket": wire, "ahead": 12, "estimated_wait_s": 600,
               "service_stats": {"service": "paspor-baru", "waiting": 13,
                                 "estimated_wait_s": 650}}

    def stdlib() -> str:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))

    def ours() -> str:
        return m.encode(payload)

    assert stdlib() == ours()
    return tuple(min(timeit.repeat(f, number=5000, repeat=5)) / 5000 * 1e6
                 for f in (stdlib, ours))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=1500, help="commits per repetition")
    ap.add_argument("--group", type=int, default=4, help="tickets per commit")
    ap.add_argument("--reps", type=int, default=5, help="repetitions (the first warms up)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="antrean-bench-") as tmp:
        folder = Path(tmp)
        raw = raw_commit_cpu(folder / "raw-before.db", 2000)
        stages = hot_path(folder, args.groups, args.group, max(2, args.reps))
        raw_after = raw_commit_cpu(folder / "raw-after.db", 2000)
    baseline = statistics.median([raw, raw_after])
    total = statistics.median(stages["total"])
    print(f"server hot path, CPU per durable ticket, groups of {args.group} "
          f"(median of {len(stages['total'])} repetitions of {args.groups} commits):")
    for stage in STAGES:
        print(f"  {stage:8} {statistics.median(stages[stage]):6.0f} us")
    print(f"  {'total':8} {total:6.0f} us   (spread {min(stages['total']):.0f}-"
          f"{max(stages['total']):.0f})")
    print(f"raw one-row commit (baseline), CPU: {baseline:.0f} us per commit; "
          f"the hot path is {total / baseline:.1f}x that per ticket")
    stdlib, ours = json_costs()
    print(f"JSON, one ticket_issued payload: json.dumps {stdlib:.1f} us, "
          f"protocol.messages.encode {ours:.1f} us ({stdlib / ours:.0f}x faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
