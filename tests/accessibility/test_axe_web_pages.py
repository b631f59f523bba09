"""Every web page the server serves, checked by axe-core (Deque's WCAG engine, bundled by
axe-playwright-python) in real headless Chromium against the real server: the phone page
in each state, the web board (calls together, offline), the page the boards' QR code
opens, the survey tablet's setup, the supervisor console (its login, then signed in: every
view and every action dialog, in both languages) and the report page.
No serious or critical violation of the WCAG 2.0/2.1 A and AA rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.demo_office import DEMO_SUPERVISOR
from antrean.gallery.board import CHROMIUM, WsClient
from tests.integration.ws_helpers import WsClient as WsClientRaw

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}
BLOCKING = ("serious", "critical")


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


# ----------------------------------------------------------- the supervisor console
def open_office_day(server) -> dict[str, dict]:
    """Some of a day on the floor, so the console's tables are not empty: tickets waiting
    in several lines, one called, one being served, one no-show, a paused counter and a
    device asking to be paired. Returns the tickets the test looks up, and the clients."""
    kiosk = WsClient(server.url, "kiosk", "kiosk-1", server.tokens["kiosk-1"])
    waiting = [kiosk.ok("issue_ticket", service=service, lane=lane, lang="id")
               for service, lane in (("paspor-baru", "reguler"), ("paspor-baru", "lansia"),
                                     ("paspor-baru", "reguler"), ("izin-tinggal", "reguler"),
                                     ("izin-tinggal", "reguler"), ("paspor-ganti", "reguler"))]
    one = WsClient(server.url, "counter", "console-1", server.tokens["console-1"])
    one.ok("login", officer="budi", pin="1234", counter="loket-1")
    missed = one.ok("call_next", counter="loket-1")  # the lansia ticket: priority
    one.ok("no_show", counter="loket-1")
    called = one.ok("call_next", counter="loket-1")
    two = WsClient(server.url, "counter", "console-2", server.tokens["console-2"])
    two.ok("login", officer="sari", pin="5678", counter="loket-4")
    two.ok("call_next", counter="loket-4")
    two.ok("start_service", counter="loket-4")
    three = WsClient(server.url, "counter", "console-3", server.tokens["console-3"])
    three.ok("login", officer="andi", pin="2468", counter="loket-3")
    three.ok("pause", counter="loket-3", reason="Istirahat sholat")
    newcomer = WsClientRaw(server.url)
    newcomer.send({"type": "hello", "protocol": 1, "role": "kiosk", "device": "kios-baru",
                   "pairing": True, "last_seq": 0})
    assert newcomer.recv()["type"] == "pairing"
    still_waiting = [t for t in waiting if t["number"] not in (missed["number"],
                                                                called["number"])]
    return {"missed": missed, "called": called, "waiting": still_waiting[-1],
            "clients": [kiosk, one, two, three, newcomer]}


class ConsoleStates:
    """The signed-in console, walked view by view and dialog by dialog; axe-core's findings
    gathered per state so one run names every one."""

    def __init__(self, page, lang: str) -> None:
        self.page, self.lang = page, lang
        self.found: list[str] = []

    def check(self, state: str) -> None:
        assert self.page.evaluate("document.documentElement.lang") == self.lang, state
        found = violations(self.page)
        if found:
            self.found.append(f"{state} ({self.lang}):\n  " + "\n  ".join(found))

    def tab(self, name: str) -> None:
        self.page.click(f"#tabs button[data-tab={name}]")
        self.page.wait_for_selector(f"#tab-{name}:not([hidden])")

    def dialog(self, opener: str, state: str) -> None:
        """Open a dialog, check it, and close it unchanged."""
        self.page.click(opener)
        self.page.wait_for_selector("#dialog[open]")
        self.check(f"dialog: {state}")
        self.page.click("#dialog-cancel")
        self.page.wait_for_selector("#dialog", state="hidden")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_supervisor_console_signed_in(live_server, browser, lang):
    day = open_office_day(live_server)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{live_server.http_url}/admin")
    page.wait_for_selector("body[data-ready='1'] #login:not([hidden])")
    officer, _, pin = DEMO_SUPERVISOR
    page.fill("#login-officer", officer)
    page.fill("#login-pin", pin)
    page.click("#login-submit")
    page.wait_for_selector("body[data-state=online] #counters-body tr")
    if lang == "en":
        page.click("#lang")
        page.wait_for_function("() => document.documentElement.lang === 'en'")
    console = ConsoleStates(page, lang)
    page.wait_for_selector("#counters-body tr[data-counter=loket-1] "
                           f".ticket:has-text('{day['called']['number']}')")
    console.check("live floor")
    console.dialog("#services-body tr[data-service=paspor-baru] "
                   "button[data-action=pause_issuing]", "pause issuing")
    console.dialog("#services-body tr[data-service=paspor-baru] td[data-lane=reguler] .quota",
                   "today's quota")
    console.dialog("#counters-body tr[data-counter=loket-1] button[data-action=close_counter]",
                   "close a counter (its officer logged out)")
    page.click("#announce-button")
    page.wait_for_selector("#dialog[open]")
    console.check("dialog: running text")
    page.fill("#f-id", "Waspada calo!")
    page.fill("#f-en", "Beware of brokers!")
    page.click("#dialog-ok")
    page.wait_for_selector("#dialog", state="hidden")
    page.wait_for_selector("#announcement-text:has-text('Waspada calo!')")
    console.check("live floor, a running text set")

    console.tab("tickets")
    page.wait_for_selector("#waiting-body tr[data-ticket]")
    console.check("tickets, waiting list")
    for kind, ticket, actions in (
            ("a no-show", day["missed"], ("reinstate", "reprint")),
            ("a waiting", day["waiting"], ("move_ticket", "cancel_ticket", "reprint"))):
        page.fill("#search-number", ticket["number"])
        page.click("#search button[type=submit]")
        page.wait_for_selector(f"#ticket-number:text-is('{ticket['number']}')")
        page.wait_for_selector("#history-body tr[data-event=ticket_issued]")
        console.check(f"{kind} ticket found, its history")
        for action in actions:
            console.dialog(f"#ticket-actions button[data-action={action}]", action)
    page.fill("#search-number", "Z999")
    page.click("#search button[type=submit]")
    page.wait_for_selector("#search-error:not([hidden])")
    console.check("ticket search, no such ticket")
    console.dialog("#import-button", "import bookings")

    console.tab("people")
    page.wait_for_selector("#people-body tr[data-officer=budi]")
    console.check("people")
    console.dialog("#officer-add", "add an officer")
    console.dialog("#people-body tr[data-officer=budi] button[data-action=edit]",
                   "edit an officer")

    console.tab("devices")
    page.wait_for_selector("#pairing-body tr[data-code]")
    page.wait_for_selector("#devices-body tr[data-device=kiosk-1]")
    console.check("devices and pairing codes")
    console.dialog("#pairing-body tr[data-code] button[data-action=approve]",
                   "approve a pairing code")
    console.dialog("#pairing-body tr[data-code] button[data-action=reject]",
                   "reject a pairing code")
    console.dialog("#devices-body tr[data-device=kiosk-2] button[data-action=revoke]",
                   "revoke a device")

    console.tab("calendar")
    page.fill("#holiday-date", "2026-12-25")
    page.fill("#holiday-id", "Hari Raya Natal")
    page.fill("#holiday-en", "Christmas Day")
    page.click("#holiday-form button[type=submit]")
    page.wait_for_selector("#holidays-body tr[data-date='2026-12-25']")
    console.check("calendar, one holiday")
    console.dialog("#holidays-body tr[data-date='2026-12-25'] button[data-action=remove]",
                   "remove a holiday")

    console.tab("reports")
    console.check("reports")

    console.tab("audit")
    page.click("#audit-form button[type=submit]")
    page.wait_for_selector("#audit-body tr[data-event=announcement]")
    console.check("audit, today")

    console.tab("settings")
    console.check("settings")
    console.dialog("#reload-button", "reload the settings")

    assert console.found == [], "\n".join(console.found)
    for client in day["clients"]:
        client.close()
    page.close()
