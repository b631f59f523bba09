"""Engine: counter sessions and the ticket's life at a counter (recall, serve, no-show,
transfer, pause, open/close, cancel), plus the any-role commands."""

from __future__ import annotations

import pytest
from engine_helpers import ADMIN, DISPLAY, KIOSK, Desk, at, officer

from server.engine import Actor


@pytest.fixture
def desk(office):
    d = Desk(office, at(9, 0))
    d.login(1, "loket-1")
    return d


# ---------------------------------------------------------------- login / logout
def test_login_opens_the_counter(office):
    desk = Desk(office, at(9, 0))
    data = desk.login(1, "loket-1")
    assert data["officer"] == {"id": "budi", "name": "Budi Santoso"}
    assert data["counter"]["status"] == "open" and data["counter"]["officer"] == "budi"
    assert desk.names() == ["officer_logged_in", "counter_opened"]


def test_login_refusals(office):
    desk = Desk(office, at(9, 0))
    desk.err("login", Actor("counter", "console-1"), "unauthorized", officer="budi", pin="1",
             counter="loket-1")  # the shell did not verify a PIN
    desk.err("login", officer(1), "not_found", officer="budi", pin="1", counter="loket-9")
    desk.login(1, "loket-1")
    out = desk.err("login", officer(2), "invalid_state", officer="sari", pin="1",
                   counter="loket-1")
    assert "Budi Santoso" in out.error_message  # says who holds it


def test_one_officer_one_counter(desk):
    desk.login(1, "loket-2")  # budi moves: loket-1 closes
    states = desk.engine.counters
    assert states["loket-1"].status == "closed" and states["loket-1"].officer is None
    assert states["loket-2"].officer == "budi"
    assert ("counter_closed", "moved") in [(n, d.get("reason")) for n, d in desk.events]


def test_cannot_move_while_holding_a_ticket(desk):
    desk.issue()
    desk.call(1, "loket-1")
    desk.err("login", officer(1), "invalid_state", officer="budi", pin="1", counter="loket-2")
    desk.err("logout", officer(1), "invalid_state")


def test_logout_closes_the_counter(desk):
    assert desk.ok("logout", officer(1)) == {}
    assert desk.engine.counters["loket-1"].status == "closed"
    assert desk.names()[-2:] == ["officer_logged_out", "counter_closed"]
    desk.err("logout", officer(1), "invalid_state")
    desk.err("call_next", officer(1), "forbidden", counter="loket-1")


# ---------------------------------------------------------------- recall / serve / no-show
def test_start_service_and_finish(desk):
    desk.issue()
    desk.call(1, "loket-1")
    desk.advance(seconds=30)
    started = desk.ok("start_service", officer(1), counter="loket-1")
    assert started["status"] == "serving" and started["started_at"]
    desk.advance(4)
    done = desk.ok("finish", officer(1), counter="loket-1")
    assert done["status"] == "done" and done["finished_at"]
    event = desk.last("ticket_finished")
    assert event["service_s"] == 240 and event["officer"] == "budi"
    counter = desk.engine.counter_wire("loket-1")
    assert counter["ticket"] is None
    assert counter["stats"] == {"served": 1, "no_show": 0, "avg_service_s": 240}


def test_finish_and_no_show_need_the_right_status(desk):
    desk.err("finish", officer(1), "invalid_state", counter="loket-1")  # nothing current
    desk.err("start_service", officer(1), "invalid_state", counter="loket-1")
    desk.issue()
    desk.call(1, "loket-1")
    out = desk.err("finish", officer(1), "invalid_state", counter="loket-1")
    assert "called" in out.error_message
    desk.ok("start_service", officer(1), counter="loket-1")
    out = desk.err("no_show", officer(1), "invalid_state", counter="loket-1")
    assert "serving" in out.error_message
    out = desk.err("recall", officer(1), "invalid_state", counter="loket-1")
    assert "serving" in out.error_message


def test_recall_then_automatic_no_show(desk):
    assert desk.engine.config.policy.max_recalls == 3
    desk.issue()
    desk.call(1, "loket-1")
    for n in (1, 2, 3):
        assert desk.ok("recall", officer(1), counter="loket-1")["recalls"] == n
        assert desk.last("ticket_recalled")["recalls"] == n
    gone = desk.ok("recall", officer(1), counter="loket-1")
    assert gone["status"] == "no_show"
    assert desk.last("ticket_no_show")["auto"] is True
    assert desk.engine.counters["loket-1"].ticket is None
    assert desk.engine.counter_wire("loket-1")["stats"]["no_show"] == 1


def test_manual_no_show(desk):
    desk.issue()
    desk.call(1, "loket-1")
    assert desk.ok("no_show", officer(1), counter="loket-1")["status"] == "no_show"
    assert desk.last("ticket_no_show")["auto"] is False


# ---------------------------------------------------------------- transfer
def _serving(desk, service="paspor-baru"):
    desk.issue(service)
    called = desk.call(1, "loket-1")
    desk.ok("start_service", officer(1), counter="loket-1")
    return called


def test_transfer_to_next_stage_keeps_the_number(desk):
    first = _serving(desk)
    desk.advance(3)
    moved = desk.ok("transfer", officer(1), counter="loket-1", service="paspor-baru")
    assert (moved["id"], moved["number"]) == (first["id"], first["number"])
    assert moved["stage"] == "foto-wawancara" and moved["status"] == "waiting"
    event = desk.last("ticket_transferred")
    assert event["from"] == {"service": "paspor-baru", "stage": "pemeriksaan-berkas",
                             "counter": "loket-1", "lane": "reguler",
                             # the visit that ended (its anonymised fact for the centre)
                             "queued_at": first["queued_at"], "called_at": first["called_at"],
                             "started_at": first["called_at"]}  # (started when called)
    assert event["officer"] == "budi" and event["to_counter"] is None
    assert desk.engine.counters["loket-1"].ticket is None
    assert desk.waiting_numbers() == ["A001"]
    again = desk.call(1, "loket-1")
    assert again["stage"] == "foto-wawancara" and again["number"] == "A001"


def test_transfer_to_another_service_starts_at_its_first_stage(desk):
    _serving(desk)
    moved = desk.ok("transfer", officer(1), counter="loket-1", service="paspor-hilang",
                    lane="lansia", note="paspor rusak")
    assert (moved["service"], moved["stage"], moved["lane"]) == (
        "paspor-hilang", "pemeriksaan-berkas", "lansia")
    assert moved["number"] == "A001"
    assert desk.last("ticket_transferred")["note"] == "paspor rusak"


def test_transfer_refusals(desk):
    desk.err("transfer", officer(1), "invalid_state", counter="loket-1", service="informasi")
    _serving(desk)
    desk.err("transfer", officer(1), "not_found", counter="loket-1", service="visa")
    desk.err("transfer", officer(1), "bad_request", counter="loket-1", service="paspor-baru",
             stage="bap")
    desk.err("transfer", officer(1), "bad_request", counter="loket-1", service="paspor-baru",
             lane="vip")
    desk.err("transfer", officer(1), "not_found", counter="loket-1", service="paspor-baru",
             to_counter="loket-9")
    desk.err("transfer", officer(1), "bad_request", counter="loket-1", service="paspor-baru",
             to_counter="loket-4")  # loket-4 does not serve passports
    desk.ok("transfer", officer(1), counter="loket-1", service="paspor-baru",
            stage="pengambilan")
    desk.call(1, "loket-1")
    out = desk.err("transfer", officer(1), "invalid_state", counter="loket-1",
                   service="paspor-baru")
    assert "A001" in out.error_message  # last stage: nothing after it


# ---------------------------------------------------------------- pause / open / close
def test_pause_and_resume_with_reason(desk):
    paused = desk.ok("pause", officer(1), counter="loket-1", reason="istirahat")
    assert paused["status"] == "paused" and paused["pause_reason"] == "istirahat"
    assert desk.last("counter_paused")["reason"] == "istirahat"
    desk.issue()
    desk.err("call_next", officer(1), "invalid_state", counter="loket-1")
    desk.err("pause", officer(1), "invalid_state", counter="loket-1", reason="lagi")
    resumed = desk.ok("resume", officer(1), counter="loket-1")
    assert resumed["status"] == "open" and resumed["pause_reason"] is None
    assert desk.last("counter_opened")["reason"] == "resume"
    desk.err("resume", officer(1), "invalid_state", counter="loket-1")
    desk.call(1, "loket-1")
    desk.err("pause", officer(1), "invalid_state", counter="loket-1", reason="x")
    desk.err("pause", officer(1), "bad_request", counter="loket-1", reason="x" * 201)


def test_admin_opens_and_closes_counters(desk):
    opened = desk.ok("open_counter", ADMIN, counter="loket-4")
    assert opened["status"] == "open"
    desk.err("open_counter", ADMIN, "invalid_state", counter="loket-4")
    closed = desk.ok("close_counter", ADMIN, counter="loket-4")
    assert closed["status"] == "closed"
    desk.err("close_counter", ADMIN, "invalid_state", counter="loket-4")
    desk.err("open_counter", ADMIN, "not_found", counter="nope")
    desk.issue()
    desk.call(1, "loket-1")
    desk.err("close_counter", ADMIN, "invalid_state", counter="loket-1")  # finish first


def test_counter_role_acts_only_on_its_own_counter(desk):
    desk.err("open_counter", officer(2), "forbidden", counter="loket-1")
    desk.ok("close_counter", officer(1), counter="loket-1")
    assert desk.engine.counters["loket-1"].officer is None  # closing logs the officer out


# ---------------------------------------------------------------- cancel
def test_cancel_a_waiting_ticket(desk):
    desk.issue()
    desk.issue()
    cancelled = desk.ok("cancel", ADMIN, ticket="A001", reason="double")
    assert cancelled["status"] == "cancelled"
    event = desk.last("ticket_cancelled")
    assert event["reason"] == "double" and event["by"] == "admin-1"
    assert desk.waiting_numbers() == ["A002"]
    assert desk.call(1, "loket-1")["number"] == "A002"


def test_cancel_the_current_ticket_frees_the_counter(desk):
    desk.issue()
    desk.call(1, "loket-1")
    desk.ok("cancel", officer(1), ticket="A001", reason="salah layanan")
    assert desk.last("ticket_cancelled")["by"] == "budi"
    assert desk.engine.counters["loket-1"].ticket is None
    out = desk.err("cancel", ADMIN, "invalid_state", ticket="A001")
    assert "cancelled" in out.error_message
    desk.err("cancel", ADMIN, "not_found", ticket="A404")
    desk.err("cancel", officer(2), "forbidden", ticket="A001")  # not logged in anywhere


# ---------------------------------------------------------------- any role
def test_report_device_status(desk):
    assert desk.ok("report_device_status", KIOSK, status="paper_near_end",
                   detail="sisa 2 m") == {}
    entry = desk.last("device_status")
    assert entry["device"] == "kiosk-1" and entry["role"] == "kiosk"
    assert entry["status"] == "paper_near_end" and entry["detail"] == "sisa 2 m"
    assert desk.engine.snapshot(desk.now, "admin")["device_status"] == [entry]
    assert desk.engine.snapshot(desk.now, "display")["device_status"] == []
    desk.err("report_device_status", DISPLAY, "bad_request", status="on_fire")


def test_set_announcement_and_its_expiry(desk):
    desk.ok("set_announcement", ADMIN, text={"id": "Sistem gangguan", "en": "System issue"},
            until="2024-01-08T09:30")
    ann = desk.last("announcement")
    assert ann["text"] == {"id": "Sistem gangguan", "en": "System issue"}
    assert ann["until"].startswith("2024-01-08T09:30") and ann["until"].endswith("+07:00")
    assert desk.engine.snapshot(desk.now, "observer")["announcement"] == ann
    assert all(n != "announcement" for n, _ in desk.engine.tick(at(9, 29)))
    events = desk.engine.tick(at(9, 30))
    assert ("announcement", {"text": None, "until": None}) in events
    assert desk.engine.announcement is None
    desk.err("set_announcement", ADMIN, "bad_request", text={"id": "x"})
    desk.err("set_announcement", ADMIN, "bad_request", text="x", until="soon")
    desk.ok("set_announcement", ADMIN, text="Selamat datang")
    assert desk.engine.announcement["until"] is None
    desk.ok("set_announcement", ADMIN, text={"id": "", "en": ""})  # clears it
    assert desk.engine.announcement is None


def test_ping_and_unknown_command(desk):
    assert desk.ok("ping", DISPLAY)["server_time"].startswith("2024-01-08T09:00")
    desk.err("teleport", ADMIN, "unknown_command")


# ---------------------------------------------------------------- survey
def test_survey_only_when_done_and_once(desk):
    desk.issue()
    answers = [4, 3, 4, 4, 3, 4, 4, 3, 4]
    desk.err("submit_survey", KIOSK, "invalid_state", ticket="A001", answers=answers)
    desk.serve(1, "loket-1")
    token = desk.engine.tickets["t_20240108_A001"].token
    desk.err("submit_survey", KIOSK, "bad_request", ticket=token, answers=[5] * 9)
    desk.err("submit_survey", KIOSK, "bad_request", ticket=token, answers=[4] * 8)
    desk.err("submit_survey", KIOSK, "bad_request", ticket=token, answers=[True] * 9)
    assert desk.ok("submit_survey", KIOSK, ticket=token, answers=answers,
                   comment="cepat") == {}
    event = desk.last("survey_submitted")
    assert event == {"service": "paspor-baru", "day": "2024-01-08", "answers": answers,
                     "comment": "cepat", "profile": {}}  # anonymous: no ticket or token
    desk.err("submit_survey", KIOSK, "invalid_state", ticket="A001", answers=answers)
    desk.err("submit_survey", KIOSK, "not_found", ticket="nosuchtoken", answers=answers)


def test_survey_profile_is_codes_each_optional(desk):
    """The respondent profile (PermenPAN-RB 14/2017) is a few codes, never free text: an
    unknown field or code is refused; a skipped question is simply absent."""
    desk.issue()
    desk.serve(1, "loket-1")
    token = desk.engine.tickets["t_20240108_A001"].token
    answers = [4] * 9
    for bad in ({"age": "33"}, {"gender": "x"}, {"name": "Budi"}, {"age": 30}, ["l"],
                "60_up"):
        desk.err("submit_survey", KIOSK, "bad_request", ticket=token, answers=answers,
                 profile=bad)
    assert desk.ok("submit_survey", KIOSK, ticket=token, answers=answers,
                   profile={"age": "60_up", "gender": "p", "education": None}) == {}
    assert desk.last("survey_submitted")["profile"] == {"age": "60_up", "gender": "p"}


def test_refused_login_changes_nothing(office):
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")  # budi on console-1
    desk.login(2, "loket-2")  # sari on console-2, busy with a ticket
    desk.issue()
    desk.call(2, "loket-2")
    budi_on_console_2 = Actor("counter", "console-2", "budi", "Budi Santoso",
                              session="s-2b")
    before = desk.engine.export_meta(), {c: s.to_record()
                                         for c, s in desk.engine.counters.items()}
    out = desk.err("login", budi_on_console_2, "invalid_state", officer="budi", pin="x",
                   counter="loket-3")
    assert out.events == []
    assert (desk.engine.export_meta(), {c: s.to_record()
                                        for c, s in desk.engine.counters.items()}) == before
