"""Supervisor console screenshots (/admin in headless Chromium, 1366×768).

`render_gallery(out_dir)` starts a `DemoOffice`, adds a supervisor, plays a busy morning
through plain WebSocket clients (tickets in several services and lanes, three officers
calling, one on a break, the running text, a service stopped at its cut-off, a kiosk low
on paper, a new kiosk waiting to be paired, two holidays), logs in on the console and
shoots: the floor (Indonesian and English), an action dialog, people, devices, the
calendar and the audit view. Nothing is written when Chromium is not installed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from websockets.sync.client import connect

from antrean.gallery.board import CALO_TEXT, CHROMIUM, CHROMIUM_ARGS, WsClient, issue_many
from server.store.sqlite import Store

log = logging.getLogger(__name__)

SUPERVISOR = ("kepala", "Ratna Kusumawati", "482916")
VIEWPORT = {"width": 1366, "height": 768}


def _add_supervisor(db_path: Path) -> None:
    officer, name, pin = SUPERVISOR
    store = Store(db_path)
    try:
        if not store.officer_exists(officer):
            store.add_officer(officer, name, pin)
        store.save_officer(officer, name, supervisor=True)
    finally:
        store.close()


def _busy_morning(office) -> list:
    """The clients that keep the morning going (closed by the caller)."""
    url, tokens = office.url, office.tokens
    kiosk = WsClient(url, "kiosk", "kiosk-1", tokens["kiosk-1"])
    kiosk2 = WsClient(url, "kiosk", "kiosk-2", tokens["kiosk-2"])
    admin = WsClient(url, "admin", "admin-1", tokens["admin-1"])
    consoles = {}
    for name, officer, pin, counter in (("console-1", "budi", "1234", "loket-1"),
                                        ("console-2", "sari", "5678", "loket-2"),
                                        ("console-3", "andi", "2468", "loket-3")):
        c = WsClient(url, "counter", name, tokens[name])
        c.ok("login", officer=officer, pin=pin, counter=counter)
        consoles[counter] = c
    issue_many(kiosk, [("paspor-baru", "reguler", 9), ("paspor-ganti", "reguler", 4),
                       ("paspor-hilang", "reguler", 2), ("izin-tinggal", "reguler", 3),
                       ("percepatan", "reguler", 2)])
    issue_many(kiosk2, [("paspor-baru", "lansia", 2), ("paspor-baru", "disabilitas", 1),
                        ("paspor-ganti", "ibu-anak", 1), ("informasi", "reguler", 3)])
    for counter in ("loket-1", "loket-2", "loket-3", "loket-1", "loket-3"):
        c = consoles[counter]
        c.command("start_service", counter=counter)  # nobody called yet: refused, fine
        c.command("finish", counter=counter)
        c.ok("call_next", counter=counter)
    consoles["loket-1"].ok("start_service", counter="loket-1")
    consoles["loket-3"].ok("no_show", counter="loket-3")
    consoles["loket-3"].ok("pause", counter="loket-3", reason="Istirahat sholat")
    admin.ok("set_announcement", text=CALO_TEXT)
    kiosk2.command("report_device_status", status="paper_near_end",
                   detail="Sisa kertas ± 50 tiket")
    return [kiosk, kiosk2, admin, *consoles.values()]


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

    from antrean.demo_office import DemoOffice

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with DemoOffice() as office:
        _add_supervisor(office.db_path)
        clients = _busy_morning(office)
        pairing = _pairing_request(office)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport=VIEWPORT)

                def shot(name: str) -> None:
                    page.wait_for_timeout(150)  # the last event's render (debounced)
                    page.evaluate("document.getElementById('toast').hidden = true")
                    path = out_dir / f"admin-{name}.png"
                    page.screenshot(path=str(path))
                    written.append(path)

                page.goto(f"{office.http_url}/admin")
                page.wait_for_selector("body[data-ready='1']")
                shot("login")
                page.fill("#login-officer", SUPERVISOR[0])
                page.fill("#login-pin", SUPERVISOR[2])
                page.click("#login-submit")
                page.wait_for_selector("body[data-state=online]")
                page.click("#services-body tr[data-service=percepatan] "
                           "button[data-action=pause_issuing]")
                page.fill("#f-id", "Layanan sehari jadi ditutup pukul 11.00")
                page.fill("#f-en", "Same-day service closed at 11:00")
                page.click("#dialog-ok")
                page.wait_for_selector("#dialog", state="hidden")
                page.wait_for_selector("#services-body tr[data-service=percepatan] "
                                       "button[data-action=resume_issuing]")
                shot("floor-busy")
                page.click("#lang")
                shot("floor-busy-en")
                page.click("#lang")
                page.click("#counters-body tr[data-counter=loket-2] "
                           "button[data-action=close_counter]")
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
            finally:
                browser.close()
        pairing.close()
        for client in clients:
            client.close()
    return written


if __name__ == "__main__":  # python -m antrean.gallery.admin OUT_DIR
    import sys

    for p in render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "admin-gallery")):
        print(p)
