"""A full disk under a running server: commands fail `internal` while `/health` said ok.
SQLite's own SQLITE_FULL path is taken (the hot path's writer is capped at the file's
size, `Store.limit_pages`): the command is answered `internal`, `/health` answers 503
with the error, the queue is as it was, and once there is room again commands work and
`/health` is ok again."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

from tests.integration.ws_helpers import device


def get_health(server) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(server.http_url + "/health", timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc)


def test_full_disk_is_reported_and_the_queue_survives_it(live_server):
    store = live_server.thread.hub.store
    kiosk = device(live_server, "kiosk-1")
    acked = [kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")["number"]]

    store.limit_pages(1)  # no room to grow: SQLite keeps it at the current size
    refused = None
    for i in range(100):  # until a commit needs a page more than the file has
        res = kiosk.command("issue_ticket", f"full-{i}", service="paspor-baru",
                            lane="reguler")
        if not res["ok"]:
            refused = res
            break
        acked.append(res["data"]["number"])
    assert refused is not None, "the capped database never ran out of room"
    assert refused["error"]["code"] == "internal", refused

    status, health = get_health(live_server)
    assert status == 503, health
    assert health["ok"] is False and health["db"] == "error"
    assert "full" in health["reason"], health
    assert health["last_commit"]["ok"] is False
    assert "full" in health["last_commit"]["error"], health

    # the queue is intact: every acknowledged ticket is waiting, on disk and for a new
    # screen, and the refused one is nowhere
    board = device(live_server, "board-1")
    assert [t["number"] for t in board.welcome["snapshot"]["waiting"]] == acked
    with sqlite3.connect(live_server.db_path) as db:
        assert [n for (n,) in db.execute("SELECT number FROM tickets ORDER BY number")] == acked

    store.limit_pages(None)  # room again
    after = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    assert after["number"] == f"A{len(acked) + 1:03d}"  # the refused number was not burnt
    status, health = get_health(live_server)
    assert status == 200 and health["ok"] is True and health["reason"] is None, health
    assert health["last_commit"]["ok"] is True
    kiosk.close()
    board.close()
