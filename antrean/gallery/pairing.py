"""Screenshots of the pairing screen of each app: the kiosk (landscape and portrait), the
counter console and the display board, each started with no token against a demo office
and showing the code the real server gave it; then the board after a supervisor rejected
its first code (the reason above the new one).

`render_gallery(out_dir)` is run by `antrean demo --headless`. Run alone:
`python -m antrean.gallery.pairing OUT_DIR`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def render_gallery(out_dir: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication, QWidget

    from antrean.demo_office import DemoOffice
    from antrean.gallery.story import wait_until
    from counter_console.app import build_console
    from display_board.app import BoardController
    from hardware.printer import DummyTicketPrinter
    from kiosk.controller import KioskController
    from kiosk.flow import KioskFlow
    from kiosk.screens import KioskWindow
    from office_client.connection import OfficeConnection

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    written: list[Path] = []

    def shoot(window: QWidget, name: str, size: tuple[int, int]) -> None:
        window.resize(*size)
        app.processEvents()
        path = out_dir / f"pairing-{name}.png"
        window.grab().save(str(path))
        written.append(path)

    with DemoOffice() as office:
        from antrean.demo_office import DEMO_SUPERVISOR
        from antrean.gallery.board import WsClient

        officer, _name, pin = DEMO_SUPERVISOR
        supervisor = WsClient(office.url, "supervisor", "web-gallery", officer=officer, pin=pin)
        kiosk_conn = OfficeConnection(office.url, "kiosk", "kiosk-lobby-pc", None, pair=True)
        kiosk = KioskController(kiosk_conn, DummyTicketPrinter(), KioskFlow(kiosk_conn.model))
        kiosk_window = KioskWindow(kiosk)
        console = build_console(office.url, None, "counter-desk-7", pair=True)
        board = BoardController(office.url, device="display-hall-b", pair=True, voice=False)
        apps = ((kiosk_conn, kiosk_window, (1920, 1080)),
                (console.connection, console.window, (1366, 768)),
                (board.connection, board.screen, (1920, 1080)))
        for conn, window, size in apps:
            window.resize(*size)  # before showing: a kiosk's layout is chosen by its shape
            window.show()
            conn.start()

        def coded(conn: OfficeConnection) -> bool:
            view = conn.pairing_view()
            return view is not None and view.code is not None

        if not wait_until(lambda: all(coded(conn) for conn, _, _ in apps), timeout_s=15):
            raise RuntimeError("the server gave no pairing codes")
        shoot(kiosk_window, "kiosk", (1920, 1080))
        shoot(kiosk_window, "kiosk-portrait", (1080, 1920))
        shoot(console.window, "console", (1366, 768))
        shoot(board.screen, "board", (1920, 1080))

        first = board.connection.pairing_view().code
        supervisor.ok("reject_pairing", code=first)
        if not wait_until(lambda: coded(board.connection)
                        and board.connection.pairing_view().code != first, timeout_s=15):
            raise RuntimeError("no new code after a rejection")
        shoot(board.screen, "board-new-code", (1920, 1080))

        supervisor.close()
        kiosk.stop()
        for conn, window, _ in apps:
            conn.stop()
            window.close()
            window.deleteLater()
        board.stop()
        app.processEvents()
    return written


if __name__ == "__main__":
    for p in render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "gallery-out")):
        print(p)
