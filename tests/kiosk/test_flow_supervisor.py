"""The kiosk's side of a supervisor's acts, without a screen: a reprint for this kiosk is
taken once and printed marked, after the applicant's own ticket; a paused service shows
the supervisor's reason, a holiday its name, and today's quota closes a lane."""

from __future__ import annotations

import pytest

from hardware.printer import DummyTicketPrinter
from hardware.ticket_layout import PrinterProfile, build_layout
from i18n import t
from kiosk.flow import KioskFlow, PrintTicket, SendCommand

MARK = "CETAK ULANG / REPRINT"


def ticket_data(**extra):
    data = {"id": "t_20261123_A007", "number": "A007", "service": "paspor-baru",
            "stage": "s1", "lane": "reguler", "status": "waiting",
            "issued_at": "2026-11-23T08:05:00+07:00", "queued_at": "2026-11-23T08:05:00+07:00",
            "status_url": "http://h:8765/t/abcdefgh1234", "lang": "en", "reprint": True}
    data.update(extra)
    return data


@pytest.fixture
def flow(model, clock):
    f = KioskFlow(model, clock=clock)
    f.set_connection("online")
    f.printer_status("ok")
    return f


def request(kiosk="kiosk-1", req="rq-1"):
    return {"request": req, "ticket": "A007", "kiosk": kiosk}


def take(flow, req="rq-1", kiosk="kiosk-1"):
    actions = flow.reprint_requested(request(kiosk, req), "kiosk-1")
    [cmd] = actions
    assert isinstance(cmd, SendCommand)
    assert (cmd.name, cmd.args) == ("take_reprint", {"request": req})
    return cmd


def texts(ticket) -> list[str]:
    return [getattr(el, "text", "") for el in build_layout(ticket, PrinterProfile.from_escpos(
        "TM-T88V"))]


def test_a_reprint_for_this_kiosk_is_taken_once_and_printed_marked(flow):
    cmd = take(flow)
    assert flow.reprint_requested(request(), "kiosk-1") == []  # the same request: once
    [job] = flow.on_result(cmd.cmd_id, {"ok": True, "data": ticket_data()})
    assert isinstance(job, PrintTicket) and job.ticket_id == "reprint:rq-1"
    assert job.ticket.reprint and job.ticket.number == "A007" and job.ticket.lang == "en"
    lines = texts(job.ticket)
    assert MARK in lines
    assert not any("ahead" in line or "next" in line for line in lines)  # no stale place
    printer = DummyTicketPrinter()
    printer.print_ticket(job.ticket)
    assert MARK.encode() in printer.jobs[-1]
    assert flow.screen == "home" and flow.issued is None  # the screen is not touched
    assert flow.print_finished(job.ticket_id, True) == []
    assert flow.reprints_printing == {} and flow.reprints_held == {}


def test_a_reprint_for_another_kiosk_or_without_a_name_is_ignored(flow):
    assert flow.reprint_requested(request(kiosk="kiosk-2"), "kiosk-1") == []
    assert flow.reprint_requested(request(), None) == []
    assert flow.reprint_requested({"kiosk": "kiosk-1", "ticket": "A007"}, "kiosk-1") == []
    assert flow.reprint_takes == {}


def test_a_reprint_waits_for_the_applicant_mid_flow_and_prints_after_their_ticket(flow):
    flow.choose_service("paspor-baru")
    assert flow.screen == "category"
    cmd = take(flow)
    assert flow.on_result(cmd.cmd_id, {"ok": True, "data": ticket_data()}) == []
    assert flow.tick() == []  # still choosing
    [issue] = [a for a in flow.choose_lane("reguler") if isinstance(a, SendCommand)]
    assert flow.tick() == []  # waiting for their number
    actions = flow.on_result(issue.cmd_id, {"ok": True, "data": ticket_data(
        id="t_20261123_A013", number="A013", lang="id", reprint=None, ahead=2,
        estimated_wait_s=300)})
    prints = [a for a in actions if isinstance(a, PrintTicket)]
    assert [p.ticket_id for p in prints] == ["t_20261123_A013"]  # theirs only
    assert flow.tick() == []  # theirs is printing
    [job] = flow.print_finished("t_20261123_A013", True)
    assert job.ticket_id == "reprint:rq-1"
    assert flow.print_state == "printed" and flow.issued["number"] == "A013"


def test_a_failed_reprint_is_held_until_the_printer_is_back(flow):
    cmd = take(flow)
    [job] = flow.on_result(cmd.cmd_id, {"ok": True, "data": ticket_data()})
    flow.print_finished(job.ticket_id, False, "paper_out", "no paper")
    assert list(flow.reprints_held) == ["rq-1"]
    assert flow.tick() == []  # the printer is out of paper
    flow.printer_status("ok")
    [again] = flow.tick()
    assert again.ticket_id == "reprint:rq-1" and again.ticket.reprint


def test_a_lost_answer_is_taken_again_with_the_same_id_and_a_refusal_is_dropped(flow):
    cmd = take(flow)
    lost = {"ok": False, "error": {"code": "not_confirmed", "message": "timeout"}}
    assert flow.on_result(cmd.cmd_id, lost) == []
    [again] = flow.welcomed({"type": "welcome", "seq": 9})
    assert (again.cmd_id, again.args) == (cmd.cmd_id, {"request": "rq-1"})
    assert flow.welcomed({"type": "welcome", "seq": 9}) == []  # in flight: not twice
    refused = {"ok": False, "error": {"code": "not_found", "message": "taken"}}
    assert flow.on_result(cmd.cmd_id, refused) == []
    assert flow.reprint_takes == {} and flow.reprints_held == {}
    assert flow.screen == "home" and flow.error is None  # not the applicant's business


def test_a_malformed_reprint_ticket_is_logged_not_a_crash(flow):
    cmd = take(flow)
    assert flow.on_result(cmd.cmd_id, {"ok": True, "data": {"number": "A007"}}) == []
    assert flow.reprints_held == {}


def test_a_paused_service_shows_the_supervisors_reason_in_the_kiosks_language(flow, model):
    model.services["paspor-baru"].update(
        open=False, closed_reason="paused",
        issuing_paused={"id": "Blangko paspor habis, datang besok", "en": "Out of blanks"})
    views = {v.id: v for v in flow.services()}
    assert views["paspor-baru"].detail == "Blangko paspor habis, datang besok"
    assert views["paspor-baru"].enabled is False
    assert views["paspor-baru"].closed_reason == "paused"
    flow.toggle_language()
    assert {v.id: v for v in flow.services()}["paspor-baru"].detail == "Out of blanks"
    model.services["paspor-baru"]["issuing_paused"] = None  # no reason came: generic
    generic = {v.id: v for v in flow.services()}["paspor-baru"].detail
    assert generic == t("kiosk.closed_paused", "en")


def test_a_holiday_shows_its_name_instead_of_the_closed_text(flow, model):
    for svc in model.services.values():
        svc.update(open=False, closed_reason="holiday",
                   holiday={"id": "Cuti Bersama Natal", "en": "Christmas leave"})
    assert {v.detail for v in flow.services()} == {"Cuti Bersama Natal"}
    flow.toggle_language()
    assert {v.detail for v in flow.services()} == {"Christmas leave"}


def test_todays_quota_closes_a_lane_in_place_of_the_configured_one(flow, model):
    svc = model.services["paspor-baru"]
    svc.update(issued={"reguler": 30, "lansia": 2}, quota={"lansia": 2})
    assert {lv.id: lv.enabled for lv in flow.lanes_for("paspor-baru")}["reguler"]
    svc["quota_today"] = {"reguler": 30, "lansia": 10}
    lanes = {lv.id: lv for lv in flow.lanes_for("paspor-baru")}
    assert lanes["reguler"].enabled is False
    assert lanes["reguler"].subtitle == t("kiosk.lane_quota_full", "id")
    assert lanes["lansia"].enabled  # today's 10 in place of the configured 2
