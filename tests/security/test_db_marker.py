"""A database that existed is never silently replaced by an empty one. The server keeps a
marker beside its database (`antrean.db.expected`, the database's id); when the database
is missing, or another database is in its place, `antrean server` exits 1 with one line
saying what is wrong and what to do, and starts only with `--create`. Before, a restart
after the file was lost began a new, empty database without a word: tickets, audit trail
and paired devices gone. All through the real command line and the real server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from antrean.demo_office import pair_demo_devices
from server.app import ServerThread
from server.store.sqlite import DatabaseRefused, Store, expected_marker, read_marker
from tests.integration.ws_helpers import WsClient, join
from tests.office_files import always_open_toml

ROOT = Path(__file__).resolve().parents[2]




class CliServer:
    """`antrean server` in its own process, on an ephemeral port."""

    def __init__(self, config: Path, db: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "antrean", "server", "--config", str(config), "--db",
             str(db), "--host", "127.0.0.1", "--port", "0", *extra],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = self.proc.stdout.readline()  # printed once it accepts connections
        match = re.fullmatch(r"listening on (ws://127\.0\.0\.1:(\d+)/ws)\n", line)
        if not match:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=30)
            raise AssertionError(f"server did not start: {line!r} {err!r}")
        self.url, self.http_url = match.group(1), f"http://127.0.0.1:{match.group(2)}"

    def health(self) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.http_url + "/health", timeout=10) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.load(exc)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=30)


def refused_start(config: Path, db: Path) -> str:
    """Start `antrean server`, which must refuse: its one line on stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "antrean", "server", "--config",
                             str(config), "--db", str(db), "--host", "127.0.0.1", "--port",
                             "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    first = proc.stdout.readline()  # "" once it has exited; its one line if it listens
    if first:
        proc.kill()
    out, err = proc.communicate(timeout=30)
    assert not first and proc.returncode == 1, (first, proc.returncode, err)
    assert out == ""
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("antrean: "), err
    return lines[0]


def test_lost_database_is_refused_at_restart_until_create(tmp_path):
    config = always_open_toml(tmp_path)
    db = tmp_path / "antrean.db"
    tokens = pair_demo_devices(db)

    server = CliServer(config, db)
    try:
        kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
        kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
        for suffix in ("", "-wal", "-shm"):  # `rm antrean.db*` while it runs
            os.unlink(f"{db}{suffix}")
        res = kiosk.command("issue_ticket", service="paspor-baru", lane="reguler")
        assert not res["ok"] and res["error"]["code"] == "internal", res
        status, health = server.health()
        assert status == 503 and health["ok"] is False and health["db"] == "error", health
        assert "deleted" in health["reason"]
        kiosk.close()
    finally:
        server.stop()

    line = refused_start(config, db)
    assert "missing" in line and str(db) in line, line
    assert "antrean restore" in line and "--create" in line, line
    assert not db.exists()  # refusing created nothing

    server = CliServer(config, db, "--create")  # told to: an empty database
    try:
        status, health = server.health()
        assert status == 200 and health["ok"] is True and health["seq"] == 0, health
        # a new database: the old devices are not paired in it
        client = WsClient(server.url)
        reply = client.hello("kiosk", "kiosk-1", tokens["kiosk-1"])
        assert reply["type"] == "error", reply
        client.close()
    finally:
        server.stop()
    store = Store(db)
    assert read_marker(db) == store.database_id  # the marker names the new one
    store.close()

    server = CliServer(config, db)  # and from then on it starts as usual
    server.stop()


def test_another_database_in_its_place_is_refused_until_create(tmp_path):
    config = always_open_toml(tmp_path)
    db = tmp_path / "antrean.db"
    pair_demo_devices(db)
    CliServer(config, db).stop()  # the first start marks the database as expected
    original = read_marker(db)
    assert original

    other = tmp_path / "other.db"
    Store(other).close()
    os.replace(other, db)
    line = refused_start(config, db)
    assert "not the database" in line and "--create" in line, line

    CliServer(config, db, "--create").stop()  # told to: this one is the office's now
    assert read_marker(db) not in (None, original)


def test_a_tool_that_recreates_a_lost_database_does_not_fool_the_server(tmp_path):
    """`antrean device add` creates a database where there is none (the first setup
    steps need that); one it creates in place of a lost one has a new id."""
    config = always_open_toml(tmp_path)
    db = tmp_path / "antrean.db"
    pair_demo_devices(db)
    CliServer(config, db).stop()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    run = subprocess.run([sys.executable, "-m", "antrean", "device", "add", "kiosk-9",
                          "--role", "kiosk", "--db", str(db)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and db.exists(), run.stderr
    assert "not the database" in refused_start(config, db)


def test_server_thread_applies_the_same_rule(tmp_path, open_office):
    """`serve()` / `ServerThread` (tests, demo) open the database as `antrean server`."""
    db = tmp_path / "antrean.db"
    with ServerThread(open_office, db):  # first start: created, and marked
        pass
    assert expected_marker(db).is_file()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with pytest.raises(DatabaseRefused, match="missing"):
        ServerThread(open_office, db).start()
    with ServerThread(open_office, db, create=True) as server:
        assert server.hub.store.database_id == read_marker(db)


def test_leftover_wal_of_a_lost_database_is_moved_aside(tmp_path, open_office):
    """A `-wal` whose database is gone would be replayed onto a new database at the same
    path; `--create` keeps it beside, renamed, for whoever recovers the lost one."""
    db = tmp_path / "antrean.db"
    with ServerThread(open_office, db):
        pass
    db.unlink()
    wal = Path(f"{db}-wal")
    wal.write_bytes(b"the lost database's last commits")
    with ServerThread(open_office, db, create=True) as server:
        assert server.hub.store.health()["db"] == "ok"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("antrean.db-wal.orphaned-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"the lost database's last commits"
