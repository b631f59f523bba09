"""A call nobody answers becomes a no-show by itself, on the real server: its periodic
tick ends it `[policy] no_show_after_minutes` after the last recall (a restart in between
keeps that clock), the console hears why, and the officer may take the applicant back
within `[policy] reinstate_minutes`, not after. The server runs on a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ws_helpers import Clock, join

from antrean.demo_office import pair_demo_devices
from server.app import ServerThread

TICK_WAIT_S = 15  # the server checks every few seconds: wait for its event, at most this


def test_an_unanswered_call_ends_by_itself_and_the_officer_may_take_it_back(tmp_path,
                                                                           open_office):
    policy = open_office.policy.model_copy(update={"no_show_after_minutes": 5,
                                                   "reinstate_minutes": 30})
    office = open_office.model_copy(update={"policy": policy})
    db = tmp_path / "a.db"
    tokens = pair_demo_devices(db)
    clock = Clock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # 09:00 WIB
    server = ServerThread(office, db, clock=clock).start()
    try:
        kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
        for _ in range(2):
            kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
        console = join(server.url, "counter", "console-1", tokens["console-1"])
        console.ok("login", officer="budi", pin="1234", counter="loket-1")
        called = console.ok("call_next", counter="loket-1")
        clock.now += timedelta(minutes=4)
        console.ok("recall", counter="loket-1")
    finally:
        server.stop()

    # restarted between the recall and its deadline: the recall's time was kept
    server = ServerThread(office, db, clock=clock).start()
    try:
        console = join(server.url, "counter", "console-1", tokens["console-1"])
        clock.now += timedelta(minutes=5)  # 9 minutes after the call, 5 after the recall
        event = console.event("ticket_no_show", timeout=TICK_WAIT_S)
        data = event["data"]
        assert (data["ticket"]["id"], data["auto"], data["cause"]) == (
            called["id"], True, "timeout")
        assert data["counter"] == "loket-1"
        console.ok("login", officer="budi", pin="1234", counter="loket-1")
        # the desk is free: the next one can be called
        assert console.ok("call_next", counter="loket-1")["number"] == "A002"
        console.ok("start_service", counter="loket-1")
        console.ok("finish", counter="loket-1")

        clock.now += timedelta(minutes=10)  # the applicant comes back
        back = console.ok("reinstate", ticket=called["id"])
        assert (back["status"], back["number"]) == ("waiting", "A001")
        assert console.ok("call_next", counter="loket-1")["number"] == "A001"
        console.ok("no_show", counter="loket-1")
        clock.now += timedelta(minutes=31)  # too late for the officer
        assert console.refused("reinstate", "forbidden", ticket=called["id"])
    finally:
        server.stop()
