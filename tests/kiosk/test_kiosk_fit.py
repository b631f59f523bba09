"""Every kiosk screen fits a 1920×1080 and a 1080×1920 monitor, in both languages.

Qt grows a window past the size asked for when its layout's minimum does not fit (the
booking keyboard once made the kiosk 1172 px tall on a 1080 px screen, its bottom row
off the glass): the window must keep exactly the monitor's size, and every visible control
must lie on it.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QWidget

from hardware.printer import DummyTicketPrinter
from kiosk.controller import KioskController
from kiosk.flow import KioskFlow
from kiosk.screens import KioskWindow
from office_client.connection import OfficeConnection

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
SCREENS = ("attract", "home", "category", "booking", "info", "unconfirmed", "ticket",
           "print-failed", "offline")


def issued_data(lang: str) -> dict:
    return {"id": "t_20261123_A013", "number": "A013", "service": "paspor-baru",
            "stage": "s1", "lane": "lansia", "status": "waiting",
            "issued_at": "2026-11-23T08:15:00+07:00", "ahead": 3, "estimated_wait_s": 600,
            "status_url": "http://h:8765/t/abcdefgh1234", "lang": lang}


@pytest.fixture
def kiosk(qtbot, model, clock):
    # never started: the screens are driven from the flow, with a loaded model
    conn = OfficeConnection("ws://127.0.0.1:9/ws", "kiosk", "kiosk-1", "unused")
    flow = KioskFlow(model, clock=clock)
    controller = KioskController(conn, DummyTicketPrinter(), flow, tick_ms=3_600_000,
                                 status_interval_ms=3_600_000)
    flow.set_connection("online")
    window = KioskWindow(controller)
    qtbot.addWidget(window)
    window.show()
    yield flow, window
    controller.stop()


def put(flow: KioskFlow, screen: str, lang: str) -> None:
    flow.pending = None
    flow.go_home(reset=True)
    flow.set_connection("online")
    flow.lang = lang
    if screen == "attract":
        flow.go_attract()
    elif screen == "category":
        flow.choose_service("paspor-baru")
    elif screen == "booking":
        flow.open_booking()
        for key in "MP2611":
            flow.booking_key(key)
        flow.error = "Kode booking tidak ditemukan. Periksa kembali kode Anda."
    elif screen == "info":
        flow.open_info("paspor-baru")
    elif screen == "unconfirmed":
        (cmd,) = flow.choose_service("informasi")
        flow.on_result(cmd.cmd_id, {"ok": False, "error": {"code": "not_confirmed"}})
    elif screen in ("ticket", "print-failed"):
        (cmd,) = flow.choose_service("informasi")
        flow.on_result(cmd.cmd_id, {"ok": True, "data": issued_data(lang=lang)})
        flow.print_finished("t_20261123_A013", screen == "ticket", "paper_out", "roll empty")
        if screen == "print-failed":
            flow.call_staff()  # the longest message this screen shows
    elif screen == "offline":
        flow.printer_status("paper_out", "roll empty")
        flow.set_connection("offline")


def settle(window: KioskWindow, size: tuple[int, int]) -> None:
    window.resize(*size)
    window.render()
    # a rotation re-arranges inner layouts, whose requests the window handles a round later
    for _ in range(3):
        QApplication.processEvents()


def rotate_to(window: KioskWindow, size: tuple[int, int]) -> None:
    """The other orientation first, then `size`: as a monitor turned, or the gallery."""
    settle(window, (size[1], size[0]))
    settle(window, size)


def off_screen(window: KioskWindow) -> list[str]:
    """Visible widgets that reach past the window's edges."""
    area = QRect(QPoint(0, 0), window.size())
    out = []
    for child in window.findChildren(QWidget):
        if child.isVisibleTo(window) and child.width() > 0 and child.height() > 0:
            box = QRect(child.mapTo(window, QPoint(0, 0)), child.size())
            if not area.contains(box):
                out.append(f"{type(child).__name__} {child.objectName()} {box}")
    return out


@pytest.mark.parametrize("orientation", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_every_screen_fits_the_monitor(kiosk, screen, orientation):
    flow, window = kiosk
    size = SIZES[orientation]
    for lang in ("id", "en"):
        put(flow, screen, lang)
        rotate_to(window, size)
        assert flow.screen == ("home" if screen == "offline" else
                               {"unconfirmed": "issuing", "print-failed": "ticket"}.get(
                                   screen, screen))
        assert (window.width(), window.height()) == size, (screen, lang)
        assert window.layout().totalMinimumSize().height() <= size[1], (screen, lang)
        assert off_screen(window) == [], (screen, lang)


def test_offline_message_wraps_at_full_size_instead_of_shrinking(kiosk):
    flow, window = kiosk
    put(flow, "offline", "id")
    settle(window, SIZES["landscape"])
    wide = window.banner.height()
    settle(window, SIZES["portrait"])
    banner = window.banner
    text_h, detail_h = banner.text_heights()
    # taller in portrait (more lines), and tall enough for every line at its full size
    assert banner.height() > wide
    assert banner.height() >= text_h + detail_h + banner.FRAME_PX
    assert detail_h > 40  # the detail wrapped to two lines or more, not squeezed into one
