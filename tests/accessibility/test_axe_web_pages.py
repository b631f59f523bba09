"""Every web page the server serves, checked by axe-core (Deque's WCAG engine, bundled by
axe-playwright-python) in real headless Chromium against the real server: the phone page
in each state, the web board (calls together, offline), the page the boards' QR code
opens, the survey tablet's setup, the supervisor console's login and the report page.
No serious or critical violation of the WCAG 2.0/2.1 A and AA rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.gallery.board import CHROMIUM, CHROMIUM_ARGS, WsClient

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def violations(page) -> list[str]:
    """axe-core's serious and critical WCAG A/AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["html"][:120] for n in v["nodes"][:3])
            for v in results.response["violations"] if v["impact"] in BLOCKING]


def assert_accessible(page, state: str) -> None:
    found = violations(page)
    assert found == [], f"{state}:\n" + "\n".join(found)


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                              has_touch=True)
    page = ctx.new_page()
    yield page
    ctx.close()


def test_phone_page_in_every_state(live_server, phone):
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    counter = WsClient(live_server.url, "counter", "console-1",
                       live_server.tokens["console-1"])
    assert counter.command("login", officer="budi", pin="1234", counter="loket-3")["ok"]
    first = kiosk.command("issue_ticket", service="paspor-baru", lane="reguler",
                          lang="id")["data"]
    mine = kiosk.command("issue_ticket", service="paspor-baru", lane="lansia",
                         lang="id")["data"]
    gone = kiosk.command("issue_ticket", service="paspor-baru", lane="reguler",
                         lang="en")["data"]
    page = phone
    page.goto(mine["status_url"])
    page.wait_for_selector("body[data-status=waiting]")
    assert_accessible(page, "waiting (next in line, the 'soon' notice shown)")
    page.click("#cancel")
    assert_accessible(page, "the cancel confirmation")
    page.click("#cancel-no")
    page.click("#lang")
    assert_accessible(page, "waiting, English")
    page.click("#lang")

    counter.command("call_next", counter="loket-3")  # the lansia ticket: priority
    page.wait_for_selector("body[data-status=called]")
    assert_accessible(page, "called")
    counter.command("start_service", counter="loket-3")
    page.wait_for_selector("body[data-status=serving]")
    assert_accessible(page, "serving")
    counter.command("finish", counter="loket-3")
    page.wait_for_selector("#survey:not([hidden])")
    for q in (1, 2, 3):
        page.click(f"[data-q='{q}'] button[data-v='3']")
    assert_accessible(page, "survey, partly answered")
    for q in range(4, 10):
        page.click(f"[data-q='{q}'] button[data-v='4']")
    page.click("#survey-submit")
    page.wait_for_selector("body[data-status=thanks]")
    assert_accessible(page, "thanks")

    page.goto(gone["status_url"])
    page.wait_for_selector("body[data-status=waiting]")
    page.click("#cancel")
    page.click("#cancel-yes")
    page.wait_for_selector("body[data-status=cancelled]")
    assert_accessible(page, "cancelled by the applicant (English)")
    assert first["number"] == "A001"
    kiosk.close()
    counter.close()


def test_web_board_follow_page_and_tablet(live_server, browser):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{live_server.http_url}/display")
    page.wait_for_function("() => document.body.dataset.state === 'online'", timeout=10000)
    assert_accessible(page, "web board, idle")
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    for service in ("paspor-baru", "paspor-baru", "izin-tinggal"):
        kiosk.ok("issue_ticket", service=service, lane="reguler", lang="id")
    one = WsClient(live_server.url, "counter", "console-1", live_server.tokens["console-1"])
    one.ok("login", officer="budi", pin="1234", counter="loket-1")
    two = WsClient(live_server.url, "counter", "console-2", live_server.tokens["console-2"])
    two.ok("login", officer="sari", pin="5678", counter="loket-4")
    one.ok("call_next", counter="loket-1")
    page.wait_for_function("() => document.querySelector('#latest.flash') !== null",
                           timeout=5000)
    assert_accessible(page, "web board, a fresh call flashing")
    two.ok("call_next", counter="loket-4")
    page.wait_for_function("() => document.querySelectorAll('.fresh-call').length === 2",
                           timeout=5000)
    assert_accessible(page, "web board, two calls together")
    page.evaluate("setState('offline')")
    assert_accessible(page, "web board, offline sign")
    page.goto(f"{live_server.http_url}/ikuti")
    assert_accessible(page, "the boards' QR page")
    page.goto(f"{live_server.http_url}/tablet")
    assert_accessible(page, "survey tablet setup")
    page.goto(f"{live_server.http_url}/admin")
    page.wait_for_selector("body[data-ready='1'] #login:not([hidden])")
    assert_accessible(page, "supervisor console, login")
    for client in (kiosk, one, two):
        client.close()
    page.close()


def test_report_page(live_server, browser):
    admin = WsClient(live_server.url, "admin", "admin-1", live_server.tokens["admin-1"])
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    day = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")["issued_at"][:10]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    for lang in ("id", "en"):
        url = admin.ok("report_link", **{"from": day, "to": day, "format": "html",
                                          "lang": lang})["url"]
        page.goto(live_server.http_url + url)
        assert_accessible(page, f"report page ({lang})")
    page.close()
    admin.close()
    kiosk.close()
