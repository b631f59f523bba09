"""A ticket's page and survey open with its secret status token only. Its id and number
are not secrets (printed, called out, on the board): by them the HTTP side finds nothing
and records nothing."""

from __future__ import annotations

import json
import sqlite3

from raw_http import raw_get

from tests.integration.ws_helpers import device

ANSWERS = "answers=4,4,4,4,4,4,4,4,4&comment=ok"


def _finished_ticket(live_server) -> dict:
    kiosk, desk = device(live_server, "kiosk-1"), device(live_server, "console-3")
    ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    desk.ok("login", officer="budi", pin="1234", counter="loket-3")
    for name in ("call_next", "start_service", "finish"):
        desk.ok(name, counter="loket-3")
    kiosk.close()
    desk.close()
    return ticket


def _surveys_recorded(live_server) -> int:
    with sqlite3.connect(live_server.db_path) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE name = 'survey_submitted'"
                            ).fetchone()[0]


def test_ids_and_numbers_open_no_page_and_no_survey(live_server):
    ticket = _finished_ticket(live_server)
    token = ticket["status_url"].rsplit("/", 1)[1]
    ticket_id, number = ticket["id"], ticket["number"]
    assert ticket_id.startswith("t_") and number == "A001"
    for ref in (ticket_id, number, ticket_id.upper(), number.lower(), "A0010000", "00000001",
                "1", ticket_id.removeprefix("t_")):
        for target in (f"/t/{ref}/survey?{ANSWERS}", f"/t/{ref}", f"/t/{ref}.json",
                       f"/t/{ref}?format=json"):
            status, _, body = raw_get(live_server.http_url, target)
            assert status == 404, (target, status, body)
            assert token.encode() not in body and b"A001" not in body, target
    assert _surveys_recorded(live_server) == 0
    status, _, body = raw_get(live_server.http_url, f"/t/{token}.json")
    assert status == 200 and json.loads(body)["surveyed"] is False

    # the status token itself still works, once
    status, _, body = raw_get(live_server.http_url, f"/t/{token}/survey?{ANSWERS}")
    assert status == 200 and json.loads(body)["ok"] is True, body
    assert _surveys_recorded(live_server) == 1
    status, _, body = raw_get(live_server.http_url, f"/t/{token}/survey?{ANSWERS}")
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_state"
    assert _surveys_recorded(live_server) == 1


def test_an_unknown_token_records_nothing(live_server):
    _finished_ticket(live_server)
    for ref in ("x" * 22, "A" * 64, "t_00000000_A001"):
        status, _, _ = raw_get(live_server.http_url, f"/t/{ref}/survey?{ANSWERS}")
        assert status == 404
    assert _surveys_recorded(live_server) == 0
