"""A supervisor's acts reach a real kiosk on the real server: a reprint asked of kiosk-1
comes out of its printer (a `file:` printer) marked "CETAK ULANG / REPRINT", kiosk-2 leaves
it alone, and a service stopped with a reason shows that reason on the kiosk's tile."""

from __future__ import annotations

from pathlib import Path

from supervisor_helpers import supervisor

from hardware.printer import open_printer
from kiosk.controller import KioskController
from kiosk.flow import KioskFlow
from kiosk.screens import KioskWindow
from kiosk.widgets import TouchButton
from office_client.connection import OfficeConnection

MARK = b"CETAK ULANG / REPRINT"
REASON = {"id": "Blangko habis, silakan datang besok", "en": "Out of blanks, come tomorrow"}


def kiosk(qtbot, live_server, name: str, paper: Path) -> tuple[KioskController, KioskFlow]:
    conn = OfficeConnection(live_server.url, "kiosk", name, live_server.tokens[name])
    flow = KioskFlow(conn.model)
    controller = KioskController(conn, open_printer(f"file:{paper}"), flow, tick_ms=50,
                                 status_interval_ms=60_000)
    conn.start()
    qtbot.waitUntil(lambda: flow.online, timeout=5000)
    return controller, flow


def test_a_reprint_prints_marked_at_the_kiosk_named_and_a_pause_shows_its_reason(
        qtbot, live_server, tmp_path):
    paper1, paper2 = tmp_path / "lp1", tmp_path / "lp2"
    kiosk1, flow1 = kiosk(qtbot, live_server, "kiosk-1", paper1)
    kiosk2, flow2 = kiosk(qtbot, live_server, "kiosk-2", paper2)
    window = KioskWindow(kiosk1)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    sup = supervisor(live_server.url)
    try:
        # An applicant takes a number at kiosk-1; it prints (no reprint mark).
        kiosk1.do("choose_service", "paspor-baru")
        kiosk1.do("choose_lane", "reguler")
        qtbot.waitUntil(lambda: flow1.print_state == "printed", timeout=5000)
        number = flow1.issued["number"]
        first = paper1.read_bytes()
        assert number.encode() in first and MARK not in first
        kiosk1.do("done")

        # The supervisor stops issuing a service: both kiosks show the reason on its tile.
        sup.ok("pause_issuing", service="paspor-ganti", reason=REASON)
        tile = window.findChild(TouchButton, "service-paspor-ganti")
        qtbot.waitUntil(lambda: tile.subtitle == REASON["id"], timeout=5000)
        assert not tile.isEnabled()
        view = {v.id: v for v in flow2.services()}["paspor-ganti"]
        assert (view.detail, view.enabled) == (REASON["id"], False)
        kiosk2.do("toggle_language")
        assert {v.id: v for v in flow2.services()}["paspor-ganti"].detail == REASON["en"]

        # A reprint at kiosk-1: taken by it, printed marked after the first ticket.
        assert sup.ok("reprint", ticket=number, kiosk="kiosk-1") == {}
        asked = sup.event("reprint_requested")
        qtbot.waitUntil(lambda: MARK in paper1.read_bytes(), timeout=5000)
        reprinted = paper1.read_bytes()[len(first):]
        assert MARK in reprinted and number.encode() in reprinted
        assert reprinted.count(MARK) == 1
        # kiosk-2 saw the same event and printed nothing.
        qtbot.waitUntil(lambda: flow2.model.seq >= asked["seq"], timeout=5000)
        assert flow2.reprint_takes == {} and flow2.reprints_seen == set()
        assert not paper2.exists()
        assert flow1.reprint_takes == {} and flow1.reprints_held == {}
        assert flow1.screen == "home"  # the screen was left as it was
    finally:
        sup.close()
        for controller in (kiosk1, kiosk2):
            controller.stop()
            controller.connection.stop()
