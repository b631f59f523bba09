"""A whole (short) office day across every part, on the real server: applicants touch the
kiosk (tickets print), an officer works the counter console from the keyboard, the hall
board shows and announces each call once, an applicant answers the survey on the phone
page, and the office report counts it all from the event log."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtNetwork import QAbstractSocket

from counter_console.app import build_console
from display_board.app import BoardController
from hardware.printer import DummyTicketPrinter
from kiosk.controller import KioskController
from kiosk.flow import KioskFlow
from kiosk.screens import KioskWindow
from kiosk.widgets import TouchButton
from office_client.connection import OfficeConnection
from reports.report import build_report
from voice.synth import Synthesizer


def _close(qtbot, conn: OfficeConnection) -> None:
    conn.stop()
    qtbot.waitUntil(lambda: conn._ws.state() == QAbstractSocket.SocketState.UnconnectedState,
                    timeout=5000)


def _touch(qtbot, window, name: str) -> None:
    button = window.findChild(TouchButton, name)
    assert button is not None and button.isEnabled(), name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_day_across_kiosk_console_board_phone_and_report(qtbot, live_server, open_office,
                                                          tmp_path):
    # the hall board, with its voice
    board = BoardController(live_server.url, token=live_server.tokens["board-1"],
                            device="board-1", synthesizer=Synthesizer(cache_dir=tmp_path))
    qtbot.addWidget(board.screen)
    with qtbot.waitSignal(board.connection.welcomed, timeout=5000):
        board.start()

    # the kiosk: three applicants, at most three touches each
    conn = OfficeConnection(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    printer = DummyTicketPrinter()
    flow = KioskFlow(conn.model)
    kiosk = KioskController(conn, printer, flow, tick_ms=50, status_interval_ms=60_000)
    window = KioskWindow(kiosk)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    conn.start()
    qtbot.waitUntil(lambda: flow.online, timeout=5000)
    for n, (service, lane) in enumerate((("paspor-baru", "reguler"), ("paspor-baru", "lansia"),
                                         ("paspor-ganti", "reguler")), start=1):
        _touch(qtbot, window, f"service-{service}")
        _touch(qtbot, window, f"lane-{lane}")
        qtbot.waitUntil(lambda n=n: len(printer.tickets) == n and flow.screen == "ticket",
                        timeout=5000)
        _touch(qtbot, window, "done")
    assert [t.number for t in printer.tickets] == ["A001", "A002", "B001"]
    elder_url = printer.tickets[1].status_url

    # the officer: log in and work from the keyboard only
    console = build_console(live_server.url, live_server.tokens["console-1"], "console-1")
    qtbot.addWidget(console.window)
    console.window.show()
    with qtbot.waitSignal(console.connection.welcomed, timeout=5000):
        console.connection.start()
    login = console.window.login_screen
    login.counter.setCurrentIndex(login.counter.findData("loket-1"))
    qtbot.keyClicks(login.officer, "budi")
    qtbot.keyClick(login.officer, Qt.Key.Key_Return)
    qtbot.keyClicks(login.pin, "1234")
    qtbot.keyClick(login.pin, Qt.Key.Key_Return)
    desk = console.desk
    qtbot.waitUntil(lambda: desk.state() == "idle" and not desk.pending, timeout=5000)

    def press(key, state):
        qtbot.keyClick(console.window.desk_screen.table, key)
        qtbot.waitUntil(lambda: desk.state() == state and not desk.pending, timeout=5000)

    served = []
    for _ in range(2):  # the elderly applicant first (priority lane), then the regular one
        press(Qt.Key.Key_F1, "called")
        served.append(desk.view().current.number)
        press(Qt.Key.Key_F3, "serving")
        press(Qt.Key.Key_F4, "idle")
    press(Qt.Key.Key_F1, "called")  # B001 does not come: no-show
    press(Qt.Key.Key_F5, "idle")
    assert served == ["A002", "A001"]

    # the board showed and announced every call exactly once
    qtbot.waitUntil(lambda: len(board.calls_announced) == 3, timeout=10000)
    assert [c.number for c in board.calls_announced] == ["A002", "A001", "B001"]
    assert board.board.latest.number == "B001"

    # the elderly applicant answers the SKM survey on the phone page
    with urllib.request.urlopen(f"{elder_url}.json", timeout=10) as r:
        assert json.load(r)["status"] == "done"
    with urllib.request.urlopen(f"{elder_url}/survey?answers=4,4,3,4,3,4,4,3,4&comment=cepat",
                                timeout=10) as r:
        assert json.load(r)["ok"]

    # the office report counts the day from the event log, to the ticket
    today = datetime.now(open_office.tz).date()
    report = build_report(live_server.db_path, open_office, today, today)
    s = report.summary
    assert (s.issued, s.served, s.no_show, s.calls) == (3, 2, 1, 3)
    assert report.skm.respondents == 1

    kiosk.stop()
    board.stop()  # also stops its voice: never destroy a playing media player
    for c in (conn, console.connection, board.connection):
        _close(qtbot, c)
