"""The supervisor console (/admin) shows every text it is given as text: a running text,
an officer's name, a pause reason, and service, lane and counter names from the office
TOML, each carrying markup, appear literally and add no element to the page (an
innerHTML anywhere would add them, whatever the page's CSP then blocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.demo_office import pair_demo_devices
from antrean.gallery.board import CHROMIUM, CHROMIUM_ARGS
from antrean.wiring import report_hooks
from server.app import ServerThread
from server.store.sqlite import Store
from tests.integration.ws_helpers import join

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")]

EVIL = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def _named(model, text: str):
    return model.model_copy(update={"name": model.name.model_copy(update={"id": text,
                                                                          "en": text})})


@pytest.fixture
def evil_office(tmp_path, open_office):
    """The example office with markup in a service's, a lane's and a counter's name, an
    officer named with markup, and a supervisor."""
    services = [_named(s, "Paspor " + EVIL) if s.id == "paspor-baru" else s
                for s in open_office.services]
    lanes = [_named(lane, "Lansia " + EVIL) if lane.id == "lansia" else lane
             for lane in open_office.lanes]
    counters = [c.model_copy(update={"name": "Loket " + EVIL}) if c.id == "loket-1" else c
                for c in open_office.counters]
    config = open_office.model_copy(update={"services": services, "lanes": lanes,
                                            "counters": counters})
    db_path = tmp_path / "antrean.db"
    tokens = pair_demo_devices(db_path)
    store = Store(db_path)
    try:
        store.add_officer("kepala", "Kepala Kantor", "482916")
        store.save_officer("kepala", "Kepala Kantor", supervisor=True)
        store.add_officer("jahil", "Jahil " + EVIL, "2580")
    finally:
        store.close()
    server = ServerThread(config, db_path, reports=report_hooks()).start()
    yield server, tokens
    server.stop()


def test_the_console_shows_markup_as_text(evil_office):
    from playwright.sync_api import sync_playwright

    server, tokens = evil_office
    admin = join(server.url, "admin", "admin-1", tokens["admin-1"])
    admin.command("set_announcement", text={"id": "Teks " + EVIL, "en": "Text " + EVIL})
    desk = join(server.url, "counter", "console-1", tokens["console-1"])
    desk.command("login", officer="jahil", pin="2580", counter="loket-1")
    desk.command("pause", counter="loket-1", reason="Jeda " + EVIL)
    kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
    kiosk.command("issue_ticket", service="paspor-baru", lane="lansia")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(server.http_url + "/admin")
        page.wait_for_selector("body[data-ready='1']")
        page.fill("#login-officer", "kepala")
        page.fill("#login-pin", "482916")
        page.click("#login-submit")
        page.wait_for_selector("body[data-state=online]")
        page.wait_for_function("() => document.getElementById('counters-body')"
                               ".textContent.includes('Jeda <img')")
        floor = page.inner_text("#tab-floor")
        for text in ("Teks " + EVIL, "Paspor " + EVIL, "Lansia " + EVIL, "Loket " + EVIL,
                     "Jahil " + EVIL, "Jeda " + EVIL):
            assert text in floor, text
        page.click("#tabs button[data-tab=people]")
        assert "Jahil " + EVIL in page.inner_text("#people-body")
        page.click("#tabs button[data-tab=tickets]")
        assert "Paspor " + EVIL in page.inner_text("#waiting-body")
        # no element came out of any of those texts, and nothing ran
        assert page.locator("img").count() == 0
        assert page.locator("script").count() == 1  # admin.js
        assert page.evaluate("window.__xss") is None
        browser.close()
    for client in (admin, desk, kiosk):
        client.close()
