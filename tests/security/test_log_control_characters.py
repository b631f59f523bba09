"""Client text in the server's log can neither forge a log line nor drive a terminal.

The server runs as `antrean -v server` in a subprocess, with the command line's own
logging set-up, its stderr going to a file; clients send names, ids and an HTTP request
line carrying newlines, carriage returns, ESC and a C1 control (U+009B, CSI to some
terminals). websockets logs request lines and headers as they came when debugging.
"""

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from websockets.sync.client import connect

from antrean.demo_office import pair_demo_devices

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10
FORGED_DEVICE = "kiosk\nFAKE ERROR line"
FORGED_COMMAND_ID = "\x1b[31mred\r\nFAKE ERROR command id"
# websockets logs this request line and its headers (debug) ...
FORGED_REQUEST = (b"GET /t/\x1b[31mred\rFAKE-ERROR-path HTTP/1.1\r\nHost: x\r\n"
                  b"User-Agent: \x9b31m\x9b0m\r\n\r\n")
# ... and this one, which it cannot parse, in the message of a traceback
UNPARSABLE_REQUEST = b"GET /\x1b[31m\rFAKE ERROR traceback HTTP/1.1\r\n\r\n"


def start_server(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "antrean", "-v", "server", "--db", str(db),
         "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log.open("wb"), text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)})
    line = proc.stdout.readline()  # printed once it accepts connections
    match = re.match(r"listening on (ws://\S+)", line)
    assert match, f"server did not start: {line!r}"
    return proc, match.group(1)


def hello(ws, role: str, device: str, token: str) -> dict:
    ws.send(json.dumps({"type": "hello", "protocol": 1, "role": role, "device": device,
                        "token": token, "last_seq": 0}))
    return json.loads(ws.recv(timeout=TIMEOUT))


def send_raw_http(url: str, request: bytes) -> bytes:
    """The answer's head, or what came before the server closed the connection."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer


def test_client_text_cannot_forge_log_lines_or_colour_the_terminal(tmp_path):
    db, log = tmp_path / "antrean.db", tmp_path / "server.log"
    tokens = pair_demo_devices(db)
    proc, url = start_server(db, log)
    try:
        with connect(url, open_timeout=TIMEOUT) as ws:
            reply = hello(ws, "kiosk", FORGED_DEVICE, "not-a-token")
            assert reply["error"]["code"] == "unauthorized"
        with connect(url, open_timeout=TIMEOUT) as ws:
            assert hello(ws, "kiosk", "kiosk-1", tokens["kiosk-1"])["type"] == "welcome"
            ws.send(json.dumps({"type": "command", "id": FORGED_COMMAND_ID,
                                "name": "issue_ticket",
                                "args": {"service": "nope\nFAKE ERROR arg", "lane": "x"}}))
            while (msg := json.loads(ws.recv(timeout=TIMEOUT)))["type"] != "result":
                pass
            assert msg["id"] == FORGED_COMMAND_ID and not msg["ok"]
        assert send_raw_http(url, FORGED_REQUEST).startswith(b"HTTP/1.1 404")
        assert send_raw_http(url, UNPARSABLE_REQUEST) == b""  # closed: logged by then
    finally:
        proc.terminate()
        assert proc.wait(TIMEOUT) == 0
    data = log.read_bytes()
    assert b"\x1b" not in data
    text = data.decode("utf-8")
    assert "\x9b" not in text
    forged = [line for line in text.splitlines() if line.startswith("FAKE")]
    assert forged == []
    # logged, readably escaped, not dropped
    assert "'kiosk\\nFAKE ERROR line'" in text
    assert "GET /t/\\x1b[31mred\\rFAKE-ERROR-path HTTP/1.1" in text
    assert "GET /\\x1b[31m\\rFAKE ERROR traceback HTTP/1.1" in text
    assert "User-Agent: \\x9b31m\\x9b0m" in text


def test_each_record_is_one_line_at_the_margin_tracebacks_indented():
    from antrean.logs import LOG_FORMAT, ControlEscapingFormatter  # what the CLI installs
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(ControlEscapingFormatter(LOG_FORMAT))
    log = logging.getLogger("antrean.test-logsafe")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("device %s sent %r", "kiosk\nFAKE ERROR one", "\x1b[31m")
        try:
            raise ValueError("bad id\nFAKE ERROR two \x1b[2J\u2028FAKE three \u202etxt")
        except ValueError:
            log.exception("command %s failed", "c1\r\nFAKE ERROR four")
    finally:
        log.removeHandler(handler)
    text = out.getvalue()
    assert "\x1b" not in text and "\u2028" not in text and "\u202e" not in text
    lines = text.splitlines()
    margin = [line for line in lines if not line.startswith(" ")]
    assert len(margin) == 2
    assert margin[0].endswith("WARNING antrean.test-logsafe: device kiosk\\nFAKE ERROR one "
                              "sent '\\x1b[31m'")
    assert margin[1].endswith("ERROR antrean.test-logsafe: command c1\\r\\nFAKE ERROR four "
                              "failed")
    assert lines[-2:] == ["    ValueError: bad id", "    FAKE ERROR two \\x1b[2J\\u2028FAKE "
                          "three \\u202etxt"]
