"""An officer's session belongs to the connection that logged in with the PIN: a second
connection with the same counter device token is no officer, and the session's secret
(which lets that console's own connection resume after a network cut) goes nowhere else:
not in an event, another client's snapshot, the database or a log line."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from tests.integration.ws_helpers import WsClient, device, join

COUNTER_COMMANDS = [("call_next", {}), ("recall", {}), ("start_service", {}),
                    ("finish", {}), ("no_show", {}), ("pause", {"reason": "x"}),
                    ("transfer", {"service": "paspor-ganti"}), ("close_counter", {})]


@pytest.fixture
def logged_in(live_server):
    console = device(live_server, "console-1")
    secret = console.ok("login", officer="budi", pin="1234", counter="loket-1")["session"]
    kiosk = device(live_server, "kiosk-1")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    console.ok("call_next", counter="loket-1")
    yield console, secret
    kiosk.close()
    console.close()


@pytest.mark.parametrize(("name", "args"), COUNTER_COMMANDS)
def test_the_device_token_alone_is_no_officer(live_server, logged_in, name, args):
    intruder = device(live_server, "console-1")  # the same token, a second connection
    assert intruder.welcome["session"]["counter"] is None
    intruder.refused(name, "forbidden", counter="loket-1", **args)
    intruder.refused("logout", "invalid_state")
    console, _ = logged_in
    assert console.ok("recall", counter="loket-1")["number"] == "A001"  # untouched
    intruder.close()


def test_cancel_and_logout_need_the_session_too(live_server, logged_in):
    intruder = device(live_server, "console-1")
    intruder.refused("cancel", "forbidden", ticket="A001", reason="x")
    intruder.refused("logout", "invalid_state")
    intruder.close()


def test_a_wrong_secret_resumes_nothing(live_server, logged_in):
    _, secret = logged_in
    for guess in ("", "x" * 32, secret[:-1] + ("A" if secret[-1] != "A" else "B")):
        intruder = WsClient(live_server.url)
        welcome = intruder.hello("counter", "console-1", live_server.tokens["console-1"],
                                 session=guess)
        assert welcome["session"]["counter"] is None
        intruder.refused("call_next", "forbidden", counter="loket-1")
        intruder.close()
    # another device's token with the right secret is no officer either
    other = WsClient(live_server.url)
    welcome = other.hello("counter", "console-2", live_server.tokens["console-2"],
                          session=secret)
    assert welcome["session"]["counter"] is None
    other.close()


def test_the_secret_goes_to_its_connection_only(live_server, caplog):
    caplog.set_level(logging.DEBUG)
    board, admin = device(live_server, "board-1"), device(live_server, "admin-1")
    console = device(live_server, "console-2")
    secret = console.ok("login", officer="andi", pin="2468", counter="loket-2")["session"]
    assert len(secret) >= 32
    seen = [board.event("officer_logged_in"), admin.event("officer_logged_in")]
    seen += [join(live_server.url, role, name, live_server.tokens.get(name)).welcome
             for role, name in (("observer", None), ("admin", "admin-1"),
                                ("counter", "console-1"))]
    assert all(secret not in repr(msg) for msg in seen)
    with sqlite3.connect(live_server.db_path) as db:
        dump = "\n".join(db.iterdump())
    assert secret not in dump
    assert secret not in caplog.text
    # and the same console, reconnecting with it, is the officer again
    console.close()
    back = WsClient(live_server.url)
    welcome = back.hello("counter", "console-2", live_server.tokens["console-2"],
                         session=secret)
    assert welcome["session"]["counter"] == "loket-2"
    back.refused("call_next", "queue_empty", counter="loket-2")
    back.close()
    board.close()
    admin.close()
