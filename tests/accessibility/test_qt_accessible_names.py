"""What a screen reader reads on the Qt apps: every control on every screen as it is shown
(kiosk: home, booking keyboard, service info, lanes, the ticket; counter console: login,
idle, a call, the transfer and pause dialogs; the hall board) has an accessible name, as
Qt's accessibility layer reports it (an explicit name, a button's text, a field's label)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtNetwork import QAbstractSocket
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTextEdit,
    QWidget,
)

from counter_console.app import build_console
from display_board.board import Board
from display_board.screens import BoardScreen
from hardware.printer import DummyTicketPrinter
from kiosk.controller import KioskController
from kiosk.flow import KioskFlow
from kiosk.screens import KioskWindow
from kiosk.widgets import TouchButton
from office_client.connection import OfficeConnection
from office_client.model import OfficeModel

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView,
            QTextEdit, QPlainTextEdit, QAbstractSlider)
# parts of a control that Qt reads as that control (a table's headers and corner, a
# scroll area's bars, a combo box's popup list)
PARTS = (QHeaderView, QScrollBar)


def _part_of_another_control(widget: QWidget) -> bool:
    if isinstance(widget, PARTS) or widget.objectName() == "qt_tableview_cornerbutton":
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox):
            return True
        parent = parent.parentWidget()
    return False


def unnamed_controls(root: QWidget) -> list[str]:
    """The controls shown under `root` that a screen reader could not name."""
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, CONTROLS) or not widget.isVisible() \
                or _part_of_another_control(widget):
            continue
        iface = QAccessible.queryAccessibleInterface(widget)
        name = iface.text(QAccessible.Text.Name).strip() if iface is not None else ""
        if not name:
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} "
                           f"(in {type(widget.parentWidget()).__name__})")
    return missing


def assert_named(root: QWidget, screen: str) -> int:
    """Checks every shown control; returns how many there were (a screen has some)."""
    missing = unnamed_controls(root)
    assert not missing, f"{screen}:\n" + "\n".join(missing)
    return sum(1 for w in root.findChildren(QWidget) if isinstance(w, CONTROLS)
               and w.isVisible() and not _part_of_another_control(w))


def _close(qtbot, conn: OfficeConnection) -> None:
    conn.stop()
    qtbot.waitUntil(lambda: conn._ws.state() == QAbstractSocket.SocketState.UnconnectedState,
                    timeout=3000)


def test_every_kiosk_screen_names_its_controls(qtbot, live_server):
    conn = OfficeConnection(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    flow = KioskFlow(conn.model)
    controller = KioskController(conn, DummyTicketPrinter(), flow, tick_ms=50,
                                 status_interval_ms=60_000)
    window = KioskWindow(controller)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    conn.start()
    qtbot.waitUntil(lambda: flow.online, timeout=5000)

    def touch(name: str) -> None:
        button = window.findChild(TouchButton, name)
        assert button is not None and button.isVisible(), name
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.findChild(TouchButton, "service-paspor-baru") is not None
                    and window.findChild(TouchButton, "service-paspor-baru").isVisible(),
                    timeout=5000)
    assert assert_named(window, "home") > 5
    touch("booking")
    assert flow.screen == "booking"
    assert assert_named(window, "booking keyboard") > 36
    touch("back")
    touch("info-paspor-baru")
    assert flow.screen == "info"
    assert_named(window, "service info")
    touch("back")
    touch("service-paspor-baru")
    assert flow.screen == "category"
    assert_named(window, "lanes")
    touch("lane-reguler")
    qtbot.waitUntil(lambda: flow.screen == "ticket", timeout=5000)
    assert_named(window, "ticket")
    controller.stop()
    _close(qtbot, conn)


def test_every_console_screen_and_dialog_names_its_controls(qtbot, live_server):
    kiosk = OfficeConnection(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    console = build_console(live_server.url, live_server.tokens["console-1"], "console-1")
    qtbot.addWidget(console.window)
    console.window.resize(1366, 768)
    console.window.show()
    with qtbot.waitSignal(console.connection.welcomed, timeout=5000):
        console.connection.start()
    window, desk = console.window, console.desk
    assert assert_named(window, "login") >= 3
    screen = window.login_screen
    screen.counter.setCurrentIndex(screen.counter.findData("loket-1"))
    qtbot.keyClicks(screen.officer, "budi")
    qtbot.keyClicks(screen.pin, "1234")
    qtbot.keyClick(screen.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.state() == "idle" and not desk.pending, timeout=5000)
    with qtbot.waitSignal(kiosk.welcomed, timeout=5000):
        kiosk.start()
    kiosk.send_command("issue_ticket", {"service": "paspor-baru", "lane": "reguler"})
    qtbot.waitUntil(lambda: len(desk.waiting_list()) == 1, timeout=5000)
    assert_named(window, "idle, one waiting")

    def key(k: Qt.Key) -> None:
        qtbot.keyClick(window.desk_screen.table, k)

    key(Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: desk.state() == "called" and not desk.pending, timeout=5000)
    assert_named(window, "a ticket called")
    key(Qt.Key.Key_F6)
    assert window.transfer_dialog.isVisible()
    assert_named(window, "transfer dialog")
    qtbot.keyClick(window.transfer_dialog.note, Qt.Key.Key_Escape)
    key(Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: desk.state() == "idle" and not desk.pending, timeout=5000)
    key(Qt.Key.Key_F7)
    assert window.pause_dialog.isVisible()
    assert_named(window, "pause dialog")
    _close(qtbot, kiosk)
    _close(qtbot, console.connection)


def test_the_board_is_named(qtbot):
    screen = BoardScreen(Board(OfficeModel()))
    qtbot.addWidget(screen)
    iface = QAccessible.queryAccessibleInterface(screen)
    assert iface.text(QAccessible.Text.Name) == "Papan antrean"
    assert "diumumkan dengan suara" in iface.text(QAccessible.Text.Description)
    assert unnamed_controls(screen) == []
