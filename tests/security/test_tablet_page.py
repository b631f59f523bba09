"""The survey tablet's page (/tablet) in real headless Chromium against the real server:
paired once on its setup screen (the credential stays in localStorage, never in a URL),
it waits, opens the survey of the applicant who just left its counter's desk, and comes
back to waiting after the thank-you. Every URL the browser asks for is recorded: none
carries a device token."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.gallery.board import CHROMIUM
from server.store.sqlite import Store
from tests.integration.ws_helpers import device

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")]

CSP_WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture
def tablet_token(live_server):
    store = Store(live_server.db_path)
    try:
        return store.add_device("tablet-3", "tablet", "loket-3")
    finally:
        store.close()


def _watch(ctx, page, urls, problems):
    ctx.add_init_script(CSP_WATCH)
    page.on("request", lambda r: urls.append(r.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text)
            if "Content Security Policy" in m.text else None)


def test_tablet_pairs_waits_and_shows_its_counters_survey(browser, live_server, tablet_token,
                                                          tmp_path):
    http = live_server.http_url
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.clock.install()  # the 8 s back to waiting after the thank-you is skipped, not waited
    page = ctx.new_page()
    urls: list[str] = []
    problems: list[str] = []
    _watch(ctx, page, urls, problems)

    page.goto(f"{http}/tablet")
    page.wait_for_selector("body[data-state=setup]")
    assert "Pengaturan tablet survei" in page.inner_text("#setup-title")
    page.fill("#device", "tablet-3")
    page.fill("#token", tablet_token)
    page.click("#save")
    page.wait_for_selector("body[data-state=waiting]")
    page.wait_for_function("() => window.__tablet.counter === 'loket-3'")
    assert page.url == f"{http}/tablet"
    waiting = page.inner_text("#waiting")
    assert waiting.index("Survei muncul di sini") < waiting.index("The survey appears here")
    assert page.inner_text("#counter") == "Loket 3"
    assert tablet_token in page.evaluate("localStorage.getItem('antrean.tablet')")
    page.screenshot(path=str(tmp_path / "tablet-waiting.png"))

    # an applicant is served at another counter: the tablet stays
    kiosk, desk1 = device(live_server, "kiosk-1"), device(live_server, "console-1")
    desk1.ok("login", officer="sari", pin="5678", counter="loket-1")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    for name in ("call_next", "start_service", "finish"):
        desk1.ok(name, counter="loket-1")
    page.wait_for_function("() => window.__tablet.finished === 1")
    assert page.url == f"{http}/tablet" and page.evaluate("window.__tablet.asked") == 1
    # ... then one at its own counter: the tablet opens that applicant's survey
    desk3 = device(live_server, "console-3")
    desk3.ok("login", officer="budi", pin="1234", counter="loket-3")
    mine = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler", lang="id")
    status_token = mine["status_url"].rsplit("/", 1)[1]
    for name in ("call_next", "start_service", "finish"):
        desk3.ok(name, counter="loket-3")
    page.wait_for_url(f"{http}/t/{status_token}?tablet=1")
    page.wait_for_selector("#survey:not([hidden])")
    assert page.inner_text("#number") == mine["number"]
    for q in range(1, 10):
        page.click(f"[data-q='{q}'] button[data-v='4']")
    page.click("#survey-submit")
    page.wait_for_selector("body[data-status=thanks]")
    page.clock.fast_forward(9000)
    page.wait_for_url(f"{http}/tablet")
    page.wait_for_selector("body[data-state=waiting]")  # paired still: no setup again
    page.wait_for_function("() => window.__tablet.counter === 'loket-3'")  # asked: nothing new
    assert page.url == f"{http}/tablet"

    tokens = [tablet_token, *live_server.tokens.values()]
    assert urls and not [u for u in urls if any(t in u for t in tokens)], urls
    assert problems == [] and page.evaluate("window.__csp") == []
    for client in (kiosk, desk1, desk3):
        client.close()
    ctx.close()


def test_a_refused_credential_brings_back_the_setup(browser, live_server, tablet_token):
    ctx = browser.new_context()
    page = ctx.new_page()
    urls: list[str] = []
    problems: list[str] = []
    _watch(ctx, page, urls, problems)
    page.goto(f"{live_server.http_url}/tablet")
    page.wait_for_selector("body[data-state=setup]")
    assert page.is_hidden("#setup-error")
    page.fill("#device", "console-3")  # a counter console's credential: not a tablet's
    page.fill("#token", live_server.tokens["console-3"])
    page.click("#save")
    page.wait_for_selector("#setup-error:not([hidden])")
    assert page.evaluate("document.body.dataset.state") == "setup"
    assert "menolak" in page.inner_text("#setup-error")
    assert page.input_value("#token") == ""  # the refused token is not left on screen
    assert not [u for u in urls if live_server.tokens["console-3"] in u]
    assert problems == [] and page.evaluate("window.__csp") == []
    ctx.close()
