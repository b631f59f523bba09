"""`antrean server --log-format json`: one JSON object a line, with the event's name and
seq where the line is about one; plain text by default."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.sync.client import connect

from antrean.demo_office import pair_demo_devices
from antrean.logs import JsonFormatter, configure_logging

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10


def test_json_formatter_one_object_a_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("antrean.test-json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("device %s: %s", "kiosk\nFAKE ERROR line", "\x1b[31m\u2028\u202e",
                       extra={"event": "device_status", "seq": 42})
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and all(line.isascii() for line in lines)
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "device kiosk\nFAKE ERROR line: \x1b[31m\u2028\u202e"
    assert (first["level"], first["logger"], first["event"], first["seq"]) == (
        "WARNING", "antrean.test-json", "device_status", 42)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["time"])
    assert "event" not in second and "ValueError: boom\nsecond line" in second["exception"]


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError):
        configure_logging(log_format="xml")


def run_server(tmp_path: Path, *extra: str) -> list[str]:
    """A real `antrean server`: a kiosk reports its printer, then SIGTERM; its stderr."""
    db = tmp_path / "antrean.db"
    tokens = pair_demo_devices(db)
    log = tmp_path / "server.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "antrean", "server", "--db", str(db), "--host", "127.0.0.1",
         "--port", "0", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log.open("wb"), text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)})
    try:
        match = re.match(r"listening on (ws://\S+)", proc.stdout.readline())
        assert match, log.read_text()
        with connect(match.group(1), open_timeout=TIMEOUT) as ws:
            ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "kiosk",
                                "device": "kiosk-1", "token": tokens["kiosk-1"]}))
            assert json.loads(ws.recv(timeout=TIMEOUT))["type"] == "welcome"
            ws.send(json.dumps({"type": "command", "id": "s1", "name":
                                "report_device_status", "args": {"status": "paper_out"}}))
            while (reply := json.loads(ws.recv(timeout=TIMEOUT)))["type"] != "result":
                pass
            assert reply["ok"], reply
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return log.read_text().splitlines()


def test_server_json_logs_carry_event_names_and_seq(tmp_path):
    lines = run_server(tmp_path, "--log-format", "json")
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(records[0])
    status = [r for r in records if r.get("event") == "device_status"]
    assert len(status) == 1 and status[0]["logger"] == "antrean.events"
    assert isinstance(status[0]["seq"], int) and status[0]["seq"] >= 1
    assert "kiosk-1" in status[0]["message"] and "paper_out" in status[0]["message"]
    assert any(r["message"] == "server stopped" for r in records)


def test_server_logs_plain_text_by_default(tmp_path):
    lines = run_server(tmp_path)
    assert lines and not any(line.startswith("{") for line in lines)
    assert any(re.search(r" INFO antrean\.events: device_status seq=\d+ kiosk-1 paper_out$",
                         line) for line in lines), lines
