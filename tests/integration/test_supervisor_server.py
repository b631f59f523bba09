"""The supervisor's console against the real server: signing in, each action reaching
the kiosks, boards and consoles, pairing a device by its code, revoking one, the
calendar, people, the audit log, and who each stored event names as its actor."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import date

import pytest
from supervisor_helpers import (
    SUPERVISOR,
    call,
    pairing_request,
    stored_events,
    supervisor,
    supervisor_hello,
)
from ws_helpers import WsClient, device, join

from antrean import cli
from protocol import messages as m

ISSUE = {"service": "paspor-baru", "lane": "reguler"}


def _login(console: WsClient, officer: str = "budi", pin: str = "1234",
           counter: str = "loket-1") -> None:
    console.ok("login", officer=officer, pin=pin, counter=counter)


def test_a_supervisor_signs_in_and_sees_people_devices_and_the_calendar(live_server):
    kiosk = device(live_server, "kiosk-1")
    sup = supervisor(live_server.url)
    welcome = sup.welcome
    assert welcome["role"] == "supervisor" and welcome["device"] == "web-test"
    assert welcome["session"] == {"officer": "siti", "name": "Siti Rahmawati"}
    snap = welcome["snapshot"]
    officers = {o["id"]: o for o in snap["officers"]}
    assert officers["siti"] == {"id": "siti", "name": "Siti Rahmawati", "supervisor": True,
                                "disabled": False, "locked": False}
    assert set(officers["budi"]) == {"id", "name", "supervisor", "disabled", "locked"}
    devices = {d["name"]: d for d in snap["devices"]}
    assert devices["kiosk-1"]["connected"] is True and devices["kiosk-2"]["connected"] is False
    assert devices["kiosk-1"]["role"] == "kiosk" and devices["console-3"]["counter"] == "loket-3"
    assert snap["pairing"] == [] and snap["holidays"] == []
    assert all("issuing_paused" in s and "quota_today" in s for s in snap["services"])
    assert sup.ok("ping")["server_time"]
    kiosk.close()


@pytest.mark.parametrize(("officer", "pin"), [("siti", "000000"), ("budi", "1234"),
                                              ("siti", None), ("nobody", "1234")])
def test_wrong_or_missing_credentials_or_no_supervisor_are_unauthorized(live_server, officer,
                                                                        pin):
    client, reply = supervisor_hello(live_server.url, officer=officer, pin=pin)
    assert reply["type"] == "error" and reply["error"]["code"] == "unauthorized"
    assert client.close_code() == m.POLICY_VIOLATION


def test_pause_and_resume_issuing_reach_the_kiosk(live_server):
    kiosk = device(live_server, "kiosk-1")
    sup = supervisor(live_server.url)
    reason = {"id": "Kuota hari ini habis", "en": "Today's quota is used up"}
    service = sup.ok("pause_issuing", service="paspor-baru", reason=reason)
    assert service["issuing_paused"] == reason and service["open"] is False
    changed = kiosk.event("service_changed")["data"]["service"]
    assert changed["issuing_paused"] == reason and changed["closed_reason"] == "paused"
    kiosk.refused("issue_ticket", "service_closed", **ISSUE)
    sup.ok("resume_issuing", service="paspor-baru")
    assert kiosk.event("service_changed")["data"]["service"]["issuing_paused"] is None
    assert kiosk.ok("issue_ticket", **ISSUE)["number"] == "A001"
    actors = [actor for actor, _name, _data in stored_events(live_server.db_path,
                                                              "service_changed")]
    assert actors[:2] == ["web-test/siti", "web-test/siti"]


def test_todays_quota_is_the_supervisors(live_server):
    kiosk = device(live_server, "kiosk-1")
    sup = supervisor(live_server.url)
    assert sup.ok("set_quota", service="paspor-baru", lane="reguler",
                  quota=1)["quota_today"] == {"reguler": 1}
    kiosk.ok("issue_ticket", **ISSUE)
    kiosk.refused("issue_ticket", "quota_reached", **ISSUE)
    assert sup.ok("set_quota", service="paspor-baru", lane="reguler")["quota_today"] == {}
    kiosk.ok("issue_ticket", **ISSUE)


def test_a_no_show_who_came_back_is_called_before_those_who_came_later(live_server):
    kiosk, console = device(live_server, "kiosk-1"), device(live_server, "console-1")
    sup = supervisor(live_server.url)
    for _ in range(3):
        kiosk.ok("issue_ticket", **ISSUE)
    _login(console)
    assert console.ok("call_next", counter="loket-1")["number"] == "A001"
    console.ok("no_show", counter="loket-1")
    reinstated = sup.ok("reinstate", ticket="A001")
    assert reinstated["status"] == "waiting"
    assert console.event("ticket_reinstated")["data"]["ticket"]["number"] == "A001"
    assert console.ok("call_next", counter="loket-1")["number"] == "A001"
    sup.refused("reinstate", "invalid_state", ticket="A002")  # waiting, not a no-show


def test_moving_a_ticket_to_the_front_of_another_line(live_server):
    kiosk, console = device(live_server, "kiosk-1"), device(live_server, "console-1")
    sup = supervisor(live_server.url)
    kiosk.ok("issue_ticket", **ISSUE)
    kiosk.ok("issue_ticket", **ISSUE)
    moved = sup.ok("move_ticket", ticket="A002", position="front")
    assert moved["number"] == "A002"
    event = console.event("ticket_transferred")["data"]
    assert event["by"] == "siti" and event["position"] == "front"
    _login(console)
    assert console.ok("call_next", counter="loket-1")["number"] == "A002"
    sup.refused("move_ticket", "invalid_state", ticket="A002")  # called: not waiting


def test_a_reprint_is_taken_once_by_the_kiosk_it_was_asked_of(live_server):
    kiosk, other = device(live_server, "kiosk-1"), device(live_server, "kiosk-2")
    sup = supervisor(live_server.url)
    kiosk.ok("issue_ticket", **ISSUE)
    assert sup.ok("reprint", ticket="A001", kiosk="kiosk-1") == {}
    asked = kiosk.event("reprint_requested")["data"]
    assert asked["ticket"] == "A001" and asked["kiosk"] == "kiosk-1"
    other.refused("take_reprint", "not_found", request=asked["request"])
    ticket = kiosk.ok("take_reprint", request=asked["request"])
    assert ticket["reprint"] is True and ticket["status_url"].startswith("http")
    kiosk.refused("take_reprint", "not_found", request=asked["request"])
    sup.refused("reprint", "not_found", ticket="A001", kiosk="board-1")  # not a kiosk


def test_every_event_a_person_causes_names_that_person(live_server):
    kiosk, console = device(live_server, "kiosk-1"), device(live_server, "console-1")
    sup = supervisor(live_server.url)
    admin = device(live_server, "admin-1")
    for _ in range(3):
        kiosk.ok("issue_ticket", **ISSUE)
    _login(console)
    console.ok("call_next", counter="loket-1")
    console.ok("cancel", ticket="A002")
    sup.ok("cancel", ticket="A003")
    rows = stored_events(live_server.db_path)
    by_name = {}
    for actor, name, payload in rows:
        by_name.setdefault(name, []).append((actor, json.loads(payload)))
    assert by_name["officer_logged_in"][0][0] == "console-1/budi"
    assert by_name["ticket_called"][0][0] == "console-1/budi"
    (counter_actor, counter_cancel), (sup_actor, sup_cancel) = by_name["ticket_cancelled"]
    assert (counter_actor, counter_cancel["by"]) == ("console-1/budi", "budi")
    assert (sup_actor, sup_cancel["by"]) == ("web-test/siti", "siti")
    assert by_name["ticket_issued"][0][0] == "kiosk-1"  # a device, no person
    admin.close()


def test_revoking_a_device_cuts_it_off_at_once(live_server):
    kiosk = device(live_server, "kiosk-2")
    sup = supervisor(live_server.url)
    assert call(sup, "revoke_device", {"name": "kiosk-2"})["ok"]
    assert kiosk.close_code() == m.POLICY_VIOLATION
    again = WsClient(live_server.url)
    reply = again.hello("kiosk", "kiosk-2", live_server.tokens["kiosk-2"])
    assert reply["type"] == "error" and reply["error"]["code"] == "unauthorized"
    assert sup.event("device_revoked")["data"] == {"name": "kiosk-2"}
    assert call(sup, "revoke_device", {"name": "kiosk-2"})["error"]["code"] == "not_found"


def test_pairing_a_device_by_its_code_from_the_console(live_server):
    sup = supervisor(live_server.url)
    waiting, reply = pairing_request(live_server.url, "kiosk", "kios-lobi")
    assert reply["type"] == "pairing" and len(reply["code"]) == 7 and reply["expires_at"]
    requested = sup.event("pairing_requested")["data"]
    assert requested["code"] == reply["code"] and requested["device"] == "kios-lobi"
    assert requested["address"] == "127.0.0.1"
    taken = call(sup, "approve_pairing", {"code": reply["code"], "name": "kiosk-1",
                                          "role": "kiosk"})  # a name in use
    assert taken["error"]["code"] == "invalid_state"
    # a kiosk asked: a display's token would be refused at its hello
    other_role = call(sup, "approve_pairing", {"code": reply["code"], "name": "papan-9",
                                               "role": "display"})
    assert other_role["error"]["code"] == "bad_request" and "kiosk" in \
        other_role["error"]["message"]
    paired = call(sup, "approve_pairing", {"code": reply["code"], "name": "kiosk-lobi-2",
                                           "role": "kiosk"})["data"]
    assert paired == {"name": "kiosk-lobi-2", "role": "kiosk", "counter": None}
    message = waiting.recv()
    assert message["type"] == "paired" and message["name"] == "kiosk-lobi-2"
    assert waiting.close_code() == 1000
    event = sup.event("device_paired")["data"]
    assert "token" not in event and event["name"] == "kiosk-lobi-2"
    assert sup.event("pairing_closed")["data"]["outcome"] == "approved"
    join(live_server.url, "kiosk", "kiosk-lobi-2", message["token"]).ok("issue_ticket", **ISSUE)
    assert message["token"] not in json.dumps(stored_events(live_server.db_path))


def test_a_rejected_code_is_closed(live_server):
    sup = supervisor(live_server.url)
    waiting, reply = pairing_request(live_server.url, "display", "papan")
    sup.ok("reject_pairing", code=reply["code"])
    error = waiting.recv()
    assert error["type"] == "error" and error["error"]["code"] == "unauthorized"
    assert waiting.close_code() == m.POLICY_VIOLATION
    late = call(sup, "approve_pairing", {"code": reply["code"], "name": "papan-1",
                                         "role": "display"})
    assert late["error"]["code"] == "not_found"


def test_pairing_from_the_command_line(live_server):
    waiting, reply = pairing_request(live_server.url, "counter", "meja")
    outcome: list[int] = []
    approve = threading.Thread(target=lambda: outcome.append(cli.main([
        "device", "approve", reply["code"], "--name", "console-9", "--role", "counter",
        "--counter", "loket-2", "--db", str(live_server.db_path), "--wait", "30"])))
    approve.start()
    message = waiting.recv(timeout=30)
    approve.join(30)
    assert message["type"] == "paired" and message["name"] == "console-9"
    assert outcome == [0]
    console = join(live_server.url, "counter", "console-9", message["token"])
    assert console.welcome["session"]["bound_counter"] == "loket-2"
    assert [a for a, _n, _d in stored_events(live_server.db_path, "device_paired")] == ["cli"]


def test_holidays_close_every_service_with_the_days_name(live_server):
    kiosk = device(live_server, "kiosk-1")
    sup = supervisor(live_server.url)
    today = date.fromisoformat(sup.welcome["office"]["day"]).isoformat()
    name = {"id": "Hari Raya Natal", "en": "Christmas Day"}
    days = sup.ok("set_holidays", days=[{"date": today, "name": name}])["days"]
    assert days == [{"date": today, "name": name}]
    service = kiosk.event("service_changed")["data"]["service"]
    assert service["closed_reason"] == "holiday" and service["holiday"] == name
    kiosk.refused("issue_ticket", "service_closed", **ISSUE)
    sup.refused("set_holidays", "bad_request", days=[{"date": today, "name": name}] * 2)
    sup.ok("set_holidays", days=[])
    kiosk.ok("issue_ticket", **ISSUE)


def test_people_added_changed_and_disabled_from_the_console(live_server):
    kiosk, console = device(live_server, "kiosk-1"), device(live_server, "console-1")
    sup = supervisor(live_server.url)
    no_pin = call(sup, "save_officer", {"officer": "dewi", "name": "Dewi"})
    short_pin = call(sup, "save_officer", {"officer": "dewi", "name": "Dewi", "pin": "12"})
    assert no_pin["error"]["code"] == short_pin["error"]["code"] == "bad_request"
    added = call(sup, "save_officer", {"officer": "dewi", "name": "Dewi Lestari",
                                       "pin": "86420"})["data"]
    assert added == {"id": "dewi", "name": "Dewi Lestari", "supervisor": False,
                     "disabled": False, "locked": False}
    assert sup.event("officer_changed")["data"]["officer"] == added
    _login(console, "dewi", "86420")
    kiosk.ok("issue_ticket", **ISSUE)
    console.ok("call_next", counter="loket-1")
    serving = call(sup, "save_officer", {"officer": "dewi", "name": "Dewi", "disabled": True})
    assert serving["error"]["code"] == "invalid_state"
    console.ok("no_show", counter="loket-1")
    assert call(sup, "save_officer", {"officer": "dewi", "name": "Dewi Lestari",
                                      "disabled": True})["ok"]
    assert console.event("counter_closed")["data"]["counter"]["id"] == "loket-1"
    other = device(live_server, "console-2")
    other.refused("login", "unauthorized", officer="dewi", pin="86420", counter="loket-2")
    assert "86420" not in json.dumps(stored_events(live_server.db_path))


def test_audit_and_a_tickets_history(live_server):
    kiosk, console = device(live_server, "kiosk-1"), device(live_server, "console-1")
    sup = supervisor(live_server.url)
    kiosk.ok("issue_ticket", **ISSUE)
    kiosk.ok("issue_ticket", **ISSUE)
    _login(console)
    console.ok("call_next", counter="loket-1")
    sup.ok("cancel", ticket="A002", reason="pindah jadwal")
    history = sup.ok("ticket_history", ticket="A001")
    assert [e["name"] for e in history["events"]] == ["ticket_issued", "ticket_called"]
    assert history["events"][1]["actor"] == "console-1/budi"
    mine = sup.ok("audit", officer=SUPERVISOR)["events"]
    assert [e["name"] for e in mine] == ["ticket_cancelled"]
    newest = sup.ok("audit", limit=2)["events"]
    assert [e["name"] for e in newest] == ["ticket_cancelled", "ticket_called"]
    assert newest[0]["seq"] > newest[1]["seq"]
    about = sup.ok("audit", ticket="a002")["events"]
    assert [e["name"] for e in about] == ["ticket_cancelled", "ticket_issued"]
    sup.refused("ticket_history", "not_found", ticket="Z999")


def test_a_device_gone_for_a_while_is_reported_offline(live_server):
    hub = live_server.thread.hub
    hub.supervision.offline_after = __import__("datetime").timedelta(0)
    sup = supervisor(live_server.url)
    kiosk = device(live_server, "kiosk-2")
    kiosk.close()
    from server.hub.websocket import Work
    for _ in range(50):  # until the hub has seen it go (each tick checks)
        live_server.thread._loop.call_soon_threadsafe(hub.queue.put_nowait, Work("tick"))
        try:
            event = sup.event("device_status", timeout=0.2)
            break
        except TimeoutError:
            continue
    else:
        pytest.fail("no device_status event")
    assert event["data"]["device"] == "kiosk-2" and event["data"]["status"] == "offline"
    kiosk = device(live_server, "kiosk-2")
    assert sup.event("device_status")["data"]["status"] == "ok"


def test_a_re_sent_console_command_is_answered_once(live_server):
    sup = supervisor(live_server.url)
    args = {"officer": "dewi", "name": "Dewi", "pin": "86420"}
    first = call(sup, "save_officer", args, cmd_id="save-1")
    sup.close()
    again = supervisor(live_server.url)  # reconnected: the same label and officer
    assert call(again, "save_officer", args, cmd_id="save-1") == first
    assert len(stored_events(live_server.db_path, "officer_changed")) == 1
    other = supervisor(live_server.url, device="web-other")  # another console: its own
    assert call(other, "save_officer", {**args, "name": "Dewi L"}, cmd_id="save-1")["data"][
        "name"] == "Dewi L"


def test_a_moved_ticket_is_one_visit_in_the_central_outbox(live_server):
    kiosk, console = device(live_server, "kiosk-1"), device(live_server, "console-1")
    sup = supervisor(live_server.url)
    kiosk.ok("issue_ticket", **ISSUE)
    sup.ok("move_ticket", ticket="A001", lane="lansia")  # keeps its place: its wait goes on
    _login(console)
    console.ok("call_next", counter="loket-1")
    console.ok("start_service", counter="loket-1")
    console.ok("finish", counter="loket-1")
    conn = sqlite3.connect(live_server.db_path)
    facts = conn.execute("SELECT lane, outcome FROM outbox_facts").fetchall()
    conn.close()
    assert facts == [("lansia", "served")]


def test_a_reinstated_no_show_is_a_visit_of_its_own_in_the_central_outbox(live_server):
    """Called, no-show, reinstated (keeping its place), called again and served: two
    visits, as the office report counts them — neither drops the other."""
    kiosk, console = device(live_server, "kiosk-1"), device(live_server, "console-1")
    sup = supervisor(live_server.url)
    kiosk.ok("issue_ticket", **ISSUE)
    _login(console)
    console.ok("call_next", counter="loket-1")
    console.ok("no_show", counter="loket-1")
    sup.ok("reinstate", ticket="A001")
    console.ok("call_next", counter="loket-1")
    console.ok("start_service", counter="loket-1")
    console.ok("finish", counter="loket-1")
    conn = sqlite3.connect(live_server.db_path)
    facts = conn.execute("SELECT outcome FROM outbox_facts ORDER BY id").fetchall()
    conn.close()
    assert facts == [("no_show",), ("served",)]
