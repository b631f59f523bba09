"""Screenshots of every kiosk screen (both languages, landscape and portrait), the printed
tickets (raw ESC/POS `.bin` beside a `.png` preview) and the applicant's phone page.

`render_gallery(out_dir)` runs a real server (`DemoOffice`), the real kiosk widgets
offscreen and, when /usr/bin/chromium exists, the phone page in headless Chromium. Used by
`antrean demo --headless` and the docs. Run alone: `python -m antrean.gallery.kiosk OUT_DIR`.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from antrean.gallery.board import CHROMIUM, CHROMIUM_ARGS, WsClient
from antrean.gallery.story import wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

log = logging.getLogger("antrean.kiosk.gallery")

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)


def render_gallery(out_dir: Path, phone: bool = True) -> list[Path]:
    """Write the kiosk, ticket and phone screenshots into `out_dir`; returns the files.

    The kiosk is Kiosk lobi 1 of the story's office (antrean/gallery/story.py): every
    ticket it issues is a step of the story, taken through the real screens; the phone
    page follows the story's applicant from waiting to the survey."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from antrean.demo_office import DEMO_SUPERVISOR
    from antrean.gallery.story import Cast, Step, StoryLog, story_office
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
    story = StoryLog("kiosk")

    with story_office() as office:
        clock = office.clock
        conn = OfficeConnection(office.url, "kiosk", "kiosk-1", office.tokens["kiosk-1"])
        printer = DummyTicketPrinter()
        failing = open_printer(f"file:{out / 'no-such-dir' / 'lp0'}")
        # A journal of its own: the leases it takes show the offline screens below. It is
        # attached after the story: leases come from the day's numbers, and the other
        # galleries' kiosks take none, so A004 must be the same ticket in all of them.
        journal_dir = Path(tempfile.mkdtemp(prefix="antrean-gallery-"))
        issuer = OfflineIssuer(Journal(journal_dir / "kiosk-1.journal.sqlite"), "kiosk-1",
                               status_base=status_base_from_server_url(office.url))
        flow = KioskFlow(conn.model, offline_after_s=0.0)
        controller = KioskController(conn, printer, flow, tick_ms=3_600_000,
                                     status_interval_ms=3_600_000)
        window = KioskWindow(controller, now=clock)
        window.resize(*LANDSCAPE)
        window.show()
        conn.start()
        if not wait_until(lambda: flow.online, 15):
            raise RuntimeError("the kiosk did not connect to the demo server")
        wait_until(lambda: flow.reported_printer is not None, 3)

        def shot(name: str, size: tuple[int, int] = LANDSCAPE) -> None:
            for _ in range(2):  # the 2nd resize: minimum sizes change with orientation
                if (window.width(), window.height()) != size:
                    window.resize(*size)
                    wait_until(lambda: False, 0.05)
            window.render()
            wait_until(lambda: False, 0.15)  # let layouts settle
            path = out / f"{name}.png"
            window.grab().save(str(path))
            written.append(path)
            view = flow.ticket() if flow.screen == "ticket" else None
            story.shot(name, clock, time_text=window.header.time_text,
                       date_text=window.header.date_text, lang=flow.lang,
                       tickets=[{"number": view.number, "service": view.service_name,
                                 "lane": view.lane_name}] if view else [])

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

        def issue(service: str, lane: str, lang: str, contrast: bool = False) -> dict[str, Any]:
            flow.go_home(reset=True)
            flow.lang = lang
            flow.high_contrast = contrast
            controller.do("choose_service", service)
            if flow.screen == "category":
                controller.do("choose_lane", lane)
            wait_until(lambda: flow.screen == "ticket" and flow.print_state != "printing", 10)
            keep_tickets()
            if flow.issued is None or flow.screen != "ticket":
                raise RuntimeError(f"the kiosk did not issue {service}/{lane}: {flow.error}")
            return flow.issued

        def kiosk_lobi_1(step: Step) -> dict[str, Any] | None:
            """The story's Kiosk lobi 1 steps, touched on the real screens."""
            if step.action != "issue":
                return None
            failed = step.label.startswith("print-failed")
            if failed:
                controller.set_printer(failing)
            data = issue(step.service, step.lane, step.lang, contrast=step.label == "contrast")
            if step.label == "applicant":
                shot("kiosk-ticket-id")
                shot("kiosk-ticket-portrait-id", PORTRAIT)
            elif step.label == "applicant-en":
                shot("kiosk-ticket-en")
                shot("kiosk-ticket-portrait-en", PORTRAIT)
            elif failed:
                lang = step.label.rsplit("-", 1)[1]
                shot(f"kiosk-print-failed-{lang}")
                shot(f"kiosk-print-failed-portrait-{lang}", PORTRAIT)
                if lang == "en":  # "Call an officer": the consoles get an alert
                    controller.do("call_staff")
                    shot("kiosk-staff-called-en")
            elif step.label == "contrast":
                shot("kiosk-ticket-contrast-id")
            if failed:
                controller.set_printer(printer)
                wait_until(lambda: flow.printer_state == "ok", 5)
            flow.go_home(reset=True)
            return data

        def caught_up() -> bool:
            seq = cast.server_seq()
            return wait_until(lambda: conn.model.seq >= seq, 10)

        cast = Cast(office, clock, parts={"kiosk-1": kiosk_lobi_1},
                    after_step=lambda: wait_until(lambda: False, 0))
        cast.play("hall")
        caught_up()

        # 08:30, the lobby: the attract screen, the services, a lane, a booking, info.
        flow.go_attract()  # nobody at the kiosk: both languages at once
        shot("kiosk-attract")
        shot("kiosk-attract-portrait", PORTRAIT)
        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            shot(f"kiosk-home-{lang}")
            shot(f"kiosk-home-portrait-{lang}", PORTRAIT)
        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            controller.do("choose_service", "paspor-baru")
            shot(f"kiosk-category-{lang}")
            shot(f"kiosk-category-portrait-{lang}", PORTRAIT)
        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            controller.do("open_booking")
            for ch in "MP2611":
                controller.do("booking_key", ch)
            shot(f"kiosk-booking-{lang}")
            shot(f"kiosk-booking-portrait-{lang}", PORTRAIT)
        controller.do("submit_booking")
        wait_until(lambda: flow.screen == "booking" and bool(flow.error), 10)
        shot("kiosk-booking-error-en")
        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            controller.do("open_info", "paspor-baru")
            shot(f"kiosk-info-{lang}")
            shot(f"kiosk-info-portrait-{lang}", PORTRAIT)
        for lang in ("id", "en"):
            flow.go_home(reset=True)
            flow.lang = lang
            controller.do("toggle_contrast")
            shot(f"kiosk-home-contrast-{lang}")
            if lang == "id":
                controller.do("choose_service", "paspor-baru")
                shot("kiosk-category-contrast-id")
        flow.go_home(reset=True)

        # 08:31-08:34: the applicants the story follows take their numbers here.
        cast.play("08:35")
        camera = PhoneCamera(out, written, clock) if phone else None
        if camera is not None and camera.ready:
            camera.open("en", cast.tickets["applicant-en"]["status_url"])
            camera.snap("en", "phone-waiting-en")
            camera.open("id", cast.tickets["applicant"]["status_url"])
            camera.snap("id", "phone-waiting-id")
        cast.play("called")
        if camera is not None and camera.ready:
            camera.wait("id", "body[data-status=called]")
            camera.snap("id", "phone-called-id")
            camera.wait("en", "body[data-status=waiting]")
        cast.play("done")
        caught_up()
        if camera is not None and camera.ready:
            camera.wait("id", "#survey:not([hidden])")
            camera.snap("id", "phone-survey-id")
            camera.survey("id")
            camera.snap("id", "phone-thanks-id")
        if camera is not None:
            camera.close()
        cast.close()

        # A supervisor stops one service with the reason its tile shows, and has the
        # first ticket printed again at this kiosk (marked as a reprint).
        flow.go_home(reset=True)
        sup = WsClient(office.url, "supervisor", "gallery-console", None,
                       officer=DEMO_SUPERVISOR[0], pin=DEMO_SUPERVISOR[2])
        sup.command("pause_issuing", service="paspor-ganti", reason={
            "id": "Blangko paspor habis hari ini. Silakan datang besok.",
            "en": "Out of passport blanks today. Please come tomorrow."})
        wait_until(lambda: conn.model.services["paspor-ganti"].get("issuing_paused")
                   is not None, 5)
        for lang in ("id", "en"):
            flow.lang = lang
            shot(f"kiosk-home-paused-{lang}")
        before = len(printer.tickets)
        sup.command("reprint", ticket=cast.tickets["applicant"]["number"], kiosk=conn.device)
        wait_until(lambda: len(printer.tickets) > before and not flow.reprints_printing, 10)
        keep_tickets()
        sup.command("resume_issuing", service="paspor-ganti")
        wait_until(lambda: conn.model.services["paspor-ganti"].get("open") is True, 5)
        sup.close()
        flow.lang = "id"

        # Offline: the connection really goes away, then comes back by itself. Meanwhile
        # the kiosk issues from its leases (a calm notice, an OFFLINE ticket).
        flow.offline = issuer
        controller.run(flow.keepalive())  # a ping, then the leases
        wait_until(lambda: issuer.journal.unused(issuer.today(), "paspor-baru", "reguler")
                   > 0, 10)
        flow.go_home(reset=True)
        conn.stop()
        wait_until(lambda: flow.issuing_offline, 5)
        for lang in ("id", "en"):
            flow.lang = lang
            shot(f"kiosk-offline-{lang}")
            shot(f"kiosk-offline-portrait-{lang}", PORTRAIT)
        window.resize(*LANDSCAPE)
        flow.lang = "id"
        controller.do("choose_service", "paspor-baru")
        shot("kiosk-offline-category-id")
        for lang in ("id", "en"):
            issue("paspor-baru", "reguler", lang)
            shot(f"kiosk-offline-ticket-{lang}")
        conn.start()
        wait_until(lambda: flow.online, 15)
        controller.stop()
        conn.stop()
        window.close()
        issuer.journal.close()
        shutil.rmtree(journal_dir, ignore_errors=True)
    written.append(story.write(out))
    return written


class PhoneCamera:
    """The applicant's phone page in headless Chromium, one page per language; `ready`
    is False (and nothing is shot) when Chromium or Playwright is missing."""

    def __init__(self, out: Path, written: list[Path], clock: Callable[[], Any]) -> None:
        self.out, self.written, self.clock = out, written, clock
        self.pages: dict[str, Any] = {}
        self.ready = False
        web = Path(__file__).resolve().parents[2] / "server" / "web" / "ticket.html"
        if not web.is_file() or not Path(CHROMIUM).exists():
            log.warning("no phone page or no %s: phone page screenshots skipped", CHROMIUM)
            return
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            log.warning("playwright not installed: phone page screenshots skipped")
            return
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.ready = True

    def open(self, key: str, url: str) -> None:
        ctx = self.browser.new_context(viewport={"width": 390, "height": 844},
                                       device_scale_factor=2, is_mobile=True, has_touch=True)
        page = ctx.new_page()
        page.clock.set_fixed_time(self.clock())  # the phone's clock is the story's too
        page.goto(url)
        page.wait_for_selector("#number:not(:empty)")
        self.pages[key] = page

    def wait(self, key: str, selector: str) -> None:
        self.pages[key].wait_for_selector(selector)

    def snap(self, key: str, name: str) -> None:
        self.pages[key].clock.set_fixed_time(self.clock())
        path = self.out / f"{name}.png"
        self.pages[key].screenshot(path=str(path), full_page=True)
        self.written.append(path)

    def survey(self, key: str) -> None:
        page = self.pages[key]
        for i in range(1, 10):
            page.click(f"[data-q='{i}'] button[data-v='{4 if i % 3 else 3}']")
        page.fill("#comment", "Petugas ramah, antrean tertib.")
        page.click("#survey-submit")
        page.wait_for_selector("body[data-status=thanks]")

    def close(self) -> None:
        if self.ready:
            self.browser.close()
            self._pw.stop()
            self.ready = False


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    files = render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "kiosk-gallery"))
    print("\n".join(str(f) for f in files))
