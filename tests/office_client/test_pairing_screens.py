"""The pairing screen of each app (kiosk, counter console, display board): laid over the
whole window while the app is unpaired, the code big enough to read across a room,
Indonesian first and English too, gone once the paired device is welcomed. The apps are
built as `antrean kiosk|counter|display` builds them, with a connection that is never
started: the server's messages are scripted into its `Pairing` here (the real exchange is
tests/integration/test_pairing_devices.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

from counter_console.app import build_console
from counter_console.style import PAIRING_THEME as CONSOLE_THEME
from display_board.app import BoardController
from display_board.screens import PAIRING_THEME as BOARD_THEME
from hardware.printer import DummyTicketPrinter
from kiosk.controller import KioskController
from kiosk.flow import KioskFlow
from kiosk.screens import PAIRING_THEME as KIOSK_THEME
from kiosk.screens import KioskWindow
from office_client.connection import OfficeConnection
from office_client.pairing_screen import PairingScreen, PairingTheme

NOWHERE = "ws://127.0.0.1:9/ws"  # never dialled: the connections are not started
SIZES = {"kiosk": (1920, 1080), "counter": (1366, 768), "display": (1920, 1080)}


@dataclass
class App:
    connection: OfficeConnection
    window: QWidget
    pairing_screen: PairingScreen
    theme: PairingTheme
    stop: Callable[[], object]


def build(kind: str) -> App:
    if kind == "kiosk":
        conn = OfficeConnection(NOWHERE, "kiosk", "kiosk-lobby-pc", None, pair=True)
        controller = KioskController(conn, DummyTicketPrinter(), KioskFlow(conn.model))
        window = KioskWindow(controller)
        return App(conn, window, window.pairing_screen, KIOSK_THEME, controller.stop)
    if kind == "counter":
        console = build_console(NOWHERE, None, "desk-pc", pair=True)
        return App(console.connection, console.window, console.pairing_screen,
                   CONSOLE_THEME, console.stop)
    board = BoardController(NOWHERE, device="board-hall", pair=True, voice=False)
    return App(board.connection, board.screen, board.pairing_screen, BOARD_THEME,
               board.stop)


@pytest.fixture(params=["kiosk", "counter", "display"])
def app(request, qtbot):
    made = build(request.param)
    qtbot.addWidget(made.window)
    made.window.resize(*SIZES[request.param])
    made.window.show()
    qtbot.waitExposed(made.window)
    yield made
    made.stop()


def show_code(app: App, code: str = "483 912") -> None:
    """What the connection does on the server's `pairing` message."""
    app.connection.pairing.connected()
    assert app.connection.pairing.on_pairing(
        {"type": "pairing", "code": code, "expires_at": "2099-12-07T08:22:00+07:00"})
    app.connection.pairing_changed.emit(app.connection.pairing_view())


def code_height(image: QImage, colour: str) -> int:
    """Rows of the window in which the code's own colour is painted."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = rgb.width(), rgb.height()
    pixels = np.frombuffer(rgb.constBits(), np.uint8).reshape(height, rgb.bytesPerLine())
    pixels = pixels[:, :width * 3].reshape(height, width, 3)
    c = QColor(colour)
    rows = np.where((pixels == (c.red(), c.green(), c.blue())).all(axis=2).any(axis=1))[0]
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def test_an_unpaired_app_opens_on_the_pairing_screen(app):
    screen = app.pairing_screen
    assert screen.isVisible() and screen.geometry() == app.window.rect()
    lines = screen.texts.lines()
    assert lines[:2] == ["Perangkat ini belum terdaftar", "This device is not paired yet"]
    assert "Tidak terhubung ke server. Mencoba lagi…" in lines  # never dialled


def test_the_code_fills_the_middle_of_the_screen_in_both_languages(app, qtbot):
    show_code(app)
    screen = app.pairing_screen
    texts = screen.texts
    assert texts.code == "483 912"
    assert texts.valid_until == ("Berlaku sampai pukul 08:22 WIB", "Valid until 08:22 WIB")
    assert texts.instruction[0].startswith("Sampaikan kode ini")
    assert texts.instruction[1].startswith("Give this code")
    image = app.window.grab().toImage()
    # Readable across a room: the digits are at least a sixth of the window's height.
    assert code_height(image, app.theme.code) >= app.window.height() / 6


def test_the_screen_follows_the_window_size(app, qtbot):
    show_code(app)
    app.window.resize(1080, 1920)
    qtbot.waitUntil(lambda: app.pairing_screen.geometry() == app.window.rect(), timeout=2000)
    image = app.window.grab().toImage()
    assert code_height(image, app.theme.code) >= 1920 / 20


def test_a_rejected_code_is_explained_above_the_next_one(app):
    show_code(app)
    app.connection.pairing.on_error({"type": "error", "error": {
        "code": "unauthorized", "message": "The pairing request was rejected or has expired"}})
    app.connection.pairing.disconnected()
    show_code(app, "120 771")
    texts = app.pairing_screen.texts
    assert texts.code == "120 771"
    assert texts.notice == ("Kode 483 912 ditolak atau kedaluwarsa. Kode baru diminta.",
                            "Code 483 912 was rejected or has expired. A new code is on its "
                            "way.")


def test_once_welcomed_the_app_itself_shows(app, qtbot):
    show_code(app)
    with qtbot.waitSignal(app.connection.pairing_changed, timeout=1000):
        app.connection.pairing_changed.emit(None)  # what a welcome after pairing sends
    assert not app.pairing_screen.isVisible()
