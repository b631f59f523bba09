"""Every HTML page carries a Content-Security-Policy that allows scripts, styles and
connections from the server itself only (nothing inline, nothing from elsewhere) and may
not be framed; and each page still works under it in real headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from raw_http import raw_get

from antrean.gallery.board import CHROMIUM
from tests.integration.ws_helpers import device

CSP_WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (p.split() for p in policy.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.fixture
def pages(live_server) -> dict[str, str]:
    """The web pages, by name (the report page: `report_path`)."""
    kiosk = device(live_server, "kiosk-1")
    ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    kiosk.close()
    ticket_path = "/" + ticket["status_url"].split("://", 1)[1].split("/", 1)[1]
    return {"display": "/display", "tablet": "/tablet", "ticket": ticket_path,
            "admin": "/admin", "follow": "/ikuti"}


@pytest.fixture
def report_path(live_server) -> str:
    """A one-time report link."""
    admin = device(live_server, "admin-1")
    day = admin.welcome["office"]["day"]
    link = admin.ok("report_link", **{"from": day, "to": day, "format": "html"})["url"]
    admin.close()
    return link


def test_every_web_page_has_a_strict_policy_and_no_framing(live_server, pages):
    _check_policies(live_server, pages.items())


def test_the_report_page_has_a_strict_policy_and_no_framing(live_server, report_path):
    # and so has the page saying a link is used up
    _check_policies(live_server, [("report", report_path), ("report used", report_path)])


def _check_policies(live_server, pages):
    for name, path in pages:
        status, headers, body = raw_get(live_server.http_url, path)
        assert status == (404 if name == "report used" else 200), name
        assert headers["content-type"].startswith("text/html"), name
        assert headers["x-frame-options"] == "DENY", name
        policy = headers["content-security-policy"]
        rules = _directives(policy)
        assert rules["default-src"] == ["'none'"], name
        assert rules["frame-ancestors"] == ["'none'"], name
        assert rules["base-uri"] == ["'none'"], name
        for directive in ("script-src", "style-src", "connect-src", "img-src"):
            for source in rules.get(directive, []):
                assert source in ("'self'", "data:") or source.startswith("'sha256-"), \
                    (name, directive, source)
        assert "unsafe" not in policy and "*" not in policy, name
        assert b"<script>" not in body and b" style=" not in body, name
    status, headers, _ = raw_get(live_server.http_url, "/static/ticket.js")
    assert status == 200 and headers["x-content-type-options"] == "nosniff"


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("name", ["display", "ticket", "report", "tablet", "admin", "follow"])
def test_each_page_works_under_its_policy(browser, live_server, pages, report_path, name):
    pages = {**pages, "report": report_path}
    ctx = browser.new_context()
    ctx.add_init_script(CSP_WATCH)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.goto(live_server.http_url + pages[name])
    if name == "display":
        page.wait_for_selector("body[data-state=online]")
        assert page.inner_text("#office-name") == "Kantor Imigrasi Kelas I TPI Contoh"
    elif name == "ticket":
        page.wait_for_selector("#number:has-text('A001')")
        # its WebSocket is open (connect-src): the page says when it last updated
        page.wait_for_function("() => document.getElementById('conn').textContent !== '' "
                               "&& !document.getElementById('conn').classList.contains("
                               "'offline')")
    elif name == "tablet":
        page.wait_for_selector("body[data-state=setup]")
    elif name == "follow":
        assert page.inner_text("h1").startswith("Ikuti nomor antrean Anda di ponsel")
    elif name == "admin":  # the supervisor console: its texts loaded, the login form shown
        page.wait_for_selector("body[data-ready='1'] #login:not([hidden])")
        assert page.inner_text("#login h1") == "Masuk sebagai supervisor"
    else:
        assert page.evaluate("getComputedStyle(document.querySelector('header.top'))"
                             ".backgroundColor") == "rgb(31, 95, 168)"  # its inline style
        images = page.evaluate("[...document.images].map((i) => i.complete && i.naturalWidth)")
        assert images and all(images)  # the charts (data: images)
    styled = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "DejaVu Sans" in styled  # the page's stylesheet applied
    assert problems == [] and page.evaluate("window.__csp") == [], (problems, name)
    ctx.close()


@pytest.mark.browser
@needs_chromium
def test_no_page_can_be_framed(browser, live_server, pages, report_path):
    ctx = browser.new_context()
    page = ctx.new_page()
    for name, path in [*pages.items(), ("report", report_path), ("health", "/health")]:
        url = live_server.http_url + path
        page.set_content(f"<iframe id='f' onload='this.dataset.loaded = 1' src='{url}'>"
                         "</iframe>")
        page.wait_for_selector("#f[data-loaded='1']", state="attached")
        framed = page.frames[1].url
        if name == "health":  # JSON, not a page: the control that framing works here
            assert framed == url
        else:  # refused: Chromium shows its error page in the frame instead
            assert framed.startswith("chrome-error://"), (name, framed)
    ctx.close()
