"""The survey tablet, handed to applicants, has its own role and credential: no console's
token opens it, it can do nothing but ask whose survey to show, and no credential of any
device ends up in a URL the server serves or produces for it."""

from __future__ import annotations

import pytest
from raw_http import raw_get

from protocol.messages import COMMANDS
from server.store.sqlite import Store
from tests.integration.supervisor_helpers import call
from tests.integration.ws_helpers import WsClient, join


@pytest.fixture
def tablet_token(live_server):
    store = Store(live_server.db_path)
    try:
        return store.add_device("tablet-3", "tablet", "loket-3")
    finally:
        store.close()


def _refused_hello(url, role, name, token):
    client = WsClient(url)
    reply = client.hello(role, name, token)
    assert reply["type"] == "error" and reply["error"]["code"] == "unauthorized", reply
    assert client.close_code() == 1008


def test_a_console_token_does_not_open_a_tablet(live_server, tablet_token):
    tokens = live_server.tokens
    # a counter device (bound to the same counter) as role tablet, under either name
    _refused_hello(live_server.url, "tablet", "console-3", tokens["console-3"])
    _refused_hello(live_server.url, "tablet", "tablet-3", tokens["console-3"])
    _refused_hello(live_server.url, "tablet", "admin-1", tokens["admin-1"])
    # and the tablet's token opens nothing but a tablet
    for role in ("counter", "kiosk", "admin", "display"):
        _refused_hello(live_server.url, role, "tablet-3", tablet_token)
    _refused_hello(live_server.url, "tablet", "tablet-3", None)
    join(live_server.url, "tablet", "tablet-3", tablet_token).close()


def test_a_tablet_may_only_ask_whose_survey_to_show(live_server, tablet_token):
    tablet = join(live_server.url, "tablet", "tablet-3", tablet_token)
    args = {"counter": "loket-3", "officer": "budi", "pin": "1234", "service": "paspor-baru",
            "lane": "reguler", "ticket": "x", "answers": [4] * 9, "status": "ok",
            "text": "x", "bookings": [], "booking_code": "x", "from": "2026-12-07",
            "to": "2026-12-07", "format": "html",
            # the supervisor's (and `take_reprint`, a kiosk's)
            "reason": {"id": "x", "en": "x"}, "kiosk": "kiosk-1", "request": "x", "days": [],
            "name": "x", "code": "123456", "role": "kiosk"}
    args.update({"count": 1, "tickets": []})  # a kiosk's offline issuing
    allowed = {"tablet_survey", "ping"}
    for name in sorted(set(COMMANDS) - allowed):
        result = call(tablet, name, {a: args[a] for a in COMMANDS[name].required})
        assert result["error"]["code"] == "forbidden", (name, result)
    assert tablet.ok("tablet_survey") == {"counter": "loket-3", "token": None}
    tablet.close()
    for name in ("console-3", "kiosk-1", "admin-1", "board-1"):
        client = join(live_server.url, {"console": "counter", "kiosk": "kiosk", "admin": "admin",
                                        "board": "display"}[name.split("-")[0]],
                      name, live_server.tokens[name])
        client.refused("tablet_survey", "forbidden")
        client.close()


def test_the_tablet_page_takes_no_credential_in_its_url(live_server):
    status, headers, page = raw_get(live_server.http_url, "/tablet")
    assert status == 200 and headers["content-type"].startswith("text/html")
    for name in ("console-3", "admin-1"):
        token = live_server.tokens[name]
        status, headers, body = raw_get(live_server.http_url, f"/tablet?token={token}")
        # the same static page: nothing taken from the query, no redirect carrying it
        assert status == 200 and body == page and "location" not in headers
        assert token.encode() not in body
    # neither script builds a URL with a credential (the browser test follows the real
    # navigation: tests/security/test_tablet_page.py)
    for script in ("tablet.js", "ticket.js"):
        status, _, body = raw_get(live_server.http_url, f"/static/{script}")
        assert status == 200 and b"token=" not in body and b"?tablet=\" +" not in body
