"""Command ids are remembered 24 hours (a re-send inside that gets the original answer),
then forgotten, in memory and in the database: a server that runs for months must not
keep every result it ever gave. The server runs on a clock the test moves."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from ws_helpers import Clock, join

from antrean.demo_office import pair_demo_devices
from server.app import ServerThread


def test_results_are_kept_a_day_then_forgotten(tmp_path, open_office):
    db = tmp_path / "a.db"
    tokens = pair_demo_devices(db)
    clock = Clock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # 09:00 WIB
    server = ServerThread(open_office, db, clock=clock).start()
    try:
        kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
        args = {"service": "paspor-baru", "lane": "reguler"}
        first = kiosk.command("issue_ticket", "same-id", **args)
        other = kiosk.command("issue_ticket", "other-id", **args)
        assert first["ok"] and other["ok"]

        clock.now += timedelta(hours=23, minutes=59)  # still inside the day: remembered
        assert kiosk.command("issue_ticket", "same-id", **args) == first

        clock.now += timedelta(minutes=2)  # past 24 hours: forgotten, so it runs anew
        fresh = kiosk.command("issue_ticket", "same-id", **args)
        assert fresh["ok"] and fresh["data"]["id"] != first["data"]["id"]
        # the database forgets within the hour (one DELETE an hour, in a group commit)
        clock.now += timedelta(hours=1)
        assert kiosk.command("ping")["ok"]
        with sqlite3.connect(db) as conn:
            kept = {cmd_id for (cmd_id,) in conn.execute("SELECT id FROM command_results")}
        assert "other-id" not in kept and "same-id" in kept
        kiosk.close()
    finally:
        server.stop()

    # and a restart does not bring them back
    server = ServerThread(open_office, db, clock=clock).start()
    try:
        kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
        assert kiosk.command("issue_ticket", "same-id", **args) == fresh
        again = kiosk.command("issue_ticket", "other-id", **args)
        assert again["ok"] and again["data"]["id"] != other["data"]["id"]
        kiosk.close()
    finally:
        server.stop()
