"""Resync: a client that comes back (after a restart of the server) with its last seq
gets the missed events with no gap, or a snapshot when it cannot be replayed."""

from __future__ import annotations

from ws_helpers import device, join


def test_resync_after_restart_replays_missed_events(live_server):
    board = device(live_server, "board-1")
    kiosk = device(live_server, "kiosk-1")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    seen = board.event("ticket_issued")["seq"]
    board.close()
    kiosk.ok("issue_ticket", service="paspor-baru", lane="lansia")  # missed by the board
    kiosk.close()

    live_server.restart()
    kiosk = device(live_server, "kiosk-1")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")  # after the restart
    back = join(live_server.url, "display", "board-1", live_server.tokens["board-1"],
                last_seq=seen)
    assert back.welcome["snapshot"] is None
    replayed = [back.event() for _ in range(back.welcome["seq"] - seen)]
    assert [ev["seq"] for ev in replayed] == list(range(seen + 1, back.welcome["seq"] + 1))
    numbers = [ev["data"]["ticket"]["number"] for ev in replayed
               if ev["name"] == "ticket_issued"]
    assert numbers == ["A002", "A003"]
    assert all("status_url" not in ev["data"]["ticket"] for ev in replayed
               if ev["name"] == "ticket_issued")  # replay is public too
    # live events continue right after the replay
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    live = back.event("ticket_issued")
    assert live["seq"] == back.welcome["seq"] + 1
    assert live["data"]["ticket"]["number"] == "A004"
    back.close()
    kiosk.close()


def test_hello_without_history_gets_a_snapshot(live_server):
    kiosk = device(live_server, "kiosk-1")
    kiosk.ok("issue_ticket", service="informasi", lane="reguler")
    kiosk.close()
    live_server.restart()
    fresh = join(live_server.url, "observer")
    snap = fresh.welcome["snapshot"]
    assert [tk["number"] for tk in snap["waiting"]] == ["F001"]
    assert fresh.welcome["seq"] >= 1
    fresh.close()


def test_last_seq_from_the_future_gets_a_snapshot(live_server):
    board = join(live_server.url, "observer", last_seq=10_000)
    assert board.welcome["snapshot"] is not None
    board.close()


def test_resync_message_on_an_open_connection(live_server):
    board = device(live_server, "board-1")
    kiosk = device(live_server, "kiosk-1")
    for _ in range(3):
        kiosk.ok("issue_ticket", service="informasi", lane="reguler")
    first = [board.event("ticket_issued")["seq"] for _ in range(3)]
    board.send({"type": "resync", "last_seq": first[0]})
    again = board.recv()
    while again["type"] != "welcome":
        again = board.recv()
    assert again["snapshot"] is None
    assert [board.event()["seq"] for _ in range(again["seq"] - first[0])] == \
        list(range(first[0] + 1, again["seq"] + 1))
    board.close()
    kiosk.close()
