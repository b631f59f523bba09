"""The database file deleted or replaced under a running server: SQLite goes on writing
the file it has open (a deleted one, or the one that was moved away), so without a check
every command is answered `ok` for data the next start will not find. The store checks
before each commit that its path still names the file it opened: the command is answered
`internal`, `/health` answers 503 with the reason, and nothing reaches the wrong file."""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.error
import urllib.request

import pytest

from server.store.sqlite import Store
from tests.integration.ws_helpers import device


def get_health(server) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(server.http_url + "/health", timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc)


def issue(kiosk, cmd_id: str | None = None) -> dict:
    return kiosk.command("issue_ticket", cmd_id, service="paspor-baru", lane="reguler")


def test_a_healthy_server_answers_health_200_with_the_last_commit(live_server):
    kiosk = device(live_server, "kiosk-1")
    assert issue(kiosk)["ok"]
    status, health = get_health(live_server)
    assert status == 200, health
    assert health["ok"] is True and health["db"] == "ok" and health["reason"] is None
    assert health["last_commit"]["ok"] is True and health["last_commit"]["error"] is None
    assert health["seq"] >= 1
    kiosk.close()


@pytest.mark.parametrize("files", [("",), ("", "-wal", "-shm")], ids=["db", "db-wal-shm"])
def test_deleted_database_fails_commands_and_health(live_server, files):
    kiosk = device(live_server, "kiosk-1")
    first = issue(kiosk)
    assert first["ok"], first
    for suffix in files:
        os.unlink(f"{live_server.db_path}{suffix}")

    res = issue(kiosk)
    assert not res["ok"] and res["error"]["code"] == "internal", res
    status, health = get_health(live_server)
    assert status == 503, health
    assert health["ok"] is False and health["db"] == "error"
    assert "deleted" in health["reason"], health
    assert health["last_commit"]["ok"] is False and "deleted" in health["last_commit"]["error"]
    assert str(live_server.db_path) not in json.dumps(health)  # no file paths on the LAN
    # it stays so: the next command fails too (nothing is claimed durable)
    again = issue(kiosk)
    assert not again["ok"] and again["error"]["code"] == "internal", again
    kiosk.close()


def test_database_replaced_by_another_file_fails_commands_and_health(live_server, tmp_path):
    kiosk = device(live_server, "kiosk-1")
    first = issue(kiosk)
    assert first["ok"], first
    other = tmp_path / "other.db"
    Store(other).close()
    os.replace(other, live_server.db_path)  # what `mv other.db antrean.db` does

    res = issue(kiosk)
    assert not res["ok"] and res["error"]["code"] == "internal", res
    status, health = get_health(live_server)
    assert status == 503 and health["ok"] is False, health
    assert "replaced" in health["reason"], health
    # the refused ticket is nowhere: a reader of the path sees only the acknowledged one
    # (the path's -wal is still the server's file's, with that ticket in it)
    with sqlite3.connect(live_server.db_path) as db:
        numbers = [n for (n,) in db.execute("SELECT number FROM tickets")]
    assert numbers == [first["data"]["number"]]
    kiosk.close()
