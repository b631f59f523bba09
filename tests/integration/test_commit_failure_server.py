"""A commit that fails (disk full, I/O error, a corrupt page) must not lose or invent
anything: the commands of the group are answered `internal`, nobody sees their events,
the engine is rebuilt from what is really on disk, and the queue goes on. The database
itself makes the commit fail: a trigger while the group is written, a deferred foreign
key at COMMIT."""

from __future__ import annotations

import sqlite3

import pytest
from ws_helpers import device

FAILURES = {
    "while writing": """
        CREATE TRIGGER refuse BEFORE INSERT ON command_results WHEN NEW.id = 'doomed'
        BEGIN SELECT RAISE(ABORT, 'disk says no'); END;""",
    "at commit": """
        CREATE TABLE parent(id INTEGER PRIMARY KEY);
        CREATE TABLE child(p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER refuse AFTER INSERT ON command_results WHEN NEW.id = 'doomed'
        BEGIN INSERT INTO child VALUES (42); END;""",
}


@pytest.mark.parametrize("when", sorted(FAILURES))
def test_failed_commit_is_answered_internal_and_the_queue_goes_on(live_server, when):
    board = device(live_server, "board-1")
    kiosk = device(live_server, "kiosk-1")
    first = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    seen = board.event("ticket_issued")
    with sqlite3.connect(live_server.db_path) as db:
        db.executescript(FAILURES[when])

    res = kiosk.command("issue_ticket", "doomed", service="paspor-baru", lane="reguler")
    assert not res["ok"] and res["error"]["code"] == "internal", res

    with sqlite3.connect(live_server.db_path) as db:
        db.execute("DROP TRIGGER refuse")
        numbers = [n for (n,) in db.execute("SELECT number FROM tickets ORDER BY number")]
    assert numbers == [first["number"]]  # nothing of the failed group reached the disk

    # the engine was rebuilt from disk: the number is not burnt, the seq has no gap, and
    # the failed id was forgotten, so sending it again really runs it
    again = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    assert again["number"] == "A002"
    nxt = board.event("ticket_issued")
    assert nxt["seq"] == seen["seq"] + 1
    assert nxt["data"]["ticket"]["number"] == "A002"
    retry = kiosk.command("issue_ticket", "doomed", service="paspor-baru", lane="reguler")
    assert retry["ok"] and retry["data"]["number"] == "A003"
    assert board.event("ticket_issued")["seq"] == seen["seq"] + 2
    kiosk.close()
    board.close()
