"""The web board (/display) in real headless Chromium against the real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.gallery.board import CHROMIUM, WsClient

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")]


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
        "() => document.querySelector('[data-service=paspor-baru] .count')"
        ".getAttribute('aria-label') === '2 orang'", timeout=5000)
    assert page.locator("[data-service=paspor-baru] .count .n").text_content() == "2"
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


def test_web_board_calls_together_closed_service_qr_and_offline(browser, live_server) -> None:
    """As the Qt board: calls made together flash side by side (a recall marked), a
    closed service says TUTUP, the QR code leads to /ikuti, the running text is in the
    office's colours unless an announcement runs, a large amber sign when offline."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.http_url}/display")
    page.wait_for_function("() => document.body.dataset.state === 'online'", timeout=10000)
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    for service in ("paspor-baru", "paspor-baru", "izin-tinggal"):
        kiosk.ok("issue_ticket", service=service, lane="reguler", lang="id")
    one = WsClient(live_server.url, "counter", "console-1", live_server.tokens["console-1"])
    one.ok("login", officer="budi", pin="1234", counter="loket-1")
    four = WsClient(live_server.url, "counter", "console-2", live_server.tokens["console-2"])
    four.ok("login", officer="sari", pin="5678", counter="loket-4")
    one.ok("call_next", counter="loket-1")
    four.ok("call_next", counter="loket-4")
    page.wait_for_function("() => document.querySelectorAll('.fresh-call').length === 2",
                           timeout=5000)
    assert page.is_hidden("#latest") and page.is_visible("#fresh")
    numbers = page.eval_on_selector_all(".fresh-call", "els => els.map(e => e.dataset.number)")
    assert numbers == ["E001", "A001"]  # newest first, both shown
    one.ok("recall", counter="loket-1")
    page.wait_for_function(
        "() => document.querySelector('.fresh-call').dataset.number === 'A001'", timeout=5000)
    assert page.locator(".fresh-call").first.locator(".fresh-recall").text_content() == \
        "PANGGILAN ULANG"
    assert page.evaluate("window.boardAnnounced") == ["A001", "E001", "A001*"]
    # after the flash, the latest call alone, large, as a recall
    page.wait_for_function("() => !document.getElementById('latest').hidden", timeout=10000)
    assert page.locator("#latest-title").text_content() == "PANGGILAN ULANG"
    assert page.locator("#latest-number").text_content() == "A001"

    # the QR code to /ikuti, drawn from the office's public address
    assert page.evaluate("document.getElementById('follow-qr').naturalWidth") > 0
    assert page.locator("#follow-url").text_content().endswith("/ikuti")
    # a closed service: TUTUP, not "0 orang"
    page.evaluate("S.services['percepatan'].open = false; render()")
    assert page.locator("[data-service=percepatan] .count").text_content() == "TUTUP"
    # office colours for the welcome, red for an announcement
    assert "alert" not in (page.locator("#marquee").get_attribute("class") or "")
    admin = WsClient(live_server.url, "admin", "admin-1", live_server.tokens["admin-1"])
    admin.ok("set_announcement", text={"id": "Waspada calo!", "en": "Beware of brokers!"})
    page.wait_for_function(
        "() => document.getElementById('marquee').classList.contains('alert')", timeout=5000)
    for client in (kiosk, one, four, admin):
        client.close()
    # offline: a large amber sign over the header's left part
    live_server.thread.stop()
    page.wait_for_function("() => document.body.dataset.state === 'offline'", timeout=10000)
    sign = page.locator("#offline-mark")
    assert sign.is_visible() and "TIDAK TERSAMBUNG" in sign.text_content()
    box = sign.bounding_box()
    assert box["width"] > 1000 and box["height"] > 80
    assert page.evaluate(
        "getComputedStyle(document.getElementById('offline-mark')).backgroundColor") == \
        "rgb(255, 176, 32)"
    assert errors == []
    page.close()
