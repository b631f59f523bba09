"""Pairing by a code, end to end against the real server: a device with no token asks
for a code, a supervisor (the console's WebSocket protocol, or `antrean device approve`)
approves it, the device stores its token in its credentials file, is welcomed and works;
started again it uses the stored credentials and asks for nothing. A rejected code is
followed by a new one, with the reason on screen."""

from __future__ import annotations

import os
import queue
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtNetwork import QAbstractSocket
from supervisor_helpers import call
from supervisor_helpers import supervisor as supervisor_console

from office_client import credentials
from office_client.connection import OfficeConnection
from office_client.pairing_screen import pairing_texts

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30.0


@pytest.fixture
def supervisor(live_server):
    """The demo office's supervisor at the console, as the /admin page connects."""
    client = supervisor_console(live_server.url)
    yield client
    client.close()


def approve(supervisor, code: str, name: str, role: str) -> dict:
    result = call(supervisor, "approve_pairing", {"code": code, "name": name, "role": role})
    assert result["ok"], result
    return result["data"]


def close(qtbot, conn: OfficeConnection) -> None:
    conn.stop()
    # Let Qt finish the close handshake, or the server's shutdown waits it out.
    qtbot.waitUntil(lambda: conn._ws.state() == QAbstractSocket.SocketState.UnconnectedState,
                    timeout=3000)


def unpaired(live_server, folder: Path, role: str = "kiosk"
             ) -> tuple[OfficeConnection, Path, list]:
    """The connection `antrean kiosk --server URL` makes on a device never paired."""
    creds, path = credentials.resolve(role, live_server.url, None, token_required=False,
                                      directory=folder)
    assert creds.token is None
    conn = OfficeConnection(creds.server, role, f"{role}-lobby-pc", None, pair=True,
                            credentials_path=path)
    views: list = []
    conn.pairing_changed.connect(views.append)
    return conn, path, views


def has_code(view) -> bool:
    return view is not None and view.code is not None


def test_a_device_pairs_stores_its_token_and_is_itself_after_a_restart(
        qtbot, live_server, supervisor, tmp_path):
    conn, path, views = unpaired(live_server, tmp_path / "cfg")
    with qtbot.waitSignal(conn.pairing_changed, check_params_cb=has_code, timeout=5000):
        conn.start()
    code = conn.pairing_view().code
    assert conn.state == "pairing" and len(code) == 7 and code[3] == " "
    requested = supervisor.event("pairing_requested")["data"]
    assert (requested["code"], requested["role"], requested["device"]) == \
        (code, "kiosk", "kiosk-lobby-pc")

    with qtbot.waitSignal(conn.welcomed, timeout=10_000):
        assert approve(supervisor, code, "kiosk-lobi-2", "kiosk")["name"] == "kiosk-lobi-2"
    assert conn.state == "online" and conn.device == "kiosk-lobi-2"
    assert conn.pairing_view() is None and views[-1] is None  # the app itself shows
    stored = credentials.load(path)
    assert (stored.server, stored.device) == (live_server.url, "kiosk-lobi-2")
    assert stored.token and stat.S_IMODE(path.stat().st_mode) == 0o600
    # the token is in the file, never in what the pairing screen was given
    for view in views:
        assert stored.token not in repr(view)
        if view is not None:
            assert all(stored.token not in line for line in pairing_texts(view).lines())
    paired_event = supervisor.event("device_paired")["data"]
    assert paired_event == {"name": "kiosk-lobi-2", "role": "kiosk", "counter": None}
    results: list = []
    conn.send_command("issue_ticket", {"service": "paspor-baru", "lane": "reguler",
                                       "lang": "id"}, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results[0]["ok"], results[0]
    close(qtbot, conn)

    # Started again as the app starts: from the file, no code asked for.
    again, _ = credentials.resolve("kiosk", None, None, token_required=False,
                                   directory=tmp_path / "cfg")
    assert (again.device, again.token) == ("kiosk-lobi-2", stored.token)
    restarted = OfficeConnection(again.server, "kiosk", again.device, again.token,
                                 pair=again.token is None, credentials_path=path)
    with qtbot.waitSignal(restarted.welcomed, timeout=5000):
        restarted.start()
    assert restarted.pairing is None and restarted.state == "online"
    close(qtbot, restarted)


def test_a_rejected_code_is_followed_by_a_new_one_with_the_reason(
        qtbot, live_server, supervisor, tmp_path):
    conn, _path, _views = unpaired(live_server, tmp_path / "cfg", role="display")
    with qtbot.waitSignal(conn.pairing_changed, check_params_cb=has_code, timeout=5000):
        conn.start()
    first = conn.pairing_view().code
    with qtbot.waitSignal(conn.pairing_changed, timeout=10_000,
                          check_params_cb=lambda v: has_code(v) and v.code != first):
        supervisor.ok("reject_pairing", code=first)
    view = conn.pairing_view()
    assert (view.notice, view.previous_code) == ("ended", first)
    assert pairing_texts(view).notice[0] == \
        f"Kode {first} ditolak atau kedaluwarsa. Kode baru diminta."
    # the new code is a live request: approving it pairs the board
    with qtbot.waitSignal(conn.welcomed, timeout=10_000):
        approve(supervisor, view.code, "papan-aula", "display")
    assert conn.role == "display" and conn.device == "papan-aula"
    close(qtbot, conn)


# ---------------------------------------------------------------------- the command line
def read_lines(stream, into: queue.SimpleQueue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def wait_for_line(lines: queue.SimpleQueue, text: str, seen: list[str]) -> str:
    while True:
        line = lines.get(timeout=TIMEOUT_S)
        assert line is not None, "the app ended early:\n" + "".join(seen[-30:])
        seen.append(line)
        if text in line:
            return line


def run_app(args: list[str], config_dir: Path) -> tuple[subprocess.Popen, queue.SimpleQueue]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANTREAN_KIOSK_VOICE="0",
               PYTHONPATH=str(ROOT), ANTREAN_CONFIG_DIR=str(config_dir))
    proc = subprocess.Popen([sys.executable, "-m", "antrean", *args, "--windowed"],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=read_lines, args=(proc.stderr, lines), daemon=True).start()
    return proc, lines


def stop_app(proc: subprocess.Popen, lines: queue.SimpleQueue, seen: list[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=TIMEOUT_S) == 0, "".join(seen[-30:])
    while (line := lines.get(timeout=TIMEOUT_S)) is not None:
        seen.append(line)
    return "".join(seen)


def test_the_counter_app_started_with_only_a_server_pairs_through_the_cli(
        live_server, tmp_path):
    config_dir = tmp_path / "cfg"
    proc, lines = run_app(["counter", "--server", live_server.url], config_dir)
    seen: list[str] = []
    try:
        line = wait_for_line(lines, "pairing: showing code", seen)
        code = line.split("showing code ")[1][:7]
        approve = subprocess.run(
            [sys.executable, "-m", "antrean", "device", "approve", code, "--name", "desk-7",
             "--role", "counter", "--db", str(live_server.db_path)],
            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
            text=True, timeout=TIMEOUT_S)
        assert approve.returncode == 0, approve.stderr
        wait_for_line(lines, "connection online", seen)
        log = stop_app(proc, lines, seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stored = credentials.load(config_dir / "counter.json")
    assert (stored.device, stored.server) == ("desk-7", live_server.url) and stored.token
    assert stored.token not in log and "Traceback" not in log, log

    # Started again with nothing at all: the stored server, name and token.
    proc, lines = run_app(["counter"], config_dir)
    seen = []
    try:
        wait_for_line(lines, "connection online", seen)
        log = stop_app(proc, lines, seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "pairing" not in log and "Traceback" not in log, log


def test_a_display_started_as_an_observer_asks_for_no_code(live_server, tmp_path):
    proc, lines = run_app(["display", "--server", live_server.url, "--observer"],
                          tmp_path / "cfg")
    seen: list[str] = []
    try:
        wait_for_line(lines, "connection online", seen)
        log = stop_app(proc, lines, seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "pairing" not in log and "Traceback" not in log, log
