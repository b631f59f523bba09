"""`antrean demo` with a screen: a demo office comes up, the crowd keeps it busy, and
SIGTERM (or Ctrl+C) stops everything cleanly. Apps are left out (--no-apps) so the test
needs no display server; their windows are covered by each app's own tests."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]


def test_demo_office_with_crowd_runs_and_stops_cleanly():
    env = {**os.environ, "DISPLAY": ":99"}  # "a machine with a screen"
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.Popen([sys.executable, "-m", "antrean", "demo", "--crowd", "--no-apps"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT, env=env)
    try:
        line = proc.stdout.readline()
        match = re.search(r"demo office running: (ws://\S+)", line)
        assert match, line
        with connect(match.group(1), open_timeout=10) as ws:
            ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "observer"}))
            assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
            names = set()
            while not {"ticket_issued", "ticket_called"} <= names:  # the crowd at work
                names.add(json.loads(ws.recv(timeout=30)).get("name"))
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "demo stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
