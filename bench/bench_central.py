"""Benchmark: the directorate's report on a real PostgreSQL, per month of data, for N
offices × D days of history; and how fast one office's outbox ships.

The history is generated straight into the centre with COPY (plausible waits and
outcomes, working days only, `--facts` visits per office-day, the day aggregates to
match): a year of 125 offices is ~100 M facts, more than a shared machine holds in a
benchmark's time, so this measures what the machine allows and docs/central.md
extrapolates. Figures, each beside its baseline from the same run:

- central report, one month (`central.report.build`: the aggregates' sums, the waits'
  median and p90 per office, service and lane in one GROUPING SETS pass), against a bare
  `count(*)` of the same month's facts — the floor for anything that reads every fact;
- shipping: facts per second from an office's SQLite outbox into the centre
  (`central.shipper.Shipper`, batches of `[central] batch_size`), against COPY.

PostgreSQL: `--url` of a server to use (a database of its own: the tables are dropped), or
by default a throwaway server started here (initdb + pg_ctl from PATH or
/usr/lib/postgresql/*/bin; as the `postgres` user when run as root).

    python bench/bench_central.py [--offices 20] [--days 60] [--facts 400] [--url URL]
"""

from __future__ import annotations

import argparse
import glob
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import psycopg  # noqa: E402

from central.report import build  # noqa: E402
from central.schema import ensure_months, migrate  # noqa: E402
from central.shipper import Shipper  # noqa: E402
from config import office as office_config  # noqa: E402
from config.office import Central  # noqa: E402
from server.store.sqlite import Store  # noqa: E402

SERVICES = (("paspor-baru", 40), ("paspor-ganti", 25), ("paspor-hilang", 5),
            ("percepatan", 8), ("izin-tinggal", 10), ("informasi", 12))
LANES = (("reguler", 82), ("lansia", 9), ("ibu-anak", 6), ("disabilitas", 3))
OUTCOMES = (("served", 86), ("no_show", 4), ("transferred", 6), ("cancelled", 2),
            ("expired", 2))
FIRST = date(2026, 1, 1)


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(
        f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        sys.exit(f"bench_central: {name} not found (install postgresql, or pass --url)")
    return found


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="antrean-bench-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        subprocess.run([*self.as_user, _bin("initdb"), "-D", str(self.folder / "data"), "-U",
                        "antrean", "-A", "trust", "--no-instructions"], check=True,
                       capture_output=True)
        self._ctl("-l", str(self.folder / "log"), "-o", f"-p {self.port} -k {self.folder} "
                  "-c listen_addresses='' -c shared_buffers=256MB -c work_mem=64MB", "start")
        self.url = f"postgresql://antrean@/postgres?host={self.folder}&port={self.port}"

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.as_user, _bin("pg_ctl"), "-D", str(self.folder / "data"), "-w",
                        *args], check=True, capture_output=True)

    def close(self) -> None:
        self._ctl("-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _pick(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in mix], weights=[w for _, w in mix])[0]


def working_days(days: int) -> list[date]:
    out, d = [], FIRST
    while len(out) < days:
        if d.isoweekday() <= 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def load_history(conn: psycopg.Connection, offices: int, days: list[date], facts: int,
                 seed: int = 1) -> tuple[int, float]:
    """COPY the facts and the matching day aggregates; returns (facts, seconds)."""
    rng = random.Random(seed)
    ensure_months(conn, days)
    total, started = 0, time.perf_counter()
    for o in range(offices):
        office = f"kanim-{o + 1:03d}"
        conn.execute("INSERT INTO offices VALUES (%s, %s, 'Asia/Jakarta', now()) "
                     "ON CONFLICT DO NOTHING", (office, f"Kantor Imigrasi {o + 1:03d}"))
        slow = 0.5 + 1.5 * rng.random()  # some offices wait longer than others
        with conn.cursor() as cur:
            aggs: dict[tuple, float] = {}
            with cur.copy("COPY ticket_facts (office, local_id, day, service, lane, "
                          "first_visit, outcome, counter, wait_s, service_s) FROM STDIN") as cp:
                for day in days:
                    for i in range(facts):
                        sid, lane = _pick(rng, SERVICES), _pick(rng, LANES)
                        outcome = _pick(rng, OUTCOMES)
                        called = outcome not in ("cancelled", "expired")
                        wait = round(rng.gammavariate(2.0, 420 * slow)) if called else None
                        svc = round(rng.gammavariate(4, 150)) if outcome == "served" else None
                        total += 1
                        cp.write_row((office, total, day, sid, lane, True, outcome,
                                      f"loket-{i % 8 + 1}", wait, svc))
                        for metric, value in (("issued", 1), (outcome, 1),
                                              ("calls", int(called)),
                                              ("within_target", int(called and wait <= 1800)),
                                              ("wait_sum", wait or 0)):
                            if value:
                                key = (office, day, sid, lane, metric)
                                aggs[key] = aggs.get(key, 0) + value
            with cur.copy("COPY day_aggregates FROM STDIN") as cp:
                for (office_, day, sid, lane, metric), value in aggs.items():
                    cp.write_row((office_, day, sid, lane, metric, value))
            with cur.copy("COPY office_days FROM STDIN") as cp:
                for day in days:
                    cp.write_row((office, day, True, "now"))
    conn.execute("ANALYZE ticket_facts")
    conn.execute("ANALYZE day_aggregates")
    return total, time.perf_counter() - started


def month_report(conn: psycopg.Connection, first: date, rounds: int) -> tuple[float, float]:
    """(median seconds of the report, of a bare count(*) of the month's facts)."""
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    report, count = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        conn.execute("SELECT count(*) FROM ticket_facts WHERE day BETWEEN %s AND %s",
                     (first, last)).fetchone()
        count.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        rep = build(conn, first, last)
        report.append(time.perf_counter() - t0)
        assert rep.offices and rep.national.issued > 0
    return statistics.median(report), statistics.median(count)


def shipping_rate(url: str, facts: int, batch: int) -> tuple[float, float]:
    """(facts/s through the Shipper, facts/s through COPY) for one office's outbox."""
    folder = Path(tempfile.mkdtemp(prefix="antrean-bench-outbox-"))
    try:
        db = folder / "antrean.db"
        Store(db).close()
        rng = random.Random(2)
        conn = sqlite3.connect(db)
        day = "2026-01-05"
        conn.executemany(
            "INSERT INTO outbox_facts(visit, day, service, stage, lane, first_visit, "
            "issued_at, queued_at, called_at, started_at, finished_at, outcome, counter, "
            "wait_s, service_s) VALUES (?,?,?,?,?,1,?,?,?,?,?,'served','loket-1',?,?)",
            [(f"v{i}", day, _pick(rng, SERVICES), "loket", _pick(rng, LANES),
              "2026-01-05T08:00:00.000+07:00", "2026-01-05T08:00:00.000+07:00",
              "2026-01-05T08:10:00.000+07:00", "2026-01-05T08:11:00.000+07:00",
              "2026-01-05T08:20:00.000+07:00", 600, 540) for i in range(facts)])
        conn.commit()
        conn.close()
        config = office_config.load().model_copy(update={
            "central": Central(url=url, batch_size=batch)})
        shipper = Shipper(config, db, idle_s=3600)
        t0 = time.perf_counter()
        while shipper.ship_round():
            pass
        shipped = facts / (time.perf_counter() - t0)
        shipper.stop()
        with psycopg.connect(url, autocommit=True) as pg:
            t0 = time.perf_counter()
            with pg.cursor() as cur, cur.copy(
                    "COPY ticket_facts (office, local_id, day, service, lane, first_visit, "
                    "outcome, wait_s) FROM STDIN") as cp:
                for i in range(facts):
                    cp.write_row(("copy-baseline", i, day, "paspor-baru", "reguler", True,
                                  "served", 600))
            copied = facts / (time.perf_counter() - t0)
        return shipped, copied
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--offices", type=int, default=20)
    ap.add_argument("--days", type=int, default=60, help="working days of history")
    ap.add_argument("--facts", type=int, default=400, help="visits per office-day")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ship", type=int, default=20_000, help="facts in the shipping run")
    ap.add_argument("--url", help="PostgreSQL to use (its tables are dropped)")
    args = ap.parse_args()
    server = None if args.url else ThrowawayPostgres()
    url = args.url or server.url
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            for table in ("ticket_facts", "day_aggregates", "office_days", "offices",
                          "central_schema"):
                conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
            conn.execute("DROP FUNCTION IF EXISTS central_ensure_month(date)")
            migrate(conn)
            days = working_days(args.days)
            facts, secs = load_history(conn, args.offices, days, args.facts)
            size = conn.execute("SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) "
                                "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                "JOIN pg_class p ON p.oid = i.inhparent "
                                "WHERE p.relname = 'ticket_facts'").fetchone()[0]
            month = days[len(days) // 2].replace(day=1)
            in_month = conn.execute("SELECT count(*) FROM ticket_facts WHERE day >= %s AND "
                                    "day < %s", (month, (month + timedelta(days=32))
                                                 .replace(day=1))).fetchone()[0]
            report_s, count_s = month_report(conn, month, args.rounds)
        shipped, copied = shipping_rate(url, args.ship, 1000)
    finally:
        if server:
            server.close()
    print(f"history: {args.offices} offices × {len(days)} working days × {args.facts} "
          f"visits = {facts:,} facts ({size} with indexes), loaded in {secs:.1f} s")
    print(f"central report, one month ({in_month:,} facts, {args.offices} offices): "
          f"{report_s:.2f} s; baseline count(*) of that month: {count_s:.2f} s "
          f"({report_s / max(count_s, 1e-9):.1f}×); {in_month / report_s:,.0f} facts/s")
    print(f"shipping one office's outbox ({args.ship:,} facts, batches of 1000): "
          f"{shipped:,.0f} facts/s; baseline COPY: {copied:,.0f} facts/s")


if __name__ == "__main__":
    main()
