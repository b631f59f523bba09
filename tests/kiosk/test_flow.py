"""The kiosk's view logic without a screen: what each screen shows, what each touch sends."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from i18n import catalog, missing_translations
from kiosk.flow import (
    KioskFlow,
    PrintTicket,
    SendCommand,
    Speak,
    printable_ticket,
    sanitize_code,
)


def issued_data(**extra):
    data = {"id": "t_20261123_A013", "number": "A013", "service": "paspor-baru",
            "stage": "s1", "lane": "lansia", "status": "waiting",
            "issued_at": "2026-11-23T08:15:00+07:00", "ahead": 3,
            "estimated_wait_s": 600, "status_url": "http://h:8765/t/abcdefgh1234",
            "lang": "id"}
    data.update(extra)
    return data


@pytest.fixture
def flow(model, clock):
    f = KioskFlow(model, clock=clock)
    f.set_connection("online")
    return f


def sends(actions):
    return [a for a in actions if isinstance(a, SendCommand)]


def test_home_shows_waiting_wait_and_closed_reason(flow):
    views = {v.id: v for v in flow.services()}
    assert views["paspor-baru"].enabled
    assert views["paspor-baru"].detail == "12 menunggu  ·  ± 25 menit"
    assert views["percepatan"].enabled is False
    assert views["percepatan"].detail == "Pengambilan nomor sudah ditutup"
    # nobody waiting, not "Tanpa antrean" (which reads as "no number needed")
    assert views["informasi"].detail == "Tidak ada yang menunggu"
    assert not views["informasi"].has_info
    flow.toggle_language()
    views = {v.id: v for v in flow.services()}
    assert views["paspor-baru"].detail == "12 waiting  ·  ± 25 min"
    assert views["percepatan"].detail == "No more numbers today"
    assert flow.banner() is None


def test_three_touches_to_a_printed_ticket(flow):
    assert flow.choose_service("paspor-baru") == []
    assert flow.screen == "category"
    lanes = {lane.id: lane for lane in flow.lanes_for("paspor-baru")}
    assert lanes["lansia"].enabled is False  # quota for that lane is used up
    assert lanes["lansia"].subtitle == "Kuota habis"
    assert lanes["disabilitas"].subtitle == "Prioritas"
    actions = flow.choose_lane("disabilitas")
    (cmd,) = sends(actions)
    assert cmd.name == "issue_ticket"
    assert cmd.args == {"service": "paspor-baru", "lane": "disabilitas", "lang": "id"}
    assert flow.screen == "issuing"
    assert flow.choose_lane("disabilitas") == []  # a second touch while waiting: nothing
    out = flow.on_result(cmd.cmd_id, {"ok": True, "data": issued_data(lane="disabilitas")})
    (job,) = [a for a in out if isinstance(a, PrintTicket)]
    assert job.ticket.number == "A013" and job.ticket.lane_priority
    assert flow.screen == "ticket" and flow.print_state == "printing"
    view = flow.ticket()
    assert view.ahead_text == "Di depan Anda: 3 orang"
    # a moment (issued 08:15 WIB + 10 minutes), not a duration that goes stale
    assert view.wait_text == "Perkiraan dipanggil ± 08:25 WIB"
    # The same ticket answered again (a replay after reconnect) never prints twice.
    assert flow._issued(issued_data(lane="disabilitas")) == []


def test_single_lane_service_skips_the_category_screen(flow):
    actions = flow.choose_service("informasi")
    (cmd,) = sends(actions)
    assert cmd.args["lane"] == "reguler" and flow.screen == "issuing"


def test_closed_service_and_offline_issue_nothing(flow):
    assert flow.choose_service("percepatan") == [] and flow.screen == "home"
    flow.set_connection("offline")
    assert flow.choose_service("paspor-baru") == []
    assert all(not v.enabled for v in flow.services())
    banner = flow.banner()
    assert banner.kind == "offline" and "menyambung kembali" in banner.text
    flow.set_connection("unauthorized")
    assert "belum terdaftar" in flow.banner().text


def test_unconfirmed_issue_is_retried_with_the_same_command_id(flow):
    (cmd,) = sends(flow.choose_service("informasi"))
    assert flow.on_result(cmd.cmd_id, {"ok": False, "error": {"code": "not_confirmed"}}) == []
    assert flow.screen == "issuing" and flow.pending.unconfirmed
    (again,) = flow.retry()
    assert again.cmd_id == cmd.cmd_id and again.args == cmd.args
    assert flow.retry() == []  # already re-sent, waiting for the answer
    flow.on_result(cmd.cmd_id, {"ok": True, "data": issued_data()})
    assert flow.screen == "ticket"


def test_server_errors_are_explained_in_the_chosen_language(flow):
    flow.toggle_language()
    flow.choose_service("paspor-baru")
    (cmd,) = sends(flow.choose_lane("reguler"))
    flow.on_result(cmd.cmd_id, {"ok": False, "error": {"code": "quota_reached",
                                                        "message": "Kuota habis"}})
    assert flow.screen == "home"
    assert flow.banner().text == "The quota for this service is full."
    assert flow.on_result(cmd.cmd_id, {"ok": True, "data": issued_data()}) == []  # stale


def test_booking_code_keyboard_and_errors(flow):
    flow.open_booking()
    for key in "https://x.example/b/":  # a keyboard-wedge scanner typing a URL
        flow.booking_key(key)
    assert flow.booking_code == ""
    for key in "mp-2611":
        flow.booking_key(key)
    assert flow.booking_code == "MP-2611"
    flow.booking_backspace()
    (cmd,) = sends(flow.submit_booking())
    assert cmd.name == "check_in" and cmd.args == {"booking_code": "MP-261", "lang": "id"}
    flow.on_result(cmd.cmd_id, {"ok": False, "error": {"code": "not_found"}})
    assert flow.screen == "booking"
    assert flow.error == "Kode booking tidak ditemukan. Periksa kembali kode Anda."


def test_scanner_code_from_home_checks_in(flow):
    (cmd,) = sends(flow.scanned("https://m-paspor.example/booking/ab12cd34\r"))
    assert cmd.name == "check_in" and cmd.args["booking_code"] == "AB12CD34"
    assert flow.screen == "issuing"


@pytest.mark.parametrize("raw,code", [("  abc-123 ", "ABC-123"), ("x=QR99", "QR99"),
                                      ("A|B|CODE7", "CODE7"), ("ñ!@#", ""),
                                      ("Z" * 50, "Z" * 32)])
def test_sanitize_code(raw, code):
    assert sanitize_code(raw) == code


def test_print_failure_keeps_ticket_and_reports_status(flow, clock):
    (cmd,) = sends(flow.choose_service("informasi"))
    flow.on_result(cmd.cmd_id, {"ok": True, "data": issued_data()})
    actions = flow.print_finished("t_20261123_A013", False, "paper_out", "roll empty")
    (report,) = sends(actions)
    assert report.name == "report_device_status"
    assert report.args == {"status": "paper_out", "detail": "roll empty"}
    assert flow.screen == "ticket" and flow.ticket().print_state == "failed"
    clock.advance(flow.ticket_timeout_s + 1)
    assert flow.tick() == [] and flow.screen == "ticket"  # time to take a photo
    clock.advance(flow.fallback_timeout_s)
    flow.tick()
    assert flow.screen == "home"
    assert flow.banner().kind == "printer"
    # The next good print tells the server the printer is fine again.
    (ok_report,) = sends(flow.print_finished("other", True))
    assert ok_report.args["status"] == "ok"


def test_printer_status_is_reported_on_change_and_after_reconnect(flow):
    (first,) = sends(flow.printer_status("paper_near_end", "low"))
    assert first.args["status"] == "paper_near_end"
    assert flow.printer_status("paper_near_end", "low") == []
    assert flow.banner().kind == "warning"
    flow.set_connection("offline")
    (again,) = sends(flow.set_connection("online"))
    assert again.args["status"] == "paper_near_end"
    (weird,) = sends(flow.printer_status("on fire", ""))
    assert weird.args["status"] == "unknown"  # never "fine" when we do not know


def test_idle_screens_return_home_and_reset(flow, clock):
    flow.toggle_language()
    flow.toggle_contrast()
    flow.choose_service("paspor-baru")
    clock.advance(flow.idle_timeout_s - 1)
    assert flow.tick() == [] and flow.screen == "category"
    clock.advance(2)
    flow.tick()
    assert flow.screen == "home" and flow.lang == "id" and not flow.high_contrast
    flow.open_info("paspor-baru")
    assert flow.screen == "info" and flow.service_info().startswith("Syarat")
    clock.advance(flow.idle_timeout_s)
    flow.tick()
    assert flow.screen == "home"


def test_ticket_screen_returns_home(flow, clock):
    (cmd,) = sends(flow.choose_service("informasi"))
    flow.on_result(cmd.cmd_id, {"ok": True, "data": issued_data()})
    flow.print_finished("t_20261123_A013", True)
    clock.advance(flow.ticket_timeout_s)
    flow.tick()
    assert flow.screen == "home"


def test_audio_guidance_speaks_prompts_and_the_number_in_words(flow):
    assert all(not isinstance(a, Speak) for a in flow.choose_service("paspor-baru"))
    flow.back()
    spoken = flow.toggle_audio()
    assert spoken == [Speak("Selamat datang. Sentuh layanan yang Anda perlukan.", "id")]
    (cmd,) = sends(flow.choose_service("informasi"))
    out = flow.on_result(cmd.cmd_id, {"ok": True, "data": issued_data()})
    (speak,) = [a for a in out if isinstance(a, Speak)]
    assert "a, tiga belas" in speak.text


def test_printable_ticket_in_english(model):
    ticket = printable_ticket(issued_data(), model, "en")
    assert ticket.lang == "en" and ticket.service_name == "New Passport"
    assert ticket.lane_name == "Elderly 60+" and ticket.footer == ["Keep this ticket"]
    assert ticket.issued_at == datetime.fromisoformat("2026-11-23T08:15:00+07:00")
    assert ticket.status_url.endswith("/t/abcdefgh1234")


def test_bad_input_never_crashes(flow):
    assert flow.choose_service("no-such-service") == []
    assert flow.open_info("nope") == []
    assert flow.choose_lane("reguler") == []  # no service chosen
    assert flow.submit_booking() == []
    assert flow.booking_key("A") == []  # not on the booking screen
    assert flow.on_result("unknown", {"ok": True}) == []
    assert flow.print_finished("unknown", False, "bogus") != []  # still reported, as unknown


def test_catalogs_are_complete():
    assert [k for k in missing_translations() if k.startswith(("kiosk.", "phone."))] == []
    assert sum(1 for k in catalog() if re.match(r"phone\.q\d_", k)) == 9 * 6


# ---------------------------------------------------------------------- attract, countdown
def test_idle_home_becomes_the_attract_screen_and_a_touch_wakes_it(flow, clock):
    flow.toggle_language()
    clock.advance(flow.attract_after_s - 1)
    flow.tick()
    assert flow.screen == "home"
    clock.advance(2)
    flow.tick()
    assert flow.screen == "attract" and flow.lang == "id"  # the defaults are back
    assert flow.choose_service("paspor-baru") == [] and flow.screen == "attract"
    flow.wake()
    assert flow.screen == "home"
    assert flow.wake() == [] and flow.screen == "home"  # only the attract screen wakes


def test_attract_screen_never_hides_that_the_kiosk_is_offline(flow, clock):
    flow.go_attract()
    flow.set_connection("offline")
    assert flow.screen == "home" and flow.banner().kind == "offline"
    clock.advance(flow.attract_after_s + 1)
    flow.tick()
    assert flow.screen == "home"  # offline: the banner stays in view


def test_printed_ticket_counts_down_back_to_the_start(flow, clock):
    (cmd,) = sends(flow.choose_service("informasi"))
    flow.on_result(cmd.cmd_id, {"ok": True, "data": issued_data()})
    assert flow.ticket().countdown_s is None  # still printing
    flow.print_finished("t_20261123_A013", True)
    assert flow.ticket().countdown_s == int(flow.ticket_timeout_s)
    clock.advance(7.5)
    assert flow.ticket().countdown_s == int(flow.ticket_timeout_s) - 7


# ---------------------------------------------------------------------- failed print
def _failed(flow):
    (cmd,) = sends(flow.choose_service("informasi"))
    flow.on_result(cmd.cmd_id, {"ok": True, "data": issued_data()})
    flow.print_finished("t_20261123_A013", False, "paper_out", "roll empty")


def test_reprint_prints_the_same_ticket_again_not_a_new_number(flow):
    _failed(flow)
    (job,) = flow.reprint()
    assert isinstance(job, PrintTicket) and job.ticket_id == "t_20261123_A013"
    assert job.ticket.number == "A013" and flow.ticket().print_state == "printing"
    assert flow.reprint() == []  # printing already
    flow.print_finished("t_20261123_A013", True)
    assert flow.ticket().print_state == "printed" and flow.reprint() == []


def test_call_staff_alerts_the_consoles_once_and_reports_the_printer_after(flow):
    _failed(flow)
    (help_cmd,) = sends(flow.call_staff())
    assert help_cmd.name == "report_device_status" and help_cmd.args["status"] == "help"
    assert "A013" in help_cmd.args["detail"] and flow.ticket().staff_called
    assert flow.call_staff() == []
    # the applicant leaves: the consoles learn the printer's own state again
    (after,) = sends(flow.done())
    assert after.args["status"] == "paper_out" and not flow.staff_called


def test_help_is_a_device_status_the_server_accepts():
    from kiosk.flow import HELP_STATUS
    from protocol.messages import DEVICE_STATUSES
    assert HELP_STATUS in DEVICE_STATUSES
