"""The survey tablet at a counter: a `tablet` device, paired bound to one counter, asks
(`tablet_survey`) whose survey to show and gets the status token of the applicant who just
left its desk — its own counter's last finished ticket, within 10 minutes, not answered
yet — or null. The server runs on a clock the test moves."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from ws_helpers import Clock, join

from antrean.demo_office import pair_demo_devices
from server.app import ServerThread
from server.store.sqlite import Store

START = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 10:00 WIB


@pytest.fixture
def office_with_tablets(tmp_path, open_office):
    db = tmp_path / "antrean.db"
    tokens = pair_demo_devices(db)
    store = Store(db)
    tokens["tablet-3"] = store.add_device("tablet-3", "tablet", "loket-3")
    tokens["tablet-1"] = store.add_device("tablet-1", "tablet", "loket-1")
    store.close()
    clock = Clock(START)
    server = ServerThread(open_office, db, clock=clock).start()
    server.tokens, server.clock = tokens, clock
    yield server
    server.stop()


def _serve_one(server, kiosk, desk, counter):
    server.clock.now += timedelta(seconds=30)
    ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    for name in ("call_next", "start_service", "finish"):
        desk.ok(name, counter=counter)
    return ticket["status_url"].rsplit("/", 1)[1]


def _survey(server, token):
    with urllib.request.urlopen(f"{server.http_url}/t/{token}/survey?"
                                "answers=4,4,4,4,4,4,4,4,4", timeout=10) as r:
        assert json.load(r)["ok"]


def test_a_tablet_gets_its_own_counters_applicant_for_ten_minutes(office_with_tablets):
    server = office_with_tablets
    tokens = server.tokens
    tablet3 = join(server.url, "tablet", "tablet-3", tokens["tablet-3"])
    tablet1 = join(server.url, "tablet", "tablet-1", tokens["tablet-1"])
    assert tablet3.welcome["role"] == "tablet"
    assert tablet3.ok("tablet_survey") == {"counter": "loket-3", "token": None}

    kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
    desk3 = join(server.url, "counter", "console-3", tokens["console-3"])
    desk1 = join(server.url, "counter", "console-1", tokens["console-1"])
    desk3.ok("login", officer="budi", pin="1234", counter="loket-3")
    desk1.ok("login", officer="sari", pin="5678", counter="loket-1")
    first = _serve_one(server, kiosk, desk3, "loket-3")

    finished = tablet3.event("ticket_finished")  # what wakes the page: no token in it
    assert finished["data"]["ticket"]["counter"] == "loket-3"
    assert first not in json.dumps(finished)
    assert tablet3.ok("tablet_survey") == {"counter": "loket-3", "token": first}
    assert tablet3.ok("tablet_survey")["token"] == first  # asking changes nothing
    assert tablet1.ok("tablet_survey") == {"counter": "loket-1", "token": None}

    server.clock.now += timedelta(minutes=10)  # since it was finished
    assert tablet3.ok("tablet_survey")["token"] == first  # 10 minutes: still the one
    server.clock.now += timedelta(seconds=1)
    assert tablet3.ok("tablet_survey")["token"] is None  # later: gone

    # the next applicant at loket-3, and one at loket-1 for the other tablet
    second = _serve_one(server, kiosk, desk3, "loket-3")
    other = _serve_one(server, kiosk, desk1, "loket-1")
    assert tablet3.ok("tablet_survey")["token"] == second
    assert tablet1.ok("tablet_survey")["token"] == other
    _survey(server, second)  # answered: nothing to show any more
    assert tablet3.ok("tablet_survey")["token"] is None

    # only the last applicant: one who left without answering is not shown to the next
    skipped = _serve_one(server, kiosk, desk3, "loket-3")
    last = _serve_one(server, kiosk, desk3, "loket-3")
    assert tablet3.ok("tablet_survey")["token"] == last
    _survey(server, last)
    assert tablet3.ok("tablet_survey")["token"] is None and skipped != last
    for client in (tablet3, tablet1, kiosk, desk3, desk1):
        client.close()


def test_a_tablet_only_sees_the_public_view(office_with_tablets):
    """Applicants hold the tablet: its snapshot and events carry no officer and no
    ticket token."""
    server = office_with_tablets
    kiosk = join(server.url, "kiosk", "kiosk-1", server.tokens["kiosk-1"])
    desk = join(server.url, "counter", "console-3", server.tokens["console-3"])
    desk.ok("login", officer="budi", pin="1234", counter="loket-3")
    waiting = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    tablet = join(server.url, "tablet", "tablet-3", server.tokens["tablet-3"])
    seen = json.dumps(tablet.welcome)
    assert waiting["number"] in seen
    assert waiting["status_url"].rsplit("/", 1)[1] not in seen and "budi" not in seen
    called = desk.ok("call_next", counter="loket-3")
    event = json.dumps(tablet.event("ticket_called"))
    assert called["number"] in event and "budi" not in event and "status_url" not in event
    for client in (tablet, kiosk, desk):
        client.close()
