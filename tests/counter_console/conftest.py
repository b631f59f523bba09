"""Fixtures for the counter console: a console window against the real server, and a
kiosk connection to issue tickets."""

import threading

import pytest
from PySide6.QtNetwork import QAbstractSocket

from counter_console.app import build_console
from office_client.connection import OfficeConnection


@pytest.fixture
def make_console(qtbot, live_server):
    made = []

    def make(device: str = "console-1", lang: str = "id", **kwargs):
        console = build_console(live_server.url, live_server.tokens[device], device, lang=lang,
                                **kwargs)
        qtbot.addWidget(console.window)
        console.window.resize(1366, 768)
        console.window.show()
        with qtbot.waitSignal(console.connection.welcomed, timeout=5000):
            console.connection.start()
        made.append(console)
        return console

    yield make
    for console in made:
        close_connection(qtbot, console.connection)


@pytest.fixture
def kiosk(qtbot, live_server):
    conn = OfficeConnection(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    with qtbot.waitSignal(conn.welcomed, timeout=5000):
        conn.start()

    def issue(service: str = "paspor-baru", lane: str = "reguler") -> dict:
        results = []
        conn.send_command("issue_ticket", {"service": service, "lane": lane, "lang": "id"},
                          results.append)
        qtbot.waitUntil(lambda: bool(results), timeout=5000)
        assert results[0]["ok"], results[0]
        return results[0]["data"]

    conn.issue = issue
    yield conn
    close_connection(qtbot, conn)


def close_connection(qtbot, conn: OfficeConnection) -> None:
    """Stop and let Qt finish the close handshake, so the server doesn't wait it out."""
    conn.stop()
    qtbot.waitUntil(lambda: conn._ws.state() == QAbstractSocket.SocketState.UnconnectedState,
                    timeout=5000)


def stop_server(qtbot, live_server) -> None:
    """Stop the server off the GUI thread: Qt must keep answering its close frames."""
    stopper = threading.Thread(target=live_server.thread.stop)
    stopper.start()
    qtbot.waitUntil(lambda: not stopper.is_alive(), timeout=15000)
