"""The web board (/display) in real headless Chromium against the real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.gallery.board import CHROMIUM, CHROMIUM_ARGS, WsClient

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_web_board_shows_and_announces_calls(browser, live_server, tmp_path) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.http_url}/display")
    page.wait_for_function("() => document.body.dataset.state === 'online'", timeout=10000)
    assert page.locator("#office-name").text_content() == "Kantor Imigrasi Kelas I TPI Contoh"
    assert "WIB" in page.locator("#clock-time").text_content()

    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler", lang="id")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="lansia", lang="id")
    page.wait_for_function(
        "() => document.querySelector('[data-service=paspor-baru] .count').textContent"
        " === '2 orang'", timeout=5000)
    console = WsClient(live_server.url, "counter", "console-1", live_server.tokens["console-1"])
    console.ok("login", officer="budi", pin="1234", counter="loket-1")
    called = console.ok("call_next", counter="loket-1")
    assert called["number"] == "A002"  # the priority lane first
    page.wait_for_function(
        "() => document.querySelector('#latest-number').textContent === 'A002'", timeout=5000)
    assert page.locator("#latest-counter").text_content() == "LOKET 1"
    assert "flash" in (page.locator("#latest").get_attribute("class") or "")
    assert page.locator("[data-counter=loket-1] .num").text_content() == "A002"
    console.ok("recall", counter="loket-1")
    page.wait_for_function("() => window.boardAnnounced.length === 2", timeout=5000)
    assert page.evaluate("window.boardAnnounced") == ["A002", "A002*"]
    assert page.locator("#latest-title").text_content() == "PANGGILAN ULANG"

    admin = WsClient(live_server.url, "admin", "admin-1", live_server.tokens["admin-1"])
    admin.ok("set_announcement", text={"id": "Waspada calo!", "en": "Beware of brokers!"})
    page.wait_for_function(
        "() => document.querySelector('#marquee-text').textContent.startsWith('Waspada calo!')",
        timeout=5000)
    page.screenshot(path=str(tmp_path / "web-board.png"))
    assert (tmp_path / "web-board.png").stat().st_size > 20_000
    for c in (kiosk, console, admin):
        c.close()
    assert errors == []
    page.close()
