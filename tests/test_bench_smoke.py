"""The benchmarks still run (tiny settings; their figures are not checked here: speed is
measured by running them, never by tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_bench(*args: str) -> str:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=100)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_bench_issue_runs_and_counts_distinct_numbers():
    text = run_bench("bench/bench_issue.py", "--seconds", "0.2", "--rounds", "1")
    tickets = text.split("; ")[-1].split()
    assert tickets[0] == tickets[2] and int(tickets[0]) > 0, text  # "N tickets, N distinct"


def test_bench_restart_builds_history_and_starts():
    text = run_bench("bench/bench_restart.py", "--days", "3", "--events-per-day", "40")
    assert "start to first /health, a year of history" in text, text


def test_bench_simulate_day_runs():
    assert "simulate()" in run_bench("bench/bench_simulate_day.py")


def test_bench_call_to_board_runs_both_apps_and_the_server_only_baseline():
    text = run_bench("bench/bench_call_to_board.py", "--calls", "3", "--warmup", "1",
                     "--backlog", "2")
    assert "console F1 → number painted on the board" in text and "(3 calls)" in text, text
    assert "server only, call_next → ticket_called" in text, text
