"""The real kiosk widgets against the real server: touches, printing, failures, offline."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtNetwork import QAbstractSocket

from hardware.printer import DummyTicketPrinter, open_printer
from kiosk.controller import KioskController
from kiosk.devices import ScannerReader
from kiosk.flow import KioskFlow
from kiosk.screens import KioskWindow
from kiosk.widgets import MIN_TOUCH_PX, TouchButton
from office_client.connection import OfficeConnection


@pytest.fixture
def kiosk(qtbot, live_server, clock):
    conn = OfficeConnection(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    printer = DummyTicketPrinter()
    flow = KioskFlow(conn.model, clock=clock)
    controller = KioskController(conn, printer, flow, tick_ms=50, status_interval_ms=60_000)
    window = KioskWindow(controller)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    conn.start()
    qtbot.waitUntil(lambda: flow.online, timeout=5000)
    yield SimpleNamespace(conn=conn, printer=printer, flow=flow, controller=controller,
                          window=window, server=live_server, clock=clock)
    controller.stop()
    close(qtbot, conn)


def close(qtbot, conn: OfficeConnection) -> None:
    # Let the close handshake finish, or the server waits 5 s for it at shutdown.
    conn.stop()
    qtbot.waitUntil(lambda: conn._ws.state() == QAbstractSocket.SocketState.UnconnectedState,
                    timeout=3000)


def button(k, name: str) -> TouchButton:
    found = k.window.findChild(TouchButton, name)
    assert found is not None, name
    return found


def touch(qtbot, k, name: str) -> None:
    b = button(k, name)
    assert b.isVisible() and b.isEnabled(), name
    qtbot.mouseClick(b, Qt.MouseButton.LeftButton)


def test_real_fonts_are_installed(qapp):
    # Without fonts Qt draws empty boxes and every screenshot test would still pass.
    assert "DejaVu Sans" in QFontDatabase.families()


def test_two_touches_issue_a_ticket_that_prints_once(qtbot, kiosk):
    touch(qtbot, kiosk, "service-paspor-baru")
    assert kiosk.flow.screen == "category"
    touch(qtbot, kiosk, "lane-lansia")
    qtbot.waitUntil(lambda: kiosk.flow.screen == "ticket"
                    and kiosk.flow.print_state == "printed", timeout=5000)
    (job,) = kiosk.printer.jobs
    ticket = kiosk.printer.tickets[0]
    assert ticket.number == "A001" and ticket.lane_priority and ticket.lang == "id"
    # the number goes as an image (GS v 0), drawn from this very ticket
    assert job == kiosk.printer.render(ticket) and b"NOMOR ANTREAN" in job and b"\x1dv0" in job
    page = kiosk.window.pages["ticket"]
    assert page.card.view.number == "A001"
    assert page.qr.payload == kiosk.flow.issued["status_url"] == ticket.status_url
    assert len(kiosk.controller.print_ms) == 1  # one print job timed (bench/bench_kiosk_print.py)
    touch(qtbot, kiosk, "done")
    assert kiosk.flow.screen == "home"
    qtbot.waitUntil(lambda: "1 menunggu" in button(kiosk, "service-paspor-baru").subtitle,
                    timeout=5000)


def test_english_ticket_for_an_english_applicant(qtbot, kiosk):
    touch(qtbot, kiosk, "lang")
    touch(qtbot, kiosk, "service-paspor-baru")
    touch(qtbot, kiosk, "lane-reguler")
    qtbot.waitUntil(lambda: len(kiosk.printer.tickets) == 1, timeout=5000)
    assert kiosk.printer.tickets[0].lang == "en"
    assert b"QUEUE NUMBER" in kiosk.printer.jobs[0]
    assert kiosk.flow.issued["lang"] == "en"


def test_print_failure_shows_number_and_qr_and_tells_the_server(qtbot, kiosk, tmp_path):
    admin = OfficeConnection(kiosk.server.url, "admin", "admin-1",
                             kiosk.server.tokens["admin-1"])
    with qtbot.waitSignal(admin.welcomed, timeout=5000):
        admin.start()
    kiosk.controller.set_printer(open_printer(f"file:{tmp_path / 'missing' / 'lp0'}"))
    qtbot.waitUntil(lambda: kiosk.flow.printer_state == "offline", timeout=5000)
    touch(qtbot, kiosk, "service-informasi")
    touch(qtbot, kiosk, "lane-reguler")
    qtbot.waitUntil(lambda: kiosk.flow.print_state == "failed", timeout=5000)
    page = kiosk.window.pages["ticket"]
    assert page.failure.isVisible() and "foto layar" in page.failure.banner.text
    assert page.card.view.number == "F001" and page.qr.payload.startswith("http")
    # First the periodic status check, then the failed print itself, both reported.
    qtbot.waitUntil(lambda: "lp0" in admin.model.device_status.get("kiosk-1", {})
                    .get("detail", ""), timeout=5000)
    assert admin.model.device_status["kiosk-1"]["status"] == "offline"
    # The ticket is issued for real: the server has it waiting.
    assert [tk["number"] for tk in admin.model.waiting] == ["F001"]
    close(qtbot, admin)


def test_server_unreachable_disables_services_and_reconnects(qtbot, kiosk):
    kiosk.server.thread.stop()
    qtbot.waitUntil(lambda: not kiosk.flow.online, timeout=5000)
    card = button(kiosk, "service-paspor-baru")
    qtbot.waitUntil(lambda: not card.isEnabled(), timeout=2000)
    assert kiosk.window.banner.isVisible()
    assert kiosk.window.banner.banner.kind == "offline"
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    assert kiosk.flow.screen == "home" and kiosk.flow.pending is None
    kiosk.server.restart()
    qtbot.waitUntil(lambda: kiosk.flow.online and card.isEnabled(), timeout=15000)
    assert not kiosk.window.banner.isVisible()


def test_keyboard_wedge_scanner_and_booking_error(qtbot, kiosk):
    kiosk.window.activateWindow()
    qtbot.keyClicks(kiosk.window, "ab-12")
    assert kiosk.flow.screen == "booking" and kiosk.flow.booking_code == "AB-12"
    qtbot.keyClick(kiosk.window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.flow.error is not None, timeout=5000)
    assert kiosk.flow.screen == "booking"
    assert kiosk.window.pages["booking"].error.text.startswith("Kode booking tidak ditemukan")


def test_serial_scanner_over_a_pty(qtbot, kiosk):
    master, slave = os.openpty()
    scanner = ScannerReader(os.ttyname(slave), retry_s=0.1)
    kiosk.controller.attach_scanner(scanner)
    scanner.start()
    assert scanner.connected.wait(5)
    os.write(master, b"MP-0042\r\n")
    qtbot.waitUntil(lambda: kiosk.flow.error is not None, timeout=5000)
    assert kiosk.flow.screen == "booking" and kiosk.flow.booking_code == "MP-0042"
    scanner.stop()
    os.close(master)
    os.close(slave)


def test_idle_screen_returns_home(qtbot, kiosk):
    touch(qtbot, kiosk, "contrast")
    touch(qtbot, kiosk, "service-paspor-baru")
    assert kiosk.window.theme.name == "high"
    kiosk.clock.advance(kiosk.flow.idle_timeout_s + 1)
    qtbot.waitUntil(lambda: kiosk.flow.screen == "home", timeout=2000)
    qtbot.waitUntil(lambda: kiosk.window.theme.name == "normal", timeout=2000)


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_every_screen_fits_with_big_touch_targets(qtbot, kiosk, size):
    kiosk.window.resize(*size)
    k = kiosk
    screens = {
        "home": lambda: None,
        "category": lambda: k.controller.do("choose_service", "paspor-baru"),
        "booking": lambda: k.controller.do("open_booking"),
        "info": lambda: k.controller.do("open_info", "paspor-baru"),
    }
    for name, enter in screens.items():
        k.flow.go_home()
        enter()
        k.window.render()
        qtbot.waitUntil(lambda n=name: k.window.stack.currentWidget() is k.window.pages[n])
        assert (k.window.width(), k.window.height()) == size  # nothing forces a bigger window
        image = k.window.grab().toImage()
        assert image.width() == size[0]
        for b in k.window.findChildren(TouchButton):
            if not b.isVisibleTo(k.window):
                continue
            minimum = 100 if b.kind == "key" or b.objectName().startswith("key-") \
                else MIN_TOUCH_PX
            assert b.height() >= minimum, (name, b.objectName(), b.height())
            assert b.title_points >= 28, (name, b.objectName())
            # Wheelchair reach: no control in the top 13 % of the screen.
            assert b.mapTo(k.window, b.rect().topLeft()).y() > size[1] * 0.13


def test_voice_guide_speaks_offline(qtbot, kiosk, tmp_path):
    from kiosk.voice import VoiceGuide
    voice = VoiceGuide(cache_dir=tmp_path)
    kiosk.controller.voice = voice
    with qtbot.waitSignal(voice.spoken, timeout=10000) as spoken:
        touch(qtbot, kiosk, "audio")
    assert spoken.args[0].startswith("Selamat datang")
    assert list(tmp_path.glob("*.wav"))
    # No audio device here: playback still ends (silently), the kiosk never waits on it.
    qtbot.waitUntil(lambda: not voice.player.busy, timeout=15000)


def test_app_main_bad_printer_spec_is_a_usage_error(capsys):
    from kiosk.app import main
    args = SimpleNamespace(server="ws://127.0.0.1:1/ws", token="x", device="k",
                           printer="usb:nothex", printer_profile=None, scanner=None,
                           windowed=True)
    assert main(args) == 2
    assert "bad printer spec" in capsys.readouterr().err


SMOKE = """
import sys
from types import SimpleNamespace
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from kiosk.app import main
from kiosk.screens import KioskWindow
app = QApplication([])
def check():
    for w in app.topLevelWidgets():
        if isinstance(w, KioskWindow) and w.flow.online and w.isVisible():
            print("ONLINE", w.flow.office_name(), flush=True)
            app.quit()
poll = QTimer()
poll.timeout.connect(check)
poll.start(50)
QTimer.singleShot(15000, app.quit)
sys.exit(main(SimpleNamespace(server=sys.argv[1], token=sys.argv[2], device="kiosk-2",
                              printer="dummy", printer_profile="POS-5890", scanner=None,
                              windowed=True)))
"""


def test_app_main_runs_the_kiosk(live_server):
    # In a child process: once a QApplication's exec() has returned, Qt networking in that
    # process stops connecting, which would break every later test.
    import subprocess
    import sys
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ANTREAN_KIOSK_VOICE": "0"}
    done = subprocess.run([sys.executable, "-c", SMOKE, live_server.url,
                           live_server.tokens["kiosk-2"]], capture_output=True, text=True,
                          timeout=30, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ONLINE Kantor Imigrasi" in done.stdout


def test_booking_code_check_in_prints_the_ticket(qtbot, kiosk):
    from datetime import UTC, datetime, timedelta

    from antrean.gallery.kiosk import WsClient
    admin = WsClient(kiosk.server.url, "admin", "admin-1", kiosk.server.tokens["admin-1"])
    start = datetime.now(UTC).replace(microsecond=0)
    result = admin.command("import_bookings", bookings=[{
        "code": "MP-7788", "service": "paspor-ganti", "lane": "lansia",
        "slot_start": start.isoformat(),
        "slot_end": (start + timedelta(hours=1)).isoformat()}])
    admin.close()
    assert result["ok"], result
    touch(qtbot, kiosk, "booking")
    for key in "MP-7788":
        touch(qtbot, kiosk, f"key-{key}")
    touch(qtbot, kiosk, "key-submit")
    qtbot.waitUntil(lambda: kiosk.flow.screen == "ticket"
                    and kiosk.flow.print_state == "printed", timeout=5000)
    assert kiosk.flow.issued["booked"] is True
    assert kiosk.printer.tickets[0].number == "B001"
    assert kiosk.printer.tickets[0].lane_name == "Lansia 60+"


def test_every_page_and_painted_widget_draws_itself():
    """The bases draw and show nothing: a page or widget that forgot its own `render` or
    `paint` would be a blank rectangle on the kiosk."""
    from kiosk import screens

    for base, method in ((screens.Page, "render"), (screens.Painted, "paint")):
        kinds = [cls for cls in vars(screens).values()
                 if isinstance(cls, type) and issubclass(cls, base) and cls is not base]
        assert kinds, base
        for cls in kinds:
            assert getattr(cls, method) is not getattr(base, method), f"{cls.__name__}.{method}"
