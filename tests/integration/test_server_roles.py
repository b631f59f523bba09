"""The real server with real WebSocket clients: every role's commands and refusals,
idempotent re-send, the public view, HTTP routes, PIN lockout."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

import pytest
from ws_helpers import WsClient, device, join

ANSWERS = [4, 3, 4, 4, 3, 4, 4, 3, 4]


def http_get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_whole_visit_through_every_role(live_server):
    kiosk = device(live_server, "kiosk-1")
    console = device(live_server, "console-1")
    admin = device(live_server, "admin-1")
    board = device(live_server, "board-1")
    assert console.welcome["session"] == {"counter": None, "bound_counter": None}
    assert board.welcome["snapshot"]["office"]["id"] == "kanim-contoh"

    # kiosk
    ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="lansia", lang="en")
    assert ticket["number"] == "A001" and ticket["ahead"] == 0 and ticket["lang"] == "en"
    assert kiosk.ok("report_device_status", status="paper_near_end", detail="2 m") == {}
    assert board.event("ticket_issued")["data"]["ticket"]["number"] == "A001"
    assert admin.event("device_status")["data"]["status"] == "paper_near_end"
    assert board.event("device_status")["data"] == {}  # public: sent (its seq), but empty

    # admin
    assert admin.ok("import_bookings", bookings=[
        {"code": "BK-7", "service": "paspor-ganti",
         "slot_start": admin.welcome["server_time"][:16]}]) == {"imported": 1}
    booked = kiosk.ok("check_in", booking_code="bk-7")
    assert booked["booked"] and booked["number"] == "B001"
    assert admin.ok("set_announcement", text={"id": "Halo", "en": "Hello"}) == {}
    assert board.event("announcement")["data"]["text"] == {"id": "Halo", "en": "Hello"}
    assert admin.ok("open_counter", counter="loket-4")["status"] == "open"
    assert admin.ok("close_counter", counter="loket-4")["status"] == "closed"

    # counter
    login = console.ok("login", officer="budi", pin="1234", counter="loket-1")
    assert login["officer"] == {"id": "budi", "name": "Budi Santoso"}
    called = console.ok("call_next", counter="loket-1")
    assert called["number"] == "A001" and called["reason"]["code"] == "priority_lane"
    shown = board.event("ticket_called")["data"]
    assert shown["counter_name"] == "Loket 1" and "officer" not in shown
    assert console.ok("recall", counter="loket-1")["recalls"] == 1
    console.ok("start_service", counter="loket-1")
    moved = console.ok("transfer", counter="loket-1", service="paspor-baru")
    assert moved["stage"] == "foto-wawancara" and moved["number"] == "A001"
    assert console.ok("call_ticket", counter="loket-1", ticket="A001")["reason"]["code"] \
        == "manual"
    console.ok("start_service", counter="loket-1")
    done = console.ok("finish", counter="loket-1")
    assert done["status"] == "done"
    assert console.ok("call_next", counter="loket-1")["number"] == "B001"
    assert console.ok("no_show", counter="loket-1")["status"] == "no_show"
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    assert console.ok("cancel", ticket="A002", reason="salah")["status"] == "cancelled"
    assert console.ok("pause", counter="loket-1", reason="istirahat")["status"] == "paused"
    assert console.ok("resume", counter="loket-1")["status"] == "open"
    assert console.ok("close_counter", counter="loket-1")["status"] == "closed"
    console.ok("login", officer="budi", pin="1234", counter="loket-1")
    assert console.ok("logout") == {}

    # any role; survey through the kiosk
    for client in (kiosk, console, admin, board):
        assert "server_time" in client.ok("ping")
    assert kiosk.ok("submit_survey", ticket="A001", answers=ANSWERS) == {}
    survey = admin.event("survey_submitted")["data"]
    assert survey["service"] == "paspor-baru" and "ticket" not in survey
    assert board.event("survey_submitted")["data"] == {}

    # the board saw every event once, in order, without gaps
    seqs = [ev["seq"] for ev in board.events]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    for c in (kiosk, console, admin, board):
        c.close()


@pytest.mark.parametrize(("who", "name", "args"), [
    ("board-1", "issue_ticket", {"service": "paspor-baru", "lane": "reguler"}),
    ("admin-1", "issue_ticket", {"service": "paspor-baru", "lane": "reguler"}),
    ("console-1", "check_in", {"booking_code": "X"}),
    ("kiosk-1", "call_next", {"counter": "loket-1"}),
    ("kiosk-1", "login", {"officer": "budi", "pin": "1234", "counter": "loket-1"}),
    ("board-1", "finish", {"counter": "loket-1"}),
    ("console-1", "set_announcement", {"text": "x"}),
    ("kiosk-1", "cancel", {"ticket": "A001"}),
    ("console-1", "import_bookings", {"bookings": []}),
    ("admin-1", "call_next", {"counter": "loket-1"}),
    ("kiosk-1", "open_counter", {"counter": "loket-1"}),
])
def test_role_refusals(live_server, who, name, args):
    client = device(live_server, who)
    message = client.refused(name, "forbidden", **args)
    assert name in message
    client.close()


def test_observer_may_only_ping(live_server):
    observer = join(live_server.url, "observer")
    assert "server_time" in observer.ok("ping")
    observer.refused("issue_ticket", "forbidden", service="paspor-baru", lane="reguler")
    observer.refused("report_device_status", "forbidden", status="ok")
    observer.close()


def test_bound_console_is_kept_to_its_counter(live_server):
    console = device(live_server, "console-3")
    assert console.welcome["session"]["bound_counter"] == "loket-3"
    console.refused("login", "forbidden", officer="sari", pin="5678", counter="loket-1")
    console.ok("login", officer="sari", pin="5678", counter="loket-3")
    console.refused("call_next", "forbidden", counter="loket-1")
    console.refused("call_next", "queue_empty", counter="loket-3")
    console.close()


def test_console_reconnects_into_its_session_with_its_secret(live_server):
    console = device(live_server, "console-2")
    secret = console.ok("login", officer="andi", pin="2468", counter="loket-2")["session"]
    console.close()
    again = WsClient(live_server.url)
    welcome = again.hello("counter", "console-2", live_server.tokens["console-2"],
                          session=secret)
    assert welcome["session"]["counter"] == "loket-2"
    again.refused("call_next", "queue_empty", counter="loket-2")  # logged in, line empty
    again.close()


def test_idempotent_resend(live_server):
    kiosk = device(live_server, "kiosk-1")
    board = device(live_server, "board-1")
    cmd = {"type": "command", "id": "same-id-1", "name": "issue_ticket",
           "args": {"service": "informasi", "lane": "reguler"}}
    kiosk.send(cmd)
    first = kiosk.raw_result()
    kiosk.send(cmd)
    second = kiosk.raw_result()
    assert first == second  # byte-identical result
    assert json.loads(first)["data"]["number"] == "F001"
    # a fresh command proves the re-send made no event of its own
    assert kiosk.ok("issue_ticket", service="informasi", lane="reguler")["number"] == "F002"
    issued = [board.event("ticket_issued")["data"]["ticket"]["number"] for _ in range(2)]
    assert issued == ["F001", "F002"]
    assert board.events == []
    # … and after a restart, from the durable result table
    kiosk.close()
    board.close()
    live_server.restart()
    kiosk = device(live_server, "kiosk-1")
    kiosk.send(cmd)
    assert kiosk.raw_result() == first
    snap = join(live_server.url, "observer").welcome["snapshot"]
    assert [tk["number"] for tk in snap["waiting"]] == ["F001", "F002"]
    with sqlite3.connect(live_server.db_path) as db:
        assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 2
        (result,), = db.execute("SELECT result FROM command_results "
                                "WHERE id = 'same-id-1'").fetchall()
        assert result == first
    kiosk.close()


def test_same_command_id_from_another_device_is_another_command(live_server):
    one, two = device(live_server, "kiosk-1"), device(live_server, "kiosk-2")
    a = one.command("issue_ticket", cmd_id="k-1", service="informasi", lane="reguler")
    b = two.command("issue_ticket", cmd_id="k-1", service="informasi", lane="reguler")
    assert {a["data"]["number"], b["data"]["number"]} == {"F001", "F002"}
    one.close()
    two.close()


def test_observer_gets_the_public_view(live_server):
    kiosk = device(live_server, "kiosk-1")
    console = device(live_server, "console-1")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    console.ok("login", officer="budi", pin="1234", counter="loket-1")
    console.ok("call_next", counter="loket-1")
    observer = join(live_server.url, "observer")
    snap = observer.welcome["snapshot"]
    text = json.dumps(snap)
    assert "status_url" not in text and "Budi" not in text and '"officer"' not in text
    assert snap["waiting"][0]["number"] == "A002"
    counter = next(c for c in snap["counters"] if c["id"] == "loket-1")
    assert counter["ticket"]["number"] == "A001" and counter["status"] == "open"
    admin = device(live_server, "admin-1")
    assert next(c for c in admin.welcome["snapshot"]["counters"]
                if c["id"] == "loket-1")["officer"] == "budi"
    console.ok("start_service", counter="loket-1")
    console.ok("finish", counter="loket-1")
    finished = observer.event("ticket_finished")["data"]
    assert "officer" not in finished and "status_url" not in finished["ticket"]
    for c in (kiosk, console, observer, admin):
        c.close()


def test_http_health_and_ticket_page(live_server):
    status, health = http_get(live_server.http_url + "/health")
    assert status == 200 and health["ok"] is True and health["db"] == "ok"
    kiosk = device(live_server, "kiosk-1")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="lansia")
    url = ticket["status_url"]
    assert url.startswith(live_server.http_url + "/t/")
    status, page = http_get(url + ".json")
    assert status == 200
    assert page["number"] == "A002" and page["status"] == "waiting" and page["ahead"] == 0
    assert page["service_name"]["id"] == "Paspor Baru" and page["lane_priority"] is True
    assert "status_url" not in page and "token" not in page
    assert http_get(live_server.http_url + "/t/notarealtoken123.json")[0] == 404
    assert http_get(live_server.http_url + "/nothing-here")[0] == 404
    # survey over HTTP: only once the visit is done
    status, res = http_get(url + "/survey?answers=4,3,4,4,3,4,4,3,4")
    assert status == 400 and res["error"]["code"] == "invalid_state"
    kiosk.close()


def test_pin_lockout_after_five_failures(live_server):
    console = device(live_server, "console-1")
    for _ in range(4):
        console.refused("login", "unauthorized", officer="budi", pin="0000", counter="loket-1")
    message = console.refused("login", "locked_out", officer="budi", pin="0000",
                              counter="loket-1")
    assert "1 " in message  # minutes left: the first lockout of this console and id
    console.refused("login", "locked_out", officer="budi", pin="1234", counter="loket-1")
    # another officer is not affected; an unknown officer just fails
    console.ok("login", officer="sari", pin="5678", counter="loket-1")
    console.refused("login", "unauthorized", officer="nobody", pin="1234", counter="loket-2")
    console.close()


def test_engine_errors_come_back_as_results(live_server):
    kiosk = device(live_server, "kiosk-1")
    kiosk.refused("issue_ticket", "not_found", service="visa", lane="reguler")
    kiosk.refused("issue_ticket", "bad_request", service="paspor-baru", lane="vip")
    kiosk.refused("check_in", "not_found", booking_code="NOPE")
    console = device(live_server, "console-1")
    console.refused("call_next", "forbidden", counter="loket-1")  # not logged in
    console.refused("logout", "invalid_state")
    kiosk.close()
    console.close()
