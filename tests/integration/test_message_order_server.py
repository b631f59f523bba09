"""Each message is taken in the order its client sent it, even when the server has to wait
for something first (a device token or an officer's PIN is checked on a thread), and
however the message was framed (fragments, invalid UTF-8)."""

from __future__ import annotations

import json
import sqlite3

from websockets.exceptions import ConnectionClosed
from ws_helpers import WsClient, device


def test_a_console_that_does_not_wait_is_answered_in_order(live_server):
    kiosk = device(live_server, "kiosk-1")
    issued = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    console = WsClient(live_server.url)
    # all at once, reading nothing: the hello's token check and the login's PIN check run
    # on threads while the rest arrives (more than the 64 that pause reading)
    frames = [{"type": "hello", "protocol": 1, "role": "counter", "device": "console-1",
               "token": live_server.tokens["console-1"]},
              {"type": "command", "id": "login", "name": "login",
               "args": {"officer": "budi", "pin": "1234", "counter": "loket-1"}},
              {"type": "command", "id": "call", "name": "call_next",
               "args": {"counter": "loket-1"}}]
    frames += [{"type": "command", "id": f"p{i}", "name": "ping", "args": {}}
               for i in range(80)]
    frames.append({"type": "command", "id": "again", "name": "login",
                   "args": {"officer": "budi", "pin": "0000", "counter": "loket-1"}})
    frames.append({"type": "command", "id": "last", "name": "ping", "args": {}})
    for frame in frames:
        console.send(frame)
    assert console.recv()["type"] == "welcome"
    results = []
    while len(results) < len(frames) - 1:
        msg = console.recv()
        if msg["type"] == "result":
            results.append(msg)
    assert [r["id"] for r in results] == [f["id"] for f in frames[1:]]
    assert results[0]["ok"] and results[1]["ok"]  # the call came after the login
    assert results[1]["data"]["number"] == issued["number"]
    assert all(r["ok"] for r in results[2:82])
    assert results[82]["error"]["code"] == "unauthorized" and results[83]["ok"]
    console.close()
    kiosk.close()


def test_a_message_sent_in_fragments_is_one_message(live_server):
    kiosk = device(live_server, "kiosk-1")
    text = json.dumps({"type": "command", "id": "frag", "name": "issue_ticket",
                       "args": {"service": "informasi", "lane": "reguler"}})
    kiosk.ws.send([text[:10], text[10:30], text[30:]])  # a text message in 3 frames
    assert kiosk.result_for("frag")["ok"]
    kiosk.ws.send([b"\x00\x01", b"binary"])  # a binary one: answered, not parsed
    error = kiosk.recv()
    while error["type"] == "event":
        error = kiosk.recv()
    assert error["type"] == "error" and error["error"]["code"] == "bad_request"
    assert kiosk.ok("ping")
    kiosk.close()


def test_a_text_frame_that_is_not_utf8_closes_the_connection_1007(live_server):
    kiosk = device(live_server, "kiosk-1")
    board = device(live_server, "board-1")
    kiosk.ws.send(b'{"type": "ping\xff"}', text=True)
    assert kiosk.close_code() == 1007  # invalid data, as websockets' own recv() does
    other = device(live_server, "kiosk-2")  # the server and the others carry on
    number = other.ok("issue_ticket", service="informasi", lane="reguler")["number"]
    assert board.event("ticket_issued")["data"]["ticket"]["number"] == number
    try:
        kiosk.ws.send("{}")
    except ConnectionClosed:
        pass
    other.close()
    board.close()


def test_frames_before_the_hello_check_finishes_wait_for_it(live_server):
    # a wrong token: whatever the client sent behind the hello is never executed
    intruder = WsClient(live_server.url)
    intruder.send({"type": "hello", "protocol": 1, "role": "kiosk", "device": "kiosk-1",
                   "token": "wrong"})
    intruder.send({"type": "command", "id": "x", "name": "issue_ticket",
                   "args": {"service": "informasi", "lane": "reguler"}})
    reply = intruder.recv()
    assert reply["type"] == "error" and reply["error"]["code"] == "unauthorized"
    assert intruder.close_code() == 1008
    kiosk = device(live_server, "kiosk-1")
    assert kiosk.ok("issue_ticket", service="informasi", lane="reguler")["number"] == "F001"
    kiosk.close()


def test_a_hello_the_database_cannot_check_closes_1011_and_the_server_goes_on(live_server):
    with sqlite3.connect(live_server.db_path) as db:  # a real failure of the token check
        db.execute("ALTER TABLE devices RENAME TO devices_away")
    client = WsClient(live_server.url)
    client.send({"type": "hello", "protocol": 1, "role": "kiosk", "device": "kiosk-1",
                 "token": live_server.tokens["kiosk-1"]})
    client.send({"type": "command", "id": "x", "name": "issue_ticket",
                 "args": {"service": "informasi", "lane": "reguler"}})
    assert client.close_code() == 1011  # internal error; what it sent behind is not run
    with sqlite3.connect(live_server.db_path) as db:
        db.execute("ALTER TABLE devices_away RENAME TO devices")
    kiosk = device(live_server, "kiosk-1")
    assert kiosk.ok("issue_ticket", service="informasi", lane="reguler")["number"] == "F001"
    kiosk.close()
