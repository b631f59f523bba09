"""The web board (/display) in real headless Chromium: nothing in the service tiles or
the QR code's caption overflows its box or is cut with "…", at the board's sizes, idle
and with calls flashing together; a call flashing is not also in the last calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.gallery.board import CHROMIUM, WsClient

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")]

# Every element of the tiles and the QR panel: no horizontal overflow, no line clamp, the
# names on at most two lines at ≥ 32 px per 1080 px of height, the QR panel not clipped.
OVERFLOWS = """() => {
  const bad = [];
  const name = (e) => (e.id || e.className || e.tagName) + ': ' + e.textContent;
  for (const e of document.querySelectorAll(
      '#waiting-list .svc, #waiting-list .svc *, #follow, #follow *')) {
    if (!e.getClientRects().length) continue;  // not shown
    const cs = getComputedStyle(e);
    if (e.scrollWidth > e.clientWidth) bad.push('overflows ' + name(e));
    if (cs.webkitLineClamp !== 'none') bad.push('clamped ' + name(e));
    if (cs.textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth)
      bad.push('ellipsis ' + name(e));
  }
  for (const s of document.querySelectorAll('#waiting-list .sname')) {
    const px = parseFloat(getComputedStyle(s).fontSize);
    if (s.scrollHeight > Math.ceil(px * 1.1 * 2) + 1) bad.push('3+ lines ' + name(s));
    if (px < 32 * innerHeight / 1080 - 0.01) bad.push('below 32 px ' + px + ' ' + name(s));
  }
  const url = document.getElementById('follow-url');
  if (url.offsetHeight > parseFloat(getComputedStyle(url).fontSize) * 1.6)
    bad.push('address broken over lines ' + name(url));
  const follow = document.getElementById('follow');
  if (follow.scrollHeight > follow.clientHeight)
    bad.push('QR panel clipped ' + follow.scrollHeight + ' > ' + follow.clientHeight);
  return bad;
}"""


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768), (1080, 1920)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_web_board_tiles_and_qr_caption_never_overflow(browser, live_server, size) -> None:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.http_url}/display")
    page.wait_for_function("() => document.body.dataset.state === 'online'", timeout=10000)
    assert page.evaluate(OVERFLOWS) == []  # fitted as first drawn (the QR panel shown)
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    for service in ("paspor-baru", "paspor-baru", "izin-tinggal", "paspor-hilang"):
        kiosk.ok("issue_ticket", service=service, lane="reguler", lang="id")
    page.wait_for_function(
        "() => document.querySelector('[data-service=paspor-hilang] .count .n')"
        "?.textContent === '1'", timeout=5000)
    # the long name closed: TUTUP after it, the name whole (the server has no command
    # that closes a service for the day, so the page's model is told directly)
    page.evaluate("S.services['percepatan'].open = false; render()")
    assert page.locator("[data-service=percepatan] .count").text_content() == "TUTUP"
    assert page.evaluate(OVERFLOWS) == []
    # the short address whole, on one line (nowrap, and it does not overflow: above)
    assert page.locator("#follow-url").text_content() == page.evaluate(
        "S.office.public_url.replace(/^https?:\\/\\//, '').replace(/\\/+$/, '') + '/ikuti'")

    one = WsClient(live_server.url, "counter", "console-1", live_server.tokens["console-1"])
    one.ok("login", officer="budi", pin="1234", counter="loket-1")
    four = WsClient(live_server.url, "counter", "console-2", live_server.tokens["console-2"])
    four.ok("login", officer="sari", pin="5678", counter="loket-4")
    one.ok("call_next", counter="loket-1")
    four.ok("call_next", counter="loket-4")
    page.wait_for_function("() => document.querySelectorAll('.fresh-call').length === 2",
                           timeout=5000)
    assert page.evaluate(OVERFLOWS) == []
    fresh = page.eval_on_selector_all(".fresh-call", "els => els.map(e => e.dataset.number)")
    listed = page.eval_on_selector_all("#last-calls .num", "els => els.map(e => e.textContent)")
    assert sorted(fresh) == ["A001", "E001"] and not set(fresh) & set(listed)
    # the flash over: the latest call large, the other one now in the last calls
    page.wait_for_function("() => !document.getElementById('latest').hidden", timeout=10000)
    assert page.locator("#latest-number").text_content() == fresh[0]
    assert page.eval_on_selector_all("#last-calls .num",
                                     "els => els.map(e => e.textContent)") == [fresh[1]]
    assert page.evaluate(OVERFLOWS) == []
    for client in (kiosk, one, four):
        client.close()
    assert errors == []
    page.close()
