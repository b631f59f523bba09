"""The phone page's survey (actor role "applicant") finds a ticket by its secret status
token only: never by its id (`t_20240108_A001`, sequential) or its number, which are
printed, called out and shown on every board."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

import pytest

from server.engine import Actor
from tests.engine.engine_helpers import ADMIN, Desk, at, officer
from tests.integration.ws_helpers import device

APPLICANT = Actor("applicant", "phone")
ANSWERS = [4] * 9


@pytest.fixture
def finished(office) -> Desk:
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    desk.issue()
    desk.serve(1, "loket-1")
    desk.engine.drain_changes()
    return desk


@pytest.mark.parametrize("ref", ["t_20240108_A001", "A001", "a001", "T_20240108_A001", ""])
def test_an_applicant_cannot_name_a_ticket_by_id_or_number(finished, ref):
    code = "bad_request" if ref == "" else "not_found"
    out = finished.err("submit_survey", APPLICANT, code, ticket=ref, answers=ANSWERS,
                       comment="NIK 3201234567890001")
    assert "A001" not in out.error_message and "t_2024" not in out.error_message
    assert out.events == []
    assert finished.engine.tickets["t_20240108_A001"].surveyed is False
    assert not finished.engine.drain_changes()


def test_an_applicant_answers_by_token_once(finished):
    token = finished.engine.tickets["t_20240108_A001"].token
    assert finished.ok("submit_survey", APPLICANT, ticket=token, answers=ANSWERS) == {}
    finished.err("submit_survey", APPLICANT, "invalid_state", ticket=token, answers=ANSWERS)


def test_staff_still_name_tickets_by_number(finished):
    # the admin (reports, office-wide) and the counter that served it (tablet mode)
    assert finished.ok("submit_survey", officer(1), ticket="A001", answers=ANSWERS) == {}
    finished.issue()
    finished.serve(1, "loket-1")
    assert finished.ok("submit_survey", ADMIN, ticket="t_20240108_A002", answers=ANSWERS) \
        == {}


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _surveys(live_server) -> int:
    with sqlite3.connect(live_server.db_path) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE name = 'survey_submitted'"
                            ).fetchone()[0]


def test_the_phone_survey_by_ticket_id_records_nothing(live_server):
    kiosk, console = device(live_server, "kiosk-1"), device(live_server, "console-1")
    ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    console.ok("login", officer="budi", pin="1234", counter="loket-1")
    for step in ("call_next", "start_service", "finish"):
        console.ok(step, counter="loket-1")
    answers = "answers=4,4,4,4,4,4,4,4,4"
    for ref in (ticket["id"], ticket["number"]):
        status, _ = _get(f"{live_server.http_url}/t/{ref}/survey?{answers}")
        assert status != 200
    assert _surveys(live_server) == 0
    status, page = _get(ticket["status_url"] + ".json")
    assert status == 200 and page["surveyed"] is False
    # the link on the ticket still takes the answer, once
    status, body = _get(ticket["status_url"] + f"/survey?{answers}")
    assert status == 200 and body["ok"] is True
    assert _surveys(live_server) == 1
    kiosk.close()
    console.close()
