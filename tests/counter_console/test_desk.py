"""The desk's view logic without a screen or a server: state -> view, intents -> commands."""

from datetime import UTC, datetime, timedelta

import pytest

from counter_console.desk import SHORTCUTS, Desk
from office_client.model import OfficeModel

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 WIB


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def ticket(tid, number, lane="reguler", status="waiting", service="paspor-baru", **kw):
    return {"id": tid, "number": number, "service": service, "stage": "pemeriksaan-berkas",
            "lane": lane, "status": status, "issued_at": iso(kw.pop("waited", 10)),
            "queued_at": iso(kw.pop("queued", 10)), "called_at": kw.pop("called_at", None),
            "started_at": kw.pop("started_at", None), "counter": None, "recalls": 0,
            "booked": False, "to_counter": kw.pop("to_counter", None), **kw}


def counter(cid="loket-3", status="open", officer="budi", tk=None, **kw):
    return {"id": cid, "name": cid.replace("loket-", "Loket "),
            "services": ["paspor-baru", "paspor-ganti"], "lanes": ["reguler", "lansia"],
            "stages": None, "zone": "lantai-1", "status": status, "officer": officer,
            "officer_name": "Budi Santoso" if officer else None, "pause_reason": None,
            "ticket": tk, "stats": kw.pop("stats", {"served": 4, "no_show": 1,
                                                    "avg_service_s": 330.0}), **kw}


def welcome(counters, waiting, session_counter="loket-3", bound=None, seq=10, **snap):
    return {"type": "welcome", "seq": seq, "server_time": NOW.isoformat(),
            "session": {"counter": session_counter, "bound_counter": bound},
            "snapshot": {
                "office": {"id": "k", "name": "Kanim", "timezone": "Asia/Jakarta"},
                "lanes": [{"id": "reguler", "name": {"id": "Umum", "en": "General"},
                           "priority": False},
                          {"id": "lansia", "name": {"id": "Lansia 60+", "en": "Elderly 60+"},
                           "priority": True}],
                "services": [{"id": "paspor-baru", "name": {"id": "Paspor Baru",
                                                            "en": "New Passport"},
                              "stages": ["pemeriksaan-berkas", "foto-wawancara"]},
                             {"id": "paspor-ganti", "name": {"id": "Penggantian Paspor",
                                                             "en": "Passport Replacement"},
                              "stages": ["pemeriksaan-berkas"]}],
                "counters": counters, "waiting": waiting, "recent_calls": [],
                "alerts": snap.get("alerts", []),
                "device_status": snap.get("device_status", []),
                "no_shows": snap.get("no_shows", [])}}


class Sender:
    """Records commands; the test answers them like the server would."""

    def __init__(self):
        self.sent = []

    def __call__(self, name, args, callback):
        self.sent.append((name, args, callback))
        return f"cmd-{len(self.sent)}"

    def answer(self, ok=True, data=None, code="invalid_state", message="nope", index=-1):
        _name, _args, callback = self.sent[index]
        callback({"type": "result", "ok": ok, "data": data or {}} if ok else
                 {"type": "result", "ok": False, "error": {"code": code, "message": message}})


@pytest.fixture
def desk():
    model = OfficeModel()
    sender = Sender()
    d = Desk(model, sender, clock=lambda: NOW)
    d.sender = sender
    return d


def load(desk, *args, **kwargs):
    msg = welcome(*args, **kwargs)
    desk.model.load_welcome(msg)
    desk.on_welcome(msg)


def test_logged_out_shows_login_only(desk):
    load(desk, [counter(officer=None, status="closed")], [], session_counter=None,
         bound="loket-3")
    view = desk.view()
    assert view.screen == "login" and view.bound_counter == "loket-3"
    assert view.login_enabled
    assert not any(a.enabled for a in view.actions.values())
    assert desk.login("budi", "1234", "loket-1")
    assert desk.sender.sent[-1][:2] == ("login", {"officer": "budi", "pin": "1234",
                                                  "counter": "loket-3"})  # bound wins
    assert not desk.view().login_enabled  # pending
    desk.sender.answer(data={"counter": counter()})
    assert desk.view().screen == "desk" and desk.counter_id == "loket-3"


def test_login_needs_all_fields(desk):
    load(desk, [counter(officer=None, status="closed")], [], session_counter=None)
    assert not desk.login("budi", "", "loket-3")
    assert desk.notice.kind == "error" and not desk.sender.sent


def test_idle_enables_call_and_lists_waiting_in_order(desk):
    waiting = [ticket("t2", "A002", lane="lansia", waited=7, queued=7),
               ticket("t1", "A001", waited=31, queued=31),
               ticket("t9", "E001", service="izin-tinggal")]
    load(desk, [counter()], waiting)
    view = desk.view()
    assert view.state == "idle" and view.screen == "desk"
    enabled = {k for k, a in view.actions.items() if a.enabled}
    assert enabled == {"call_next", "call_ticket", "cancel", "pause", "logout"}
    assert [r.number for r in view.waiting] == ["A002", "A001"]  # not E001: not served here
    assert view.waiting[0].priority and view.waiting[0].lane_name == "Lansia 60+"
    assert view.waiting[1].waited_text == "31 mnt"
    assert [(c.service_name, c.lane_name, c.count) for c in view.counts] == [
        ("Paspor Baru", "Umum", 1), ("Paspor Baru", "Lansia 60+", 1)]
    assert (view.served, view.no_show, view.avg_service_text) == (4, 1, "5 mnt 30 dtk")
    assert view.actions["call_next"].shortcut == SHORTCUTS["call_next"] == "F1"


def test_a_ticket_synced_after_an_outage_joins_by_when_it_queued(desk):
    """A kiosk's offline ticket reaches the desk after the outage: it is listed where its
    issue time puts it in its group, not at the end (priority lanes still first)."""
    waiting = [ticket("t5", "A005", lane="lansia", queued=3),
               ticket("t1", "A001", queued=30), ticket("t3", "A003", queued=5)]
    load(desk, [counter()], waiting)
    issued = lambda tk, seq: desk.model.apply({  # noqa: E731
        "type": "event", "seq": seq, "name": "ticket_issued", "at": NOW.isoformat(),
        "data": {"ticket": tk, "ahead": 0, "estimated_wait_s": 0, "offline": True}})
    issued(ticket("k1", "A901", queued=20), 11)
    issued(ticket("k2", "A902", lane="lansia", queued=8), 12)
    issued(ticket("t6", "A006", queued=0), 13)
    assert [tk["number"] for tk in desk.model.waiting] == [
        "A902", "A005", "A001", "A901", "A003", "A006"]


def test_called_and_serving_states(desk):
    called = ticket("t1", "A001", lane="lansia", status="called", queued=22,
                    called_at=iso(3))
    load(desk, [counter(tk=called)], [])
    desk.on_event({"seq": 11, "name": "ticket_called", "at": iso(3),
                   "data": {"ticket": called, "counter": "loket-3",
                            "reason": {"code": "priority_lane", "params": {"lane": "lansia"}}}})
    view = desk.view()
    assert view.state == "called"
    assert {k for k, a in view.actions.items() if a.enabled} == {
        "recall", "start_service", "no_show", "transfer", "cancel"}
    cur = view.current
    assert (cur.number, cur.waited_text, cur.at_counter_text) == ("A001", "19 mnt", "3 mnt")
    assert cur.reason_text == "Jalur prioritas: Lansia 60+"
    desk.set_lang("en")
    assert desk.view().current.reason_text == "Priority lane: Elderly 60+"
    serving = dict(called, status="serving", started_at=iso(1))
    desk.model.counters["loket-3"]["ticket"] = serving
    view = desk.view()
    assert view.state == "serving"
    assert {k for k, a in view.actions.items() if a.enabled} == {"finish", "transfer", "cancel"}
    assert view.current.at_counter_text == "3 min\n(serving 1 min)"


@pytest.mark.parametrize("reason, text", [
    ({"code": "wait_cap", "params": {"waited_min": 47, "cap_min": 45, "lane": "reguler"}},
     "Umum menunggu 47 menit > 45"),
    ({"code": "fifo", "params": {"lane": "reguler"}}, "Urutan kedatangan"),
    ({"code": "manual", "params": {"officer": "budi"}},
     "Dipanggil manual oleh petugas (tercatat)"),
    ({"code": "appointment_slot", "params": {"slot": "2026-11-23T03:00:00+00:00"}},
     "Jadwal booking pukul 10:00"),
    ({"code": "interleave", "params": {"after": 3}},
     "Satu umum setelah 3 panggilan prioritas"),
    ({"code": "transfer", "params": {"service": "paspor-baru", "stage": "foto-wawancara"}},
     "Dialihkan ke loket ini: Paspor Baru"),
    ({"code": "something_new", "text": "server's words"}, "server's words"),
    (None, "—"),
])
def test_reason_texts(desk, reason, text):
    load(desk, [counter()], [])
    assert desk.reason_text(reason) == text


def test_pending_disables_everything_and_double_click_sends_once(desk):
    load(desk, [counter()], [ticket("t1", "A001"), ticket("t2", "A002")])
    assert desk.call_next()
    assert not desk.call_next()  # double click
    assert not desk.press("call_next")  # a button box press at the same time
    assert len(desk.sender.sent) == 1
    view = desk.view()
    assert view.actions["call_next"].pending
    assert not any(a.enabled for a in view.actions.values())
    assert "Panggil berikutnya" in view.pending_text
    desk.sender.answer(data={"id": "t1", "reason": {"code": "fifo"}})
    assert not desk.pending and desk.reasons["t1"]["code"] == "fifo"


def test_offline_shows_banner_and_holds_actions(desk):
    load(desk, [counter()], [ticket("t1", "A001")])
    desk.set_connection("offline")
    view = desk.view()
    assert view.banner and "TIDAK TERHUBUNG" in view.banner
    assert not view.actions["call_next"].enabled
    assert not desk.call_next()
    assert desk.notice.text == "Tidak terhubung: aksi tidak dikirim"
    assert not desk.sender.sent


def test_unconfirmed_action_is_told(desk):
    load(desk, [counter()], [ticket("t1", "A001")])
    desk.call_next()
    desk.set_connection("offline")
    assert desk.view().pending_text  # still waiting for the server
    desk.sender.answer(ok=False, code="not_confirmed")
    assert desk.notice.kind == "error"
    assert "TIDAK terkonfirmasi" in desk.notice.text and "Panggil berikutnya" in desk.notice.text
    assert not desk.pending


def test_errors_are_translated_or_shown(desk):
    load(desk, [counter()], [ticket("t1", "A001")], )
    desk.set_lang("en")
    desk.call_next()
    desk.sender.answer(ok=False, code="queue_empty", message="Tidak ada antrean")
    assert desk.notice.text == "Nobody is waiting for this counter's services"
    desk.call_next()
    desk.sender.answer(ok=False, code="invalid_state", message="Loket berstatus paused")
    assert desk.notice.text == "Call next failed: Loket berstatus paused"


def test_transfer_pause_and_call_ticket_commands(desk):
    called = ticket("t1", "A001", status="called", called_at=iso(1))
    load(desk, [counter(tk=called), counter("loket-1"), counter("loket-2")],
         [ticket("t2", "A002")])
    opts = desk.transfer_options()
    assert opts.default_service == "paspor-baru" and opts.default_stage == "foto-wawancara"
    assert ("loket-1", "Loket 1") in opts.counters["paspor-baru"]
    assert desk.transfer("paspor-baru", "foto-wawancara", "loket-1", "  berkas ok ")
    assert desk.sender.sent[-1][:2] == ("transfer", {
        "counter": "loket-3", "service": "paspor-baru", "stage": "foto-wawancara",
        "to_counter": "loket-1", "note": "berkas ok", "position": "back",
        "keep_priority": True})
    desk.sender.answer()
    desk.model.counters["loket-3"]["ticket"] = None
    assert not desk.call_ticket("nope")  # not waiting here: refused locally
    assert desk.call_ticket("t2")
    assert desk.sender.sent[-1][:2] == ("call_ticket", {"counter": "loket-3", "ticket": "t2"})
    desk.sender.answer()
    assert desk.pause("pause_prayer", "")
    assert desk.sender.sent[-1][1]["reason"] == "Salat"
    desk.sender.answer()
    desk.model.counters["loket-3"]["status"] = "paused"
    assert desk.view().actions["pause"].label == "Lanjutkan"
    assert desk.press("resume")
    assert desk.sender.sent[-1][0] == "resume"


def test_session_returns_after_restart_and_ends_when_closed(desk):
    load(desk, [counter(status="paused", pause_reason="Salat")], [], session_counter="loket-3")
    assert desk.view().state == "paused" and desk.view().pause_reason == "Salat"
    desk.on_event({"seq": 11, "name": "counter_closed", "data": {
        "counter": counter(officer=None, status="closed"), "reason": "admin"}})
    assert desk.counter_id is None and desk.view().screen == "login"
    assert desk.notice.text.startswith("Sesi loket berakhir")


def test_stats_follow_ticket_events(desk):
    """The server sends the officer's day with each finish/no-show; the model keeps it."""
    load(desk, [counter(stats={"served": 1, "no_show": 0, "avg_service_s": 300.0})], [])
    for msg in ({"seq": desk.model.seq + 1, "name": "ticket_finished", "data": {
                    "ticket": {"id": "t1"}, "counter": "loket-3", "service_s": 100.0,
                    "stats": {"served": 2, "no_show": 0, "avg_service_s": 200.0}}},
                {"seq": desk.model.seq + 2, "name": "ticket_no_show", "data": {
                    "ticket": {"id": "t2", "number": "A002"}, "counter": "loket-3",
                    "auto": True, "stats": {"served": 2, "no_show": 1,
                                            "avg_service_s": 200.0}}}):
        assert desk.model.apply(msg).value == "applied"
        desk.on_event(msg)
    view = desk.view()
    assert (view.served, view.no_show, view.avg_service_text) == (2, 1, "3 mnt 20 dtk")
    assert "A002" in view.notice.text


def test_alerts_devices_and_my_services(desk):
    load(desk, [counter()], [],
         alerts=[{"service": "paspor-baru", "kind": "wait", "value": 33.4, "target": 30},
                 {"service": "informasi", "kind": "wait", "value": 50, "target": 15}],
         device_status=[{"device": "kiosk-2", "role": "kiosk", "status": "paper_out",
                         "detail": "", "at": iso(5)},
                        {"device": "kiosk-1", "role": "kiosk", "status": "ok", "at": iso(1)}])
    texts = [a.text for a in desk.view().alerts]
    assert texts == ["kiosk-2: kertas habis", "Paspor Baru: tunggu 33 mnt > target 30"]
    desk.model.device_status["kiosk-1"] = {"device": "kiosk-1", "status": "paper_near_end"}
    desk.on_event({"seq": 11, "name": "device_status", "at": iso(0),
                   "data": {"device": "kiosk-1", "status": "paper_near_end"}})
    first = desk.view().alerts[0]
    assert first.text == "kiosk-1: kertas hampir habis" and first.severity == "warn"


def test_bad_input_never_crashes(desk):
    load(desk, [counter(tk={"id": "x", "status": "called", "called_at": "not a time"})],
         [{"id": "y", "number": "A9", "service": "paspor-baru", "lane": "reguler",
           "queued_at": None}])
    view = desk.view()
    assert view.current.at_counter_text == "—" and view.waiting[0].waited_text == "0 mnt"
    desk.on_event({"seq": 11, "name": "alert", "data": {}})
    desk.on_event({"seq": 12, "name": "ticket_called", "data": {"ticket": "junk"}})
    desk.view()


def test_times_in_words_and_the_offices_clock(desk):
    """Durations read as words (never a clock-like 04:16); the clock is the office's."""
    called = ticket("t1", "A001", status="called", queued=90, called_at=iso(75.5))
    load(desk, [counter(tk=called)], [])
    view = desk.view()
    cur = view.current
    assert (cur.waited_text, cur.at_counter_text) == ("14 mnt", "1 j 15 mnt 30 dtk")
    assert view.clock_text == "09:00 WIB"
    desk.set_lang("en")
    assert desk.view().current.at_counter_text == "1 hr 15 min 30 sec"
    desk.model.office["timezone"] = "Asia/Makassar"
    assert desk.view().clock_text == "10:00 WITA"


def test_devices_by_their_display_names_and_a_kiosk_asking_for_help(desk):
    load(desk, [counter()], [],
         device_status=[{"device": "kiosk-2", "role": "kiosk", "status": "paper_out",
                         "detail": "", "at": iso(5)},
                        {"device": "kiosk-1", "role": "kiosk", "status": "help",
                         "detail": "ticket A031: printing failed", "at": iso(2)}])
    desk.model.office["device_names"] = {"kiosk-2": "Kiosk lobi 2", "kiosk-1": "Kiosk lobi 1"}
    alerts = desk.view().alerts
    assert [a.text for a in alerts] == ["Kiosk lobi 1: perlu bantuan petugas",
                                        "Kiosk lobi 2: kertas habis"]
    assert alerts[0].severity == "error"
    desk.set_lang("en")
    assert desk.view().alerts[0].text == "Kiosk lobi 1: an applicant needs an officer"


def test_english_screens_say_counter_not_loket(desk):
    load(desk, [counter(), counter("loket-1", officer=None)], [])
    assert desk.view().counter_name == "Loket 3"
    desk.set_lang("en")
    view = desk.view()
    assert view.counter_name == "Counter 3"
    assert dict(view.login_counters)["loket-1"] == "Counter 1"


# ---------------------------------------------------------------- cancel, came back, transfer
def _office_policy(desk, no_show_after=5, reinstate=30):
    desk.model.office["policy"] = {"no_show_after_minutes": no_show_after,
                                   "reinstate_minutes": reinstate}


def test_cancel_takes_the_current_ticket_or_the_selected_waiting_one_with_a_reason(desk):
    called = ticket("t1", "A001", status="called", called_at=iso(1))
    load(desk, [counter(tk=called)], [ticket("t2", "A002"), ticket("t3", "A003")])
    assert desk.enabled("cancel")
    assert desk.cancel_target("t2")["id"] == "t1"  # the current one first
    assert not desk.cancel("t1", "", "  ")  # no reason: refused here, nothing sent
    assert desk.sender.sent == [] and desk.notice.kind == "error"
    assert desk.cancel("t1", "cancel_wrong_service", " ingin paspor hilang ")
    assert desk.sender.sent[-1][:2] == ("cancel", {
        "ticket": "t1", "reason": "Salah layanan: ingin paspor hilang"})
    desk.sender.answer()
    desk.model.counters["loket-3"]["ticket"] = None
    assert desk.cancel_target(None) is None  # idle: the selected row, if any
    assert desk.cancel_target("t3")["id"] == "t3"
    assert not desk.cancel("elsewhere", "cancel_duplicate")  # not ours to cancel
    assert desk.cancel("t3", "cancel_duplicate", "x" * 400)
    assert len(desk.sender.sent[-1][1]["reason"]) == 200  # the protocol's limit
    load(desk, [counter()], [])
    assert not desk.enabled("cancel")  # nothing to cancel


def test_a_no_show_who_came_back_is_offered_within_the_minutes_and_called_at_once(desk):
    gone = ticket("t9", "A009", status="no_show", called_at=iso(8), finished_at=iso(5),
                  lane="lansia")
    elsewhere = ticket("t8", "E008", status="no_show", service="izin-tinggal",
                       finished_at=iso(3))
    old = ticket("t7", "A007", status="no_show", finished_at=iso(31))
    load(desk, [counter()], [], no_shows=[elsewhere, gone, old])
    _office_policy(desk)
    [row] = desk.no_show_rows()  # not another service's, not one past the 30 minutes
    assert (row.number, row.priority, row.no_show_text, row.left_text) == (
        "A009", True, "08:55 WIB, 5 mnt lalu", "25 mnt lagi")
    assert desk.enabled("reinstate")
    assert desk.reinstate("t9", call_now=True)
    assert desk.sender.sent[-1][:2] == ("reinstate", {"ticket": "t9"})
    desk.sender.answer(data={"id": "t9"})  # the result comes before the event
    assert desk.sender.sent[-1][0] == "reinstate"
    back = {**gone, "status": "waiting", "finished_at": None, "called_at": None}
    desk.model.apply({"seq": 11, "name": "ticket_reinstated", "data": {"ticket": back}})
    desk.on_event({"seq": 11, "name": "ticket_reinstated", "data": {"ticket": back}})
    assert desk.sender.sent[-1][:2] == ("call_ticket", {"counter": "loket-3", "ticket": "t9"})
    assert desk.model.no_shows.keys() == {"t8", "t7"}
    assert desk.no_show_rows() == []  # nothing left to take back


def test_a_reinstate_refused_calls_nobody_and_zero_minutes_offers_nothing(desk):
    gone = ticket("t9", "A009", status="no_show", finished_at=iso(5))
    load(desk, [counter()], [], no_shows=[gone])
    _office_policy(desk)
    assert desk.reinstate("t9", call_now=True)
    desk.sender.answer(ok=False, code="forbidden", message="terlambat")
    assert desk.call_when_back is None and "terlambat" in desk.notice.text
    _office_policy(desk, reinstate=0)
    assert desk.no_show_rows() == [] and not desk.enabled("reinstate")
    assert not desk.reinstate("t9")


def test_the_called_ticket_says_when_it_becomes_a_no_show_by_itself(desk):
    called = ticket("t1", "A001", status="called", called_at=iso(4),
                    recalled_at=iso(1.5))
    load(desk, [counter(tk=called)], [])
    _office_policy(desk, no_show_after=5)
    assert desk.view().current.auto_no_show_text.startswith(
        "Tidak hadir otomatis dalam 3 mnt 30 dtk")  # from the recall, not the call
    _office_policy(desk, no_show_after=0)
    assert desk.view().current.auto_no_show_text == ""
    _office_policy(desk, no_show_after=5)
    desk.on_event({"seq": 11, "name": "ticket_no_show", "data": {
        "ticket": {**called, "status": "no_show"}, "counter": "loket-3", "auto": True,
        "cause": "timeout"}})
    assert desk.notice.text == ("A001 otomatis ditandai tidak hadir: 5 menit dipanggil "
                                "tanpa datang")


def test_transfer_to_the_front_and_out_of_the_priority_lane(desk):
    called = ticket("t1", "A001", status="called", called_at=iso(1), lane="lansia")
    load(desk, [counter(tk=called)], [])
    opts = desk.transfer_options()
    assert opts.priority and opts.lane_name == "Lansia 60+"
    assert desk.transfer("paspor-ganti", front=True, keep_priority=False)
    assert desk.sender.sent[-1][1] == {"counter": "loket-3", "service": "paspor-ganti",
                                      "position": "front", "keep_priority": False}
