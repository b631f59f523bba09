"""What a screen reader reads on the Qt apps: every control of every screen (kiosk, counter
console with its dialogs, hall board) has an accessible name, as Qt's accessibility layer
reports it (an explicit name, a button's text, or a field's label)."""

from __future__ import annotations

from PySide6.QtGui import QAccessible
from PySide6.QtNetwork import QAbstractSocket
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
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
from office_client.connection import OfficeConnection
from office_client.model import OfficeModel

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView,
            QTextEdit, QPlainTextEdit, QAbstractSlider)


def _inside_combo_popup(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox):
            return True
        parent = parent.parentWidget()
    return False


def unnamed_controls(root: QWidget) -> list[str]:
    """Controls under `root` (shown or on another page of a stack) without a name."""
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, CONTROLS):
            continue
        if _inside_combo_popup(widget):
            continue  # the list of a combo box's popup: read as the combo box's items
        iface = QAccessible.queryAccessibleInterface(widget)
        name = iface.text(QAccessible.Text.Name).strip() if iface is not None else ""
        if not name:
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} "
                           f"(parent {type(widget.parent()).__name__})")
    return missing


def _close(qtbot, conn: OfficeConnection) -> None:
    conn.stop()
    qtbot.waitUntil(lambda: conn._ws.state() == QAbstractSocket.SocketState.UnconnectedState,
                    timeout=3000)


def test_every_kiosk_control_has_a_name(qtbot, live_server):
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
    assert unnamed_controls(window) == []
    controller.stop()
    _close(qtbot, conn)


def test_every_console_control_has_a_name(qtbot, live_server):
    console = build_console(live_server.url, live_server.tokens["console-1"], "console-1")
    qtbot.addWidget(console.window)
    console.window.resize(1366, 768)
    console.window.show()
    with qtbot.waitSignal(console.connection.welcomed, timeout=5000):
        console.connection.start()
    assert unnamed_controls(console.window) == []
    _close(qtbot, console.connection)


def test_the_board_is_named(qtbot):
    screen = BoardScreen(Board(OfficeModel()))
    qtbot.addWidget(screen)
    iface = QAccessible.queryAccessibleInterface(screen)
    assert iface.text(QAccessible.Text.Name) == "Papan antrean"
    assert "diumumkan dengan suara" in iface.text(QAccessible.Text.Description)
    assert unnamed_controls(screen) == []
