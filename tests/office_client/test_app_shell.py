"""The shared app shell (office_client/app_shell.py), through each real app's command:
`antrean kiosk|counter|display` as a process, offscreen, against the real server. It
starts, connects, and on SIGTERM (what systemd sends) or SIGINT (Ctrl+C) stops its
connection and exits 0, without a traceback."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TIMEOUT_S = 30.0


def read_lines(stream, into: queue.SimpleQueue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def wait_for_line(lines: queue.SimpleQueue, text: str, seen: list[str]) -> None:
    while True:
        line = lines.get(timeout=TIMEOUT_S)
        assert line is not None, "the app ended early:\n" + "".join(seen[-30:])
        seen.append(line)
        if text in line:
            return


@pytest.mark.parametrize("app, device, stop_signal", [
    ("kiosk", "kiosk-1", signal.SIGTERM),
    ("counter", "console-1", signal.SIGTERM),
    ("display", "board-1", signal.SIGTERM),
    ("display", "board-1", signal.SIGINT),
])
def test_app_starts_connects_and_stops_on_a_signal(live_server, app, device, stop_signal):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANTREAN_KIOSK_VOICE="0",
               PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "antrean", app, "--server", live_server.url, "--device", device,
         "--token", live_server.tokens[device], "--windowed"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    lines: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=read_lines, args=(proc.stderr, lines), daemon=True).start()
    seen: list[str] = []
    try:
        wait_for_line(lines, "(Qt platform offscreen)", seen)
        wait_for_line(lines, "connection online", seen)
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=TIMEOUT_S) == 0, "".join(seen[-30:])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    while (line := lines.get(timeout=TIMEOUT_S)) is not None:
        seen.append(line)
    log = "".join(seen)
    assert "connection offline" in log  # the shell stopped the connection
    assert "Traceback" not in log, log
