"""Screenshots of every kiosk screen (both languages, landscape and portrait), the printed
tickets (raw ESC/POS `.bin` beside a `.png` preview) and the applicant's phone page.

`render_gallery(out_dir)` runs a real server (`DemoOffice`), the real kiosk widgets
offscreen and, when /usr/bin/chromium exists, the phone page in headless Chromium. Used by
`antrean demo --headless` and the docs. Run alone: `python -m antrean.gallery.kiosk OUT_DIR`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

log = logging.getLogger("antrean.kiosk.gallery")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
                 "--autoplay-policy=no-user-gesture-required"]
LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)


def spin_until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    """Run the Qt event loop until `predicate()` is true (or time runs out)."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if predicate():
            return True
    return predicate()


class WsClient:
    """A tiny synchronous protocol client (counter, admin or supervisor) for scripted demo
    steps; a supervisor says hello with `officer` and `pin` (in `hello`) instead of a token."""

    def __init__(self, url: str, role: str, device: str, token: str | None,
                 **hello: str) -> None:
        from websockets.sync.client import connect

        self._cm = connect(url, compression=None)
        self.ws = self._cm.__enter__()
        msg = {"type": "hello", "protocol": 1, "role": role, "device": device,
               "last_seq": 0, **hello}
        if token is not None:
            msg["token"] = token
        self.ws.send(json.dumps(msg))
        self.welcome = self._until(lambda m: m.get("type") == "welcome")
        self._n = 0

    def _until(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            msg = json.loads(self.ws.recv(timeout=10))
            if match(msg):
                return msg

    def command(self, name: str, **args: Any) -> dict[str, Any]:
        self._n += 1
        cmd_id = f"gallery-{name}-{self._n}-{time.monotonic_ns()}"
        self.ws.send(json.dumps({"type": "command", "id": cmd_id, "name": name,
                                 "args": args}))
        return self._until(lambda m: m.get("type") == "result" and m.get("id") == cmd_id)

    def close(self) -> None:
        self._cm.__exit__(None, None, None)


def render_gallery(out_dir: Path) -> list[Path]:
    """Write the kiosk, ticket and phone screenshots into `out_dir`; returns the files."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from antrean.demo_office import DEMO_SUPERVISOR, DemoOffice
    from hardware.printer import DummyTicketPrinter, open_printer
    from kiosk.controller import KioskController
    from kiosk.flow import KioskFlow
    from kiosk.journal import Journal
    from kiosk.offline import OfflineIssuer, status_base_from_server_url
    from kiosk.screens import FONT_FAMILY, KioskWindow
    from office_client.connection import OfficeConnection

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    app = QApplication.instance() or QApplication([])
    app.setFont(QFont(FONT_FAMILY))

    with DemoOffice() as office:
        conn = OfficeConnection(office.url, "kiosk", "kiosk-1", office.tokens["kiosk-1"])
        printer = DummyTicketPrinter()
        # A journal of its own: the leases it takes show the offline screens below.
        journal_dir = Path(tempfile.mkdtemp(prefix="antrean-gallery-"))
        issuer = OfflineIssuer(Journal(journal_dir / "kiosk-1.journal.sqlite"), "kiosk-1",
                               status_base=status_base_from_server_url(office.url))
        flow = KioskFlow(conn.model, offline=issuer, offline_after_s=0.0)
        controller = KioskController(conn, printer, flow, tick_ms=3_600_000,
                                     status_interval_ms=3_600_000)
        tz = ZoneInfo("Asia/Jakarta")
        fixed = datetime(2026, 11, 23, 8, 15, tzinfo=tz)
        window = KioskWindow(controller, now=lambda: fixed)
        window.resize(*LANDSCAPE)
        window.show()
        conn.start()
        if not spin_until(lambda: flow.online, 15):
            raise RuntimeError("the kiosk did not connect to the demo server")
        spin_until(lambda: flow.reported_printer is not None, 3)

        def shot(name: str, size: tuple[int, int] = LANDSCAPE) -> None:
            for _ in range(2):  # the 2nd resize: minimum sizes change with orientation
                if (window.width(), window.height()) != size:
                    window.resize(*size)
                    spin_until(lambda: False, 0.05)
            window.render()
            spin_until(lambda: False, 0.15)  # let layouts settle
            path = out / f"{name}.png"
            window.grab().save(str(path))
            written.append(path)

        printed_seen = 0

        def keep_tickets() -> None:
            nonlocal printed_seen
            for ticket, job in zip(printer.tickets[printed_seen:], printer.jobs[printed_seen:],
                                   strict=True):
                name = f"ticket-{ticket.number}" + ("-reprint" if ticket.reprint else "")
                bin_path = out / f"{name}.bin"
                bin_path.write_bytes(job)
                png = printer.preview_png(out / f"{name}.png", ticket)
                written.extend([bin_path, Path(png)])
            printed_seen = len(printer.tickets)

        def issue(service: str, lane: str, lang: str) -> dict[str, Any]:
            flow.go_home(reset=True)
            flow.lang = lang
            controller.do("choose_service", service)
            if flow.screen == "category":
                controller.do("choose_lane", lane)
            spin_until(lambda: flow.screen == "ticket" and flow.print_state != "printing", 10)
            keep_tickets()
            assert flow.issued is not None
            return flow.issued

        # Some people in the hall first, so the home screen shows waiting counts.
        background = [("paspor-baru", "reguler"), ("paspor-baru", "reguler"),
                      ("paspor-baru", "lansia"), ("paspor-ganti", "reguler"),
                      ("izin-tinggal", "reguler"), ("paspor-baru", "reguler")]
        for sid, lane in background:
            issue(sid, lane, "id")
        # The demo office is open around the clock; show how a closed service looks.
        model_svc = conn.model.services.get("percepatan")
        if model_svc:
            model_svc.update(open=False, closed_reason="after_cutoff")

        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            shot(f"kiosk-home-{lang}")
            shot(f"kiosk-home-portrait-{lang}", PORTRAIT)
        window.resize(*LANDSCAPE)

        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            controller.do("choose_service", "paspor-baru")
            shot(f"kiosk-category-{lang}")
            if lang == "id":
                shot("kiosk-category-portrait-id", PORTRAIT)
        issued_id = issue("paspor-baru", "lansia", "id")
        shot("kiosk-ticket-id")
        shot("kiosk-ticket-portrait-id", PORTRAIT)
        issued_en = issue("izin-tinggal", "reguler", "en")
        shot("kiosk-ticket-en")

        # Printer failure: the ticket stays issued and is shown big with its QR.
        controller.set_printer(open_printer(f"file:{out / 'no-such-dir' / 'lp0'}"))
        for lang in ("id", "en"):
            issue("paspor-ganti", "ibu-anak" if lang == "id" else "reguler", lang)
            shot(f"kiosk-print-failed-{lang}")
        shot("kiosk-print-failed-portrait-en", PORTRAIT)
        controller.set_printer(printer)
        spin_until(lambda: flow.printer_state == "ok", 5)

        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            controller.do("open_booking")
            for ch in "MP2611":
                controller.do("booking_key", ch)
            shot(f"kiosk-booking-{lang}")
        controller.do("submit_booking")
        spin_until(lambda: flow.screen == "booking" and bool(flow.error), 10)
        shot("kiosk-booking-error-en")

        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            controller.do("open_info", "paspor-baru")
            shot(f"kiosk-info-{lang}")

        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            controller.do("toggle_contrast")
            shot(f"kiosk-home-contrast-{lang}")
            if lang == "id":
                controller.do("choose_service", "paspor-baru")
                shot("kiosk-category-contrast-id")
        flow.go_home(reset=True)
        flow.high_contrast = True
        controller.do("choose_service", "paspor-baru")
        controller.do("choose_lane", "disabilitas")
        spin_until(lambda: flow.screen == "ticket" and flow.print_state != "printing", 10)
        keep_tickets()
        shot("kiosk-ticket-contrast-id")

        # A supervisor stops one service with the reason its tile shows, and has the
        # first ticket printed again at this kiosk (marked as a reprint).
        flow.go_home(reset=True)
        sup = WsClient(office.url, "supervisor", "gallery-console", None,
                       officer=DEMO_SUPERVISOR[0], pin=DEMO_SUPERVISOR[2])
        sup.command("pause_issuing", service="paspor-ganti", reason={
            "id": "Blangko paspor habis hari ini. Silakan datang besok.",
            "en": "Out of passport blanks today. Please come tomorrow."})
        spin_until(lambda: conn.model.services["paspor-ganti"].get("issuing_paused")
                   is not None, 5)
        for lang in ("id", "en"):
            flow.lang = lang
            shot(f"kiosk-home-paused-{lang}")
        before = len(printer.tickets)
        sup.command("reprint", ticket=issued_id["number"], kiosk=conn.device)
        spin_until(lambda: len(printer.tickets) > before and not flow.reprints_printing, 10)
        keep_tickets()
        sup.command("resume_issuing", service="paspor-ganti")
        spin_until(lambda: conn.model.services["paspor-ganti"].get("open") is True, 5)
        sup.close()
        flow.lang = "id"

        # Offline: the connection really goes away, then comes back by itself. Meanwhile
        # the kiosk issues from its leases (a calm notice, an OFFLINE ticket).
        spin_until(lambda: issuer.journal.unused(issuer.today(), "paspor-baru", "reguler")
                   > 0, 10)
        flow.go_home(reset=True)
        conn.stop()
        spin_until(lambda: flow.issuing_offline, 5)
        for lang in ("id", "en"):
            flow.lang = lang
            shot(f"kiosk-offline-{lang}")
        shot("kiosk-offline-portrait-id", PORTRAIT)
        window.resize(*LANDSCAPE)
        flow.lang = "id"
        controller.do("choose_service", "paspor-baru")
        shot("kiosk-offline-category-id")
        for lang in ("id", "en"):
            issue("paspor-baru", "reguler", lang)
            shot(f"kiosk-offline-ticket-{lang}")
        conn.start()
        spin_until(lambda: flow.online, 15)

        written += _phone_shots(office, out, issued_id, issued_en)
        controller.stop()
        conn.stop()
        window.close()
        issuer.journal.close()
        shutil.rmtree(journal_dir, ignore_errors=True)
    return written


def _phone_shots(office: Any, out: Path, ticket_id: dict[str, Any],
                 ticket_en: dict[str, Any]) -> list[Path]:
    web = Path(__file__).resolve().parents[2] / "server" / "web" / "ticket.html"
    if not web.is_file():
        log.warning("no %s: phone page screenshots skipped", web)
        return []
    if not Path(CHROMIUM).exists():
        log.warning("no %s: phone page screenshots skipped", CHROMIUM)
        return []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        log.warning("playwright not installed: phone page screenshots skipped")
        return []
    written: list[Path] = []
    counter = WsClient(office.url, "counter", "console-1", office.tokens["console-1"])
    counter.command("login", officer="budi", pin="1234", counter="loket-1")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            def page_for(url: str):
                ctx = browser.new_context(viewport={"width": 390, "height": 844},
                                          device_scale_factor=2, is_mobile=True,
                                          has_touch=True)
                page = ctx.new_page()
                page.goto(url)
                page.wait_for_selector("#number:not(:empty)")
                return page

            def snap(page, name: str) -> None:
                path = out / f"{name}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(path)

            en = page_for(ticket_en["status_url"])
            snap(en, "phone-waiting-en")
            en.context.close()
            page = page_for(ticket_id["status_url"])
            snap(page, "phone-waiting-id")
            counter.command("call_ticket", counter="loket-1", ticket=ticket_id["number"])
            page.wait_for_selector("body[data-status=called]")
            snap(page, "phone-called-id")
            counter.command("start_service", counter="loket-1")
            counter.command("finish", counter="loket-1")
            page.wait_for_selector("#survey:not([hidden])")
            snap(page, "phone-survey-id")
            for i in range(1, 10):
                page.click(f"[data-q='{i}'] button[data-v='{4 if i % 3 else 3}']")
            page.fill("#comment", "Petugas ramah, antrean tertib.")
            page.click("#survey-submit")
            page.wait_for_selector("body[data-status=thanks]")
            snap(page, "phone-thanks-id")
            page.context.close()
        finally:
            browser.close()
            counter.close()
    return written


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    files = render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "kiosk-gallery"))
    print("\n".join(str(f) for f in files))
