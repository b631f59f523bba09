"""Supervisor console screenshots (/admin in headless Chromium, 1366×768), on the story.

`render_gallery(out_dir)` plays the story's morning (antrean/gallery/story.py: the same
office, clock and tickets as every gallery) up to 08:45, when the hall is busy, with a new
kiosk waiting to be paired; the page's clock is held at the story's. The demo supervisor
signs in and the gallery shoots: the login, the floor (Indonesian and English), the close
counter dialog, a ticket found with its history and the move dialog, the morning's
no-show with the reinstate dialog, people, devices with the pairing code, the calendar
with holidays, and the audit. Nothing is written when Chromium is not installed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from websockets.sync.client import connect

from antrean.demo_office import DEMO_SUPERVISOR
from antrean.gallery.board import CHROMIUM, CHROMIUM_ARGS, WsClient
from antrean.gallery.story import Cast, StoryLog, story_office

log = logging.getLogger(__name__)

VIEWPORT = {"width": 1366, "height": 768}


def _pairing_request(office):
    """A new kiosk asking to be paired (kept open so its code stays pending)."""
    ws = connect(office.url, open_timeout=5, close_timeout=2, legacy=True)
    ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "kiosk",
                        "device": "kios-lantai-2", "pairing": True, "last_seq": 0}))
    reply = json.loads(ws.recv(timeout=5))
    if reply.get("type") != "pairing":
        log.warning("no pairing code: %s", reply)
    return ws


def render_gallery(out_dir: Path) -> list[Path]:
    if not Path(CHROMIUM).exists():
        return []
    from playwright.sync_api import sync_playwright

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    story = StoryLog("admin")
    with story_office() as office:
        clock = office.clock
        cast = Cast(office, clock)
        pairing = None
        try:
            cast.play("busy")
            pairing = _pairing_request(office)
            no_show = _first_no_show(office)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page(viewport=VIEWPORT)
                    page.clock.set_fixed_time(clock())  # the story's 08:45, held still

                    def shot(name: str, lang: str = "id") -> None:
                        page.wait_for_timeout(150)  # the last event's render (debounced)
                        page.evaluate("document.getElementById('toast').hidden = true")
                        path = out_dir / f"admin-{name}.png"
                        page.screenshot(path=str(path))
                        written.append(path)
                        story.shot(f"admin-{name}", clock, lang=lang,
                                   time_text=page.inner_text("#clock") or None)

                    _walk(page, office, shot, no_show)
                finally:
                    browser.close()
        finally:
            if pairing is not None:
                pairing.close()
            cast.close()
    written.append(story.write(out_dir))
    return written


def _first_no_show(office) -> str:
    """The number of the story's first no-show (Budi's at 08:15), from a fresh snapshot."""
    admin = WsClient(office.url, "admin", "admin-1", office.tokens["admin-1"])
    try:
        return admin.welcome["snapshot"]["no_shows"][-1]["number"]  # the latest first
    finally:
        admin.close()


def _walk(page, office, shot, no_show: str) -> None:
    """Sign in as the demo supervisor and visit each view (see the module's text)."""
    officer, _name, pin = DEMO_SUPERVISOR
    page.goto(f"{office.http_url}/admin")
    page.wait_for_selector("body[data-ready='1']")
    shot("login")
    page.fill("#login-officer", officer)
    page.fill("#login-pin", pin)
    page.click("#login-submit")
    page.wait_for_selector("body[data-state=online]")
    shot("floor-busy")
    page.click("#lang")
    shot("floor-busy-en", "en")
    page.click("#lang")
    page.click("#counters-body tr[data-counter=loket-2] button[data-action=close_counter]")
    page.fill("#f-reason", "Petugas dipindah ke loket informasi")
    shot("dialog-close-counter")
    page.click("#dialog-cancel")
    page.click("#tabs button[data-tab=tickets]")
    number = page.inner_text("#waiting-body tr:nth-child(3) td.ticket")
    page.fill("#search-number", number)
    page.click("#search button[type=submit]")
    page.wait_for_selector("#ticket-card:not([hidden])")
    page.click("#ticket-actions button[data-action=move_ticket]")
    page.select_option("#f-position", "front")
    shot("dialog-move-ticket")
    page.click("#dialog-cancel")
    page.fill("#search-number", no_show)
    page.click("#search button[type=submit]")
    page.wait_for_selector("#ticket-actions button[data-action=reinstate]")
    page.click("#ticket-actions button[data-action=reinstate]")
    shot("dialog-reinstate")
    page.click("#dialog-cancel")
    page.click("#tabs button[data-tab=people]")
    shot("people")
    page.click("#tabs button[data-tab=devices]")
    page.wait_for_selector("#pairing-body tr[data-code]")
    shot("devices")
    page.click("#tabs button[data-tab=calendar]")
    for day, name_id, name_en in (
            ("2026-12-24", "Cuti Bersama Natal", "Christmas collective leave"),
            ("2026-12-25", "Hari Raya Natal", "Christmas Day"),
            ("2027-01-01", "Tahun Baru 2027 Masehi", "New Year's Day 2027")):
        page.fill("#holiday-date", day)
        page.fill("#holiday-id", name_id)
        page.fill("#holiday-en", name_en)
        page.click("#holiday-form button[type=submit]")
        page.wait_for_selector(f"#holidays-body tr[data-date='{day}']")
    shot("calendar")
    page.click("#tabs button[data-tab=audit]")
    page.click("#audit-form button[type=submit]")
    page.wait_for_selector("#audit-body tr")
    shot("audit")


if __name__ == "__main__":  # python -m antrean.gallery.admin OUT_DIR
    import sys

    for p in render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "admin-gallery")):
        print(p)
