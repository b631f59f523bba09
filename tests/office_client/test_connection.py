"""The shared Qt connection against the real server: welcome, commands, events, reconnect."""

from office_client.connection import OfficeConnection


def _connect(qtbot, live_server, role, device):
    conn = OfficeConnection(live_server.url, role, device, live_server.tokens.get(device))
    with qtbot.waitSignal(conn.welcomed, timeout=5000):
        conn.start()
    return conn


def test_command_result_and_event_reach_other_clients(qtbot, live_server):
    kiosk = _connect(qtbot, live_server, "kiosk", "kiosk-1")
    board = _connect(qtbot, live_server, "observer", None)
    results = []
    with qtbot.waitSignal(board.event_applied, timeout=5000) as ev:
        kiosk.send_command("issue_ticket", {"service": "paspor-baru", "lane": "lansia"},
                           results.append)
    assert ev.args[0]["name"] == "ticket_issued"
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results[0]["ok"] and results[0]["data"]["number"] == "A001"
    assert board.model.waiting[0]["number"] == "A001"
    assert "status_url" not in board.model.waiting[0]  # public view
    kiosk.stop()
    board.stop()


def test_reconnects_and_resyncs_after_server_restart(qtbot, live_server):
    kiosk = _connect(qtbot, live_server, "kiosk", "kiosk-1")
    board = _connect(qtbot, live_server, "display", "board-1")
    with qtbot.waitSignal(board.event_applied, timeout=5000):
        kiosk.send_command("issue_ticket", {"service": "paspor-baru", "lane": "reguler"})
    with qtbot.waitSignal(board.state_changed, timeout=5000,
                          check_params_cb=lambda s: s == "offline"):
        live_server.thread.stop()
    live_server.restart()
    with qtbot.waitSignal(board.welcomed, timeout=15000):
        pass
    results = []
    kiosk.send_command("issue_ticket", {"service": "paspor-baru", "lane": "reguler"},
                       results.append)
    qtbot.waitUntil(lambda: len(board.model.waiting) == 2, timeout=15000)
    qtbot.waitUntil(lambda: bool(results), timeout=15000)
    assert results[0]["data"]["number"] == "A002"
    assert [t["number"] for t in board.model.waiting] == ["A001", "A002"]
    kiosk.stop()
    board.stop()
