"""Screenshots of the applicant's phone page through one ticket's morning, and of the page
the boards' QR code opens (`/ikuti`): place in line "ke-3 dari 7" with the numbers served
now, the "your turn is near" alert, "Batalkan nomor saya" and its confirmation, the call,
the survey half answered ("3/9 terjawab"). Real server (`DemoOffice`), real headless
Chromium. Run alone: `python -m antrean.gallery.phone OUT_DIR`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from antrean.gallery.kiosk import CHROMIUM, CHROMIUM_ARGS, WsClient

log = logging.getLogger("antrean.phone.gallery")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def render_gallery(out_dir: Path) -> list[Path]:
    """Write the phone page's screenshots into `out_dir`; returns the files."""
    from antrean.demo_office import DemoOffice

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if not Path(CHROMIUM).exists():
        log.warning("no %s: phone page screenshots skipped", CHROMIUM)
        return []
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with DemoOffice() as office, sync_playwright() as pw:
        kiosk = WsClient(office.url, "kiosk", "kiosk-1", office.tokens["kiosk-1"])
        desk = WsClient(office.url, "counter", "console-3", office.tokens["console-3"])
        desk.command("login", officer="budi", pin="1234", counter="loket-3")
        tickets = [kiosk.command("issue_ticket", service="paspor-baru", lane="reguler",
                                 lang="id")["data"] for _ in range(8)]
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def snap(page, name: str) -> None:
            path = out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)

        def next_call() -> None:
            desk.command("start_service", counter="loket-3")  # refused when none is called
            desk.command("finish", counter="loket-3")
            desk.command("call_next", counter="loket-3")

        try:
            page = browser.new_context(**PHONE).new_page()
            mine = tickets[4]  # A005: four ahead
            next_call()  # A001 called: three ahead of A005, "ke-4 dari 7"
            page.goto(mine["status_url"])
            page.wait_for_selector("body[data-status=waiting]")
            snap(page, "phone-position-id")
            next_call()  # A002: two ahead, the alert already shown on opening
            page.wait_for_function("() => document.getElementById('ahead').textContent"
                                   " === '2'")
            snap(page, "phone-soon-id")
            page.click("#cancel")
            page.screenshot(path=str(out / "phone-cancel-confirm-id.png"))  # the dialog's view
            written.append(out / "phone-cancel-confirm-id.png")
            page.click("#cancel-no")
            page.click("#lang")
            snap(page, "phone-soon-en")
            page.click("#lang")
            for _ in range(3):
                next_call()
            page.wait_for_selector("body[data-status=called]")
            snap(page, "phone-called-id")
            desk.command("start_service", counter="loket-3")
            desk.command("finish", counter="loket-3")
            page.wait_for_selector("#survey:not([hidden])")
            for q in (1, 2, 3):
                page.click(f"[data-q='{q}'] button[data-v='4']")
            page.screenshot(path=str(out / "phone-survey-progress-id.png"))  # the top
            written.append(out / "phone-survey-progress-id.png")
            page.context.close()

            other = browser.new_context(**PHONE).new_page()
            other.goto(tickets[7]["status_url"])
            other.wait_for_selector("body[data-status=waiting]")
            other.click("#cancel")
            other.click("#cancel-yes")
            other.wait_for_selector("body[data-status=cancelled]")
            snap(other, "phone-cancelled-id")
            other.goto(office.http_url + "/ikuti")
            snap(other, "phone-follow-page")
            other.context.close()
        finally:
            browser.close()
            kiosk.close()
            desk.close()
    return written


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    files = render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "phone-gallery"))
    print("\n".join(str(f) for f in files))
