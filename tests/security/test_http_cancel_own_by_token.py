"""An applicant may cancel their own waiting ticket ("Batalkan nomor saya"), by its secret
status token only. Its id and number are not secrets (printed, called out, on the board):
by them nothing is cancelled, over HTTP or the WebSocket, and no other role may send
`cancel_own`. Without `confirm=1` (a link preview, a prefetch) nothing happens."""

from __future__ import annotations

import json
import sqlite3

from raw_http import raw_get

from tests.integration.ws_helpers import device


def _cancelled(live_server) -> int:
    with sqlite3.connect(live_server.db_path) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE name = 'ticket_cancelled'"
                            ).fetchone()[0]


def _status(live_server, token: str) -> str:
    status, _, body = raw_get(live_server.http_url, f"/t/{token}.json")
    assert status == 200, body
    return json.loads(body)["status"]


def test_only_the_status_token_cancels(live_server):
    kiosk = device(live_server, "kiosk-1")
    ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    other = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    token = ticket["status_url"].rsplit("/", 1)[1]
    ticket_id, number = ticket["id"], ticket["number"]
    for ref in (ticket_id, number, ticket_id.upper(), number.lower(), "A0010000", "00000001",
                ticket_id.removeprefix("t_"), "x" * 22):
        status, _, body = raw_get(live_server.http_url, f"/t/{ref}/cancel?confirm=1")
        assert status == 404, (ref, status, body)
        assert token.encode() not in body and b"A001" not in body, ref
    # the WebSocket: no device role may send it, whatever it names the ticket by
    for ref in (ticket_id, number, token):
        error = kiosk.command("cancel_own", ticket=ref)
        assert not error["ok"] and error["error"]["code"] == "forbidden", error
    assert _cancelled(live_server) == 0 and _status(live_server, token) == "waiting"

    # no confirmation: nothing happens
    status, _, body = raw_get(live_server.http_url, f"/t/{token}/cancel")
    assert status == 400 and _cancelled(live_server) == 0

    # the token holder cancels their own ticket, and only it
    status, _, body = raw_get(live_server.http_url, f"/t/{token}/cancel?confirm=1")
    assert status == 200 and json.loads(body)["ok"] is True, body
    assert _status(live_server, token) == "cancelled"
    assert _status(live_server, other["status_url"].rsplit("/", 1)[1]) == "waiting"
    assert _cancelled(live_server) == 1
    # once: a second try is refused, nothing more recorded
    status, _, body = raw_get(live_server.http_url, f"/t/{token}/cancel?confirm=1")
    assert status == 409 and json.loads(body)["error"]["code"] == "invalid_state"
    assert _cancelled(live_server) == 1
    kiosk.close()


def test_a_called_ticket_is_not_cancelled_from_the_phone(live_server):
    kiosk, desk = device(live_server, "kiosk-1"), device(live_server, "console-3")
    ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    token = ticket["status_url"].rsplit("/", 1)[1]
    desk.ok("login", officer="budi", pin="1234", counter="loket-3")
    desk.ok("call_next", counter="loket-3")
    status, _, body = raw_get(live_server.http_url, f"/t/{token}/cancel?confirm=1")
    assert status == 409, body
    assert _status(live_server, token) == "called" and _cancelled(live_server) == 0
    kiosk.close()
    desk.close()
