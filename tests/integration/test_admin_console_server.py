"""The supervisor console (/admin) in real headless Chromium against the real server: log
in (wrong PIN, lockout), the live floor follows kiosks and counters, and each action taken
on the page reaches the kiosk, board and counter clients; people, pairing and revoking
devices, the calendar, reports downloaded once, the audit view with the supervisor's name.

Every URL the browser asks for is recorded: none carries the PIN; the page's storage
stays empty."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from antrean import build_admin_strings
from antrean.demo_office import pair_demo_devices
from antrean.gallery.board import CHROMIUM
from antrean.wiring import report_hooks
from config import office as office_config
from server.app import ServerThread
from server.store.sqlite import Store
from tests.integration.ws_helpers import WsClient, device, join
from tests.office_files import always_open_toml

SUPERVISOR = ("kepala", "Kepala Kantor", "482916")
DEPUTY = ("wakil", "Wakil Kepala", "731864")
CSP_WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")


def add_supervisor(db_path: Path, officer: str, name: str, pin: str) -> None:
    store = Store(db_path)
    try:
        store.add_officer(officer, name, pin)
        store.save_officer(officer, name, supervisor=True)
    finally:
        store.close()


def test_admin_strings_are_in_sync_with_the_catalog():
    assert build_admin_strings.TARGET.read_text(encoding="utf-8") == build_admin_strings.build(), \
        "run: python -m antrean.build_admin_strings"
    strings = json.loads(build_admin_strings.build())
    assert strings["id"]["tab_floor"] == "Lantai" and strings["en"]["tab_floor"] == "Floor"
    assert set(strings["id"]) == set(strings["en"])


def test_the_console_and_its_files_are_served(live_server):
    with urlopen(live_server.http_url + "/admin") as r:
        body = r.read().decode()
        policy = r.headers["Content-Security-Policy"]
    assert "/static/admin.js" in body and "<script>" not in body and "style=" not in body
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    for name, kind in (("admin.js", "javascript"), ("admin.css", "css"),
                       ("admin-strings.json", "json")):
        with urlopen(f"{live_server.http_url}/static/{name}") as r:
            assert kind in r.headers["Content-Type"]
    with pytest.raises(HTTPError) as err:
        urlopen(live_server.http_url + "/admin/../admin.js")
    assert err.value.code == 404


# ---------------------------------------------------------------------------- browser
class Console:
    """One browser tab on /admin, with what it asked for and any page or CSP error."""

    def __init__(self, browser, server) -> None:
        self.server = server
        self.ctx = browser.new_context(viewport={"width": 1366, "height": 768},
                                       accept_downloads=True)
        self.ctx.add_init_script(CSP_WATCH)
        self.page = self.ctx.new_page()
        self.urls: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", lambda r: self.urls.append(r.url))
        self.page.on("websocket", lambda ws: self.urls.append(ws.url))
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.goto(server.http_url + "/admin")
        self.page.wait_for_selector("body[data-ready='1']")

    def login(self, officer: str, pin: str) -> None:
        self.page.fill("#login-officer", officer)
        self.page.fill("#login-pin", pin)
        self.page.click("#login-submit")

    def logged_in(self, officer=SUPERVISOR) -> Console:
        self.login(officer[0], officer[2])
        self.page.wait_for_selector("body[data-state=online]")
        return self

    def tab(self, name: str) -> None:
        self.page.click(f"#tabs button[data-tab={name}]")

    def seq(self) -> int:
        return self.page.evaluate("window.__admin.seq")

    def wait_seq(self, seq: int) -> None:
        """Until the page applied the event numbered `seq` (no sleeping)."""
        self.page.wait_for_function("n => window.__admin.seq >= n", arg=seq)

    def dialog_ok(self, fields: dict[str, str] | None = None) -> None:
        for selector, value in (fields or {}).items():
            self.page.fill(selector, value)
        self.page.click("#dialog-ok")
        self.page.wait_for_selector("#dialog", state="hidden")

    def clean(self) -> None:
        """No script error, no CSP violation, the PIN in no URL, nothing stored."""
        assert self.problems == [], self.problems
        assert self.page.evaluate("window.__csp") == []
        assert not [u for u in self.urls if SUPERVISOR[2] in u or DEPUTY[2] in u]
        assert self.page.evaluate("localStorage.length + sessionStorage.length") == 0
        assert SUPERVISOR[2] not in self.page.content()

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture
def supervisors(live_server):
    add_supervisor(live_server.db_path, *SUPERVISOR)
    add_supervisor(live_server.db_path, *DEPUTY)
    return live_server


@pytest.fixture
def console(browser, supervisors):
    c = Console(browser, supervisors)
    yield c
    c.close()


pytestmark = [pytest.mark.browser, needs_chromium]


def test_login_wrong_pin_lockout_and_logout(console):
    page = console.page
    assert page.inner_text("#login h1") == "Masuk sebagai supervisor"
    console.login(SUPERVISOR[0], "000000")
    page.wait_for_selector("#login-error:not([hidden])")
    assert page.is_visible("#login") and page.input_value("#login-pin") == ""
    # a counter officer with the right PIN is no supervisor: refused the same way
    console.login("budi", "1234")
    page.wait_for_function("() => document.getElementById('login-submit').disabled === false")
    assert page.is_visible("#login-error") and page.is_hidden("#tabs")
    # five wrong PINs in a row: locked out, and then even the right PIN is refused
    for _ in range(5):
        console.login(DEPUTY[0], "111111")
        page.wait_for_function(
            "() => document.getElementById('login-submit').disabled === false")
    console.login(DEPUTY[0], DEPUTY[2])
    page.wait_for_function("() => /kunci|lock/i.test("
                           "document.getElementById('login-error').textContent)")
    assert page.is_hidden("#tabs")

    console.logged_in()
    assert "Kepala Kantor" in page.inner_text("#who")
    assert page.is_visible("#tab-floor") and page.is_hidden("#login")
    assert page.locator("#counters-body tr").count() == 5
    page.click("#lang")
    assert page.inner_text("#tabs button[data-tab=floor]") == "Floor"
    assert page.inner_text("#lang") == "Bahasa Indonesia"
    page.click("#lang")
    assert page.inner_text("#tabs button[data-tab=floor]") == "Lantai"
    console.clean()
    page.click("#logout")
    page.wait_for_selector("#login:not([hidden])")
    assert page.evaluate("window.__admin.state") == "login"
    assert page.input_value("#login-pin") == ""


def test_the_floor_follows_kiosks_and_counters(console, supervisors):
    page = console.logged_in().page
    kiosk, desk = device(supervisors, "kiosk-1"), device(supervisors, "console-3")
    desk.ok("login", officer="andi", pin="2468", counter="loket-3")
    for _ in range(3):
        kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="lansia")
    row = "#services-body tr[data-service=paspor-baru]"
    # (four events: wait for the last, not for the third: the page draws as they come)
    page.wait_for_function(
        "s => document.querySelector(s + ' td[data-lane=reguler] .waiting').textContent === '3'"
        " && document.querySelector(s + ' td[data-lane=lansia] .waiting').textContent === '1'",
        arg=row)
    assert page.inner_text(f"{row} td[data-lane=reguler] .quota").startswith("3 /")
    called = desk.ok("call_next", counter="loket-3")
    counter_row = "#counters-body tr[data-counter=loket-3]"
    page.wait_for_function(
        "a => (document.querySelector(a[0] + ' .ticket') || {textContent: ''})"
        ".textContent.startsWith(a[1])",
        arg=[counter_row, called["number"]])
    assert "Andi Pratama" in page.inner_text(counter_row)
    assert "Buka" in page.inner_text(counter_row)
    assert called["number"] in page.inner_text("#calls-list")
    desk.ok("start_service", counter="loket-3")
    desk.ok("finish", counter="loket-3")
    page.wait_for_function(
        "s => document.querySelector(s + ' td.num').textContent === '1'", arg=counter_row)
    desk.ok("pause", counter="loket-3", reason="Istirahat sholat")
    page.wait_for_function("s => document.querySelector(s).textContent.includes("
                           "'Istirahat sholat')", arg=counter_row)
    console.clean()
    kiosk.close()
    desk.close()


def test_actions_reach_kiosk_board_and_counter(console, supervisors):
    page = console.logged_in().page
    kiosk, board = device(supervisors, "kiosk-1"), device(supervisors, "board-1")
    desk = device(supervisors, "console-3")
    desk.ok("login", officer="andi", pin="2468", counter="loket-3")

    # stop issuing with a reason the kiosk shows; then resume
    page.click("#services-body tr[data-service=paspor-baru] button[data-action=pause_issuing]")
    page.fill("#f-id", "Kuota hari ini penuh")
    page.fill("#f-en", "Today's quota is full")
    console.dialog_ok()
    changed = kiosk.event("service_changed")["data"]["service"]
    assert changed["id"] == "paspor-baru"
    assert changed["issuing_paused"] == {"id": "Kuota hari ini penuh",
                                         "en": "Today's quota is full"}
    kiosk.refused("issue_ticket", "service_closed", service="paspor-baru", lane="reguler")
    page.wait_for_selector("#services-body tr[data-service=paspor-baru] "
                           "button[data-action=resume_issuing]")
    page.click("#services-body tr[data-service=paspor-baru] button[data-action=resume_issuing]")
    console.dialog_ok()
    assert kiosk.event("service_changed")["data"]["service"]["issuing_paused"] is None
    first = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")

    # today's quota for one lane
    page.click("#services-body tr[data-service=paspor-ganti] td[data-lane=reguler] .quota")
    console.dialog_ok({"#f-quota": "1"})
    assert kiosk.event("service_changed")["data"]["service"]["quota_today"] == {"reguler": 1}
    kiosk.ok("issue_ticket", service="paspor-ganti", lane="reguler")
    kiosk.refused("issue_ticket", "quota_reached", service="paspor-ganti", lane="reguler")

    # running text with an end time: the board gets it
    page.click("#announce-button")
    page.fill("#f-id", "Waspada calo!")
    page.fill("#f-en", "Beware of brokers!")
    console.dialog_ok()
    text = board.event("announcement")["data"]["text"]
    assert text == {"id": "Waspada calo!", "en": "Beware of brokers!"}
    page.wait_for_function("() => document.getElementById('announcement-text')"
                           ".textContent.includes('Waspada calo!')")

    # close a counter (its officer is logged out) and open it again
    page.click("#counters-body tr[data-counter=loket-3] button[data-action=close_counter]")
    assert page.is_visible("#dialog-warning")  # "Andi Pratama will be logged out"
    console.dialog_ok()
    assert desk.event("counter_closed")["data"]["counter"]["id"] == "loket-3"
    page.click("#counters-body tr[data-counter=loket-3] button[data-action=open_counter]")
    assert desk.event("counter_opened")["data"]["counter"]["status"] == "open"
    desk.ok("login", officer="andi", pin="2468", counter="loket-3")  # closing logged him out

    # a ticket found by its number: move it to the front of another line
    second = kiosk.ok("issue_ticket", service="izin-tinggal", lane="reguler")
    third = kiosk.ok("issue_ticket", service="izin-tinggal", lane="reguler")
    console.tab("tickets")
    page.fill("#search-number", third["number"])
    page.click("#search button[type=submit]")
    page.wait_for_selector("#ticket-card:not([hidden])")
    assert page.inner_text("#ticket-number") == third["number"]
    assert page.locator("#history-body tr[data-event=ticket_issued]").count() == 1
    page.click("#ticket-actions button[data-action=move_ticket]")
    page.select_option("#f-service", "paspor-baru")
    page.select_option("#f-position", "front")
    console.dialog_ok()
    moved = board.event("ticket_transferred")["data"]["ticket"]
    assert moved["number"] == third["number"] and moved["service"] == "paspor-baru"
    assert desk.ok("call_next", counter="loket-3")["number"] == third["number"]  # front
    page.wait_for_selector("#history-body tr[data-event=ticket_transferred]")

    # no-show, then back in line (reinstate) where it was
    desk.ok("no_show", counter="loket-3")
    page.fill("#search-number", third["number"])
    page.click("#search button[type=submit]")
    page.wait_for_selector("#ticket-actions button[data-action=reinstate]")
    page.click("#ticket-actions button[data-action=reinstate]")
    console.dialog_ok()
    assert board.event("ticket_reinstated")["data"]["ticket"]["status"] == "waiting"

    # reprint at a chosen kiosk: that kiosk is asked
    page.wait_for_selector("#ticket-actions button[data-action=reprint]")
    page.click("#ticket-actions button[data-action=reprint]")
    page.select_option("#f-kiosk", "kiosk-1")
    console.dialog_ok()
    asked = kiosk.event("reprint_requested")["data"]
    assert asked["kiosk"] == "kiosk-1" and asked["ticket"] == third["number"]

    # cancel: irreversible, so the dialog says so
    page.fill("#search-number", second["number"])
    page.click("#search button[type=submit]")
    page.wait_for_function("n => document.getElementById('ticket-number').textContent === n",
                           arg=second["number"])
    page.click("#ticket-actions button[data-action=cancel_ticket]")
    assert page.is_visible("#dialog-warning")
    page.click("#dialog-cancel")  # changed my mind: nothing happens
    assert page.is_hidden("#dialog")
    page.click("#ticket-actions button[data-action=cancel_ticket]")
    console.dialog_ok({"#f-reason": "Pemohon pulang"})
    cancelled = board.event("ticket_cancelled")["data"]["ticket"]
    assert cancelled["number"] == second["number"] and cancelled["status"] == "cancelled"
    assert first["number"]  # still waiting: untouched

    # the audit view: every act above, named after the supervisor
    console.tab("audit")
    page.select_option("#audit-officer", SUPERVISOR[0])
    page.click("#audit-form button[type=submit]")
    page.wait_for_selector("#audit-body tr")
    names = page.eval_on_selector_all("#audit-body tr", "rs => rs.map(r => r.dataset.event)")
    for name in ("service_changed", "announcement", "counter_closed", "ticket_transferred",
                 "ticket_reinstated", "ticket_cancelled"):
        assert name in names, names
    actors = set(page.eval_on_selector_all("#audit-body td.actor",
                                           "cs => cs.map(c => c.textContent)"))
    assert actors and all("Kepala Kantor" in a for a in actors), actors
    console.clean()
    for client in (kiosk, board, desk):
        client.close()


def test_people_devices_and_calendar(console, supervisors):
    page = console.logged_in().page
    console.tab("people")
    page.click("#officer-add")
    page.fill("#f-officer", "dewi")
    page.fill("#f-name", "Dewi Lestari")
    page.fill("#f-pin", "8642")
    console.dialog_ok()
    page.wait_for_selector("#people-body tr[data-officer=dewi]")
    desk = device(supervisors, "console-1")
    desk.ok("login", officer="dewi", pin="8642", counter="loket-1")  # the new PIN works
    # a new PIN for budi; the old one stops working
    page.click("#people-body tr[data-officer=budi] button[data-action=edit]")
    console.dialog_ok({"#f-pin": "97531"})
    desk2 = device(supervisors, "console-2")
    desk2.refused("login", "unauthorized", officer="budi", pin="1234", counter="loket-2")
    desk2.ok("login", officer="budi", pin="97531", counter="loket-2")

    # pairing: a device without a token shows a code; the console approves it
    console.tab("devices")
    newcomer = WsClient(supervisors.url)
    newcomer.send({"type": "hello", "protocol": 1, "role": "kiosk", "device": "kios-baru",
                   "pairing": True, "last_seq": 0})
    code = newcomer.recv()["code"]
    row = f"#pairing-body tr[data-code='{code}']"
    page.wait_for_selector(row)
    page.click(f"{row} button[data-action=approve]")
    page.fill("#f-name", "kiosk-lobi-2")
    page.select_option("#f-role", "kiosk")
    console.dialog_ok()
    paired = newcomer.recv()
    assert paired["type"] == "paired" and paired["name"] == "kiosk-lobi-2" and paired["token"]
    assert paired["token"] not in page.content()  # the token goes to the device only
    page.wait_for_selector("#devices-body tr[data-device=kiosk-lobi-2]")
    page.wait_for_selector(row, state="detached")

    # revoke: the connected kiosk is cut off at once, and its token fails afterwards
    kiosk2 = device(supervisors, "kiosk-2")
    page.click("#devices-body tr[data-device=kiosk-2] button[data-action=revoke]")
    assert page.is_visible("#dialog-warning")
    console.dialog_ok()
    assert kiosk2.close_code() == 1008
    again = WsClient(supervisors.url)
    assert again.hello("kiosk", "kiosk-2", supervisors.tokens["kiosk-2"])["type"] == "error"
    page.wait_for_selector("#devices-body tr[data-device=kiosk-2]", state="detached")

    # calendar: a holiday every staff client learns of (kiosks: closed on the day)
    kiosk = device(supervisors, "admin-1")
    console.tab("calendar")
    page.fill("#holiday-date", "2026-12-25")
    page.fill("#holiday-id", "Hari Raya Natal")
    page.fill("#holiday-en", "Christmas Day")
    page.click("#holiday-form button[type=submit]")
    days = kiosk.event("calendar_changed")["data"]["days"]
    assert {"date": "2026-12-25", "name": {"id": "Hari Raya Natal", "en": "Christmas Day"}} \
        in days
    page.wait_for_selector("#holidays-body tr[data-date='2026-12-25']")
    console.clean()
    for client in (desk, desk2, newcomer, again, kiosk):
        client.close()


def test_reports_download_once_and_open_the_kpi_page(console, supervisors):
    page = console.logged_in().page
    console.tab("reports")
    with page.expect_download() as info:
        page.click("button[data-format=xlsx]")
    download = info.value
    assert download.suggested_filename == "laporan.xlsx"
    assert Path(download.path()).read_bytes()[:2] == b"PK"
    link = download.url
    assert link.startswith(supervisors.http_url + "/report/")
    with pytest.raises(HTTPError) as err:  # used up
        urlopen(link)
    assert err.value.code == 404
    with page.expect_download() as info:  # a fresh link for the next one
        page.click("button[data-format=csv]")
    assert info.value.suggested_filename == "laporan.zip"
    assert info.value.url != link and Path(info.value.path()).stat().st_size > 0
    with page.context.expect_page() as popup:
        page.click("button[data-format=html]")
    kpi = popup.value
    kpi.wait_for_load_state()
    assert kpi.url.startswith(supervisors.http_url + "/report/")
    assert "<table" in kpi.content()
    console.clean()


def test_a_bad_settings_reload_changes_nothing_a_good_one_reaches_everyone(browser, tmp_path):
    path = always_open_toml(tmp_path)
    good = path.read_text(encoding="utf-8")
    db_path = tmp_path / "antrean.db"
    tokens = pair_demo_devices(db_path)
    add_supervisor(db_path, *SUPERVISOR)
    with ServerThread(office_config.load(path), db_path, reports=report_hooks()) as server:
        server.tokens = tokens
        console = Console(browser, server).logged_in()
        page = console.page
        kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
        board = join(server.url, "display", "board-1", tokens["board-1"])
        waiting = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
        assert board.event("ticket_issued")["data"]["ticket"]["number"] == waiting["number"]

        line = 'name = { id = "Paspor Baru", en = "New Passport" }'
        assert line in good
        path.write_text(good.replace(line, line + "\nwaiting_limit = 12"), encoding="utf-8")
        console.tab("settings")
        page.click("#reload-button")
        console.dialog_ok()
        page.wait_for_selector("#reload-error:not([hidden])")
        assert page.inner_text("#reload-file") == str(path)
        wrong_line = good[:good.index(line)].count("\n") + 2
        assert page.inner_text("#reload-line") == str(wrong_line)
        assert "waiting_limit" in page.inner_text("#reload-key")
        assert page.is_hidden("#reload-ok")
        # nothing changed: the next event anyone sees is the next ticket, no reload
        kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
        assert board.event()["name"] == "ticket_issued"

        path.write_text(good.replace('id = "Paspor Baru"', 'id = "Paspor Baru Elektronik"'),
                        encoding="utf-8")
        page.click("#reload-button")
        console.dialog_ok()
        page.wait_for_selector("#reload-ok:not([hidden])")
        assert page.is_hidden("#reload-error")
        for client in (kiosk, board):  # a fresh snapshot for every client
            while (msg := client.recv())["type"] != "welcome":
                pass
            names = {s["id"]: s["name"]["id"] for s in msg["snapshot"]["services"]}
            assert names["paspor-baru"] == "Paspor Baru Elektronik"
            assert len(msg["snapshot"]["waiting"]) == 2  # no ticket lost
        page.wait_for_function("() => document.getElementById('services-body')"
                               ".textContent.includes('Paspor Baru Elektronik')")
        assert page.inner_text("#services-body tr[data-service=paspor-baru] "
                               "td[data-lane=reguler] .waiting") == "2"
        console.clean()
        console.close()
        kiosk.close()
        board.close()


def test_english_says_counter_and_devices_go_by_their_display_names(console, supervisors):
    """One careful writer: an English console says "Counter 3" (the office file says
    "Loket 3"), a device is named as the office file names it ("Kiosk lobi 1"), a span
    leaves out units that are zero, and why a ticket was called is in the page's
    language."""
    page = console.logged_in().page
    kiosk, desk = device(supervisors, "kiosk-1"), device(supervisors, "console-3")
    desk.ok("login", officer="andi", pin="2468", counter="loket-3")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    kiosk.ok("report_device_status", status="paper_out", detail="paper roll is empty")
    called = desk.ok("call_next", counter="loket-3")
    counter_row = "#counters-body tr[data-counter=loket-3]"
    page.wait_for_function("s => document.querySelector(s + ' .ticket') !== null",
                           arg=counter_row)
    page.click("#lang")
    assert page.inner_text(f"{counter_row} td.name") == "Counter 3"
    assert "Counter 3" in page.inner_text("#calls-list")
    page.wait_for_function("() => document.getElementById('alerts-list').textContent"
                           ".includes('Kiosk lobi 1')")
    assert "kiosk-1" not in page.inner_text("#alerts-list")
    page.click("#lang")
    assert page.inner_text(f"{counter_row} td.name") == "Loket 3"
    assert page.evaluate("window.__admin.fmtDuration(1440)") == "24 mnt"
    assert page.evaluate("window.__admin.fmtDuration(1470)") == "24 mnt 30 dtk"
    console.tab("tickets")
    page.fill("#search-number", called["number"])
    page.click("#search button[type=submit]")
    page.wait_for_selector("#ticket-card:not([hidden])")
    history = page.inner_text("#ticket-card")
    assert "urutan kedatangan" in history and "first come" not in history
    assert "Konsol loket 3" in history and "Kiosk lobi 1" in history
    console.clean()
    kiosk.close()
    desk.close()
