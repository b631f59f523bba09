"""Engine: the applicant cancels their own waiting ticket (`cancel_own`, the phone page's
"Batalkan nomor saya"), by its status token only."""

from __future__ import annotations

import pytest
from engine_helpers import KIOSK, Desk, at, officer

from server.engine import Actor

APPLICANT = Actor("applicant", "phone")


@pytest.fixture
def desk(office):
    return Desk(office, at(8, 30))


def _token(desk: Desk, number: str) -> str:
    return next(tk.token for tk in desk.engine.tickets.values() if tk.number == number)


def test_cancel_own_leaves_the_line_and_frees_the_place(desk):
    desk.issue()
    desk.issue()
    desk.issue()
    assert desk.waiting_numbers() == ["A001", "A002", "A003"]
    result = desk.ok("cancel_own", APPLICANT, ticket=_token(desk, "A002"))
    assert result == {"number": "A002", "status": "cancelled"}
    assert desk.status("A002") == "cancelled"
    assert desk.waiting_numbers() == ["A001", "A003"]
    cancelled = desk.last("ticket_cancelled")
    assert cancelled["ticket"]["number"] == "A002" and cancelled["reason"] == "applicant"
    desk.err("cancel_own", APPLICANT, "invalid_state", ticket=_token(desk, "A002"))


def test_cancel_own_finds_no_ticket_by_id_or_number(desk):
    ticket = desk.issue()
    for ref in (ticket["id"], ticket["number"], "tok99999999"):
        desk.err("cancel_own", APPLICANT, "not_found", ticket=ref)
    assert desk.status("A001") == "waiting"


def test_only_a_waiting_ticket_and_only_the_applicant(desk):
    desk.issue()
    token = _token(desk, "A001")
    for actor in (KIOSK, officer(1)):
        desk.err("cancel_own", actor, "forbidden", ticket=token)
    desk.login(1, "loket-1")
    desk.call(1, "loket-1")
    desk.err("cancel_own", APPLICANT, "invalid_state", ticket=token)
    assert desk.status("A001") == "called"
