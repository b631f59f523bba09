"""The applicant's phone page (/t/<token>) in real headless Chromium against the real server:
number and place in line, the call with sound and vibration, then the SKM survey."""

from __future__ import annotations

import json
import sqlite3
from urllib.request import urlopen

import pytest

from antrean.gallery.kiosk import WsClient
from kiosk import build_phone_strings


def test_phone_strings_are_in_sync_with_the_catalog():
    assert build_phone_strings.TARGET.read_text(encoding="utf-8") == \
        build_phone_strings.build(), "run: python -m kiosk.build_phone_strings"
    strings = json.loads(build_phone_strings.build())
    assert strings["id"]["q4_a4"] == "Gratis" and strings["en"]["q4_a4"] == "Free"
    assert strings["id"]["q8_a2"] == "Ada tetapi tidak berfungsi"


def test_page_and_json_are_served(live_server):
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    ticket = kiosk.command("issue_ticket", service="paspor-baru", lane="reguler",
                           lang="en")["data"]
    kiosk.close()
    with urlopen(ticket["status_url"]) as r:
        assert "ticket.js" in r.read().decode()
    with urlopen(ticket["status_url"] + ".json") as r:
        data = json.loads(r.read())
    assert data["number"] == "A001" and data["surveyed"] is False
    assert "status_url" not in data and "token" not in data  # nothing to leak


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                              is_mobile=True, has_touch=True)
    # Record vibration requests (headless Chromium has no vibrator to ask).
    ctx.add_init_script("window.__vibrations = []; navigator.vibrate = "
                        "(p) => { window.__vibrations.push(p); return true; };")
    page = ctx.new_page()
    yield page
    ctx.close()


@pytest.mark.browser
def test_phone_follows_the_ticket_to_the_survey(live_server, phone, tmp_path):
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    counter = WsClient(live_server.url, "counter", "console-1",
                       live_server.tokens["console-1"])
    assert counter.command("login", officer="budi", pin="1234", counter="loket-3")["ok"]
    first = kiosk.command("issue_ticket", service="paspor-baru", lane="reguler",
                          lang="id")["data"]
    mine = kiosk.command("issue_ticket", service="paspor-baru", lane="reguler",
                         lang="id")["data"]
    page = phone
    page.goto(mine["status_url"])
    page.wait_for_selector("#number:has-text('A002')")
    assert page.inner_text("#ahead") == "1"
    assert "Di depan Anda" in page.inner_text("#waiting")
    page.screenshot(path=str(tmp_path / "waiting.png"))

    # Someone ahead is called: our place in line updates live.
    assert counter.command("call_next", counter="loket-3")["data"]["number"] == first["number"]
    page.wait_for_function(
        "() => document.getElementById('ahead').textContent === 'Anda berikutnya!'")
    assert page.evaluate("window.__antrean.alerts") == 0  # not our call
    counter.command("start_service", counter="loket-3")
    counter.command("finish", counter="loket-3")

    # Our call: big "go to Loket 3", sound and vibration.
    counter.command("call_next", counter="loket-3")
    page.wait_for_selector("body[data-status=called]")
    assert page.inner_text("#called-counter") == "Loket 3"
    assert "Silakan menuju" in page.inner_text("#called")
    assert page.evaluate("window.__antrean.alerts") == 1
    assert page.evaluate("window.__vibrations.length") == 1
    page.screenshot(path=str(tmp_path / "called.png"))
    page.click("#lang")
    assert page.inner_text("#called-counter") == "Counter 3"
    assert "Please go to" in page.inner_text("#called")
    page.click("#lang")
    counter.command("recall", counter="loket-3")
    page.wait_for_function("() => window.__antrean.alerts === 2")

    # After service: thank-you and the nine SKM questions with their official answers.
    counter.command("start_service", counter="loket-3")
    counter.command("finish", counter="loket-3")
    page.wait_for_selector("#survey:not([hidden])")
    assert page.locator("#questions fieldset").count() == 9
    assert page.inner_text("[data-q='4'] button[data-v='4']").endswith("Gratis")
    assert page.inner_text("[data-q='7'] button[data-v='3']").endswith("Sopan dan ramah")
    assert page.is_disabled("#survey-submit")
    for q in range(1, 10):
        page.click(f"[data-q='{q}'] button[data-v='{(q % 4) + 1}']")
    page.fill("#comment", "Terima kasih, cepat & ramah")
    # the optional profile: a touch chooses, a second clears; unanswered ones stay out
    assert page.inner_text("[data-profile='age'] legend") == "Umur"
    page.click("[data-profile='age'] button[data-code='60_up']")
    page.click("[data-profile='gender'] button[data-code='l']")
    page.click("[data-profile='gender'] button[data-code='l']")  # changed their mind
    page.click("[data-profile='education'] button[data-code='sma']")
    assert page.get_attribute("[data-profile='age'] button[data-code='60_up']",
                              "aria-pressed") == "true"
    page.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
    page.click("#survey-submit")
    page.wait_for_selector("body[data-status=thanks]")
    assert "Terima kasih" in page.inner_text("#thanks")
    stored = sqlite3.connect(live_server.db_path).execute(
        "SELECT payload FROM events WHERE name = 'survey_submitted'").fetchone()[0]
    assert json.loads(stored)["profile"] == {"age": "60_up", "education": "sma"}

    # One response per ticket: a reload shows the thank-you, and the server refuses a 2nd.
    page.reload()
    page.wait_for_selector("body[data-status=thanks]")
    with urlopen(mine["status_url"] + ".json") as r:
        assert json.loads(r.read())["surveyed"] is True
    again = page.evaluate(
        "async (u) => (await fetch(u + '/survey?answers=4,4,4,4,4,4,4,4,4')).status",
        mine["status_url"])
    assert again == 400
    kiosk.close()
    counter.close()


@pytest.mark.browser
def test_phone_page_english_and_unknown_token(live_server, phone):
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    ticket = kiosk.command("issue_ticket", service="izin-tinggal", lane="lansia",
                           lang="en")["data"]
    kiosk.close()
    phone.goto(ticket["status_url"])
    phone.wait_for_selector("#number:has-text('E001')")
    assert phone.inner_text("#lang") == "Bahasa Indonesia"  # follows the kiosk choice
    assert "Priority" in phone.inner_text("#lane")
    assert phone.inner_text("#ahead") == "You are next!"
    phone.goto(live_server.http_url + "/t/abcdefghijklmnop")
    assert "not_found" in phone.content()  # unknown token: JSON 404, no page, no hints


def _json(url: str) -> dict:
    with urlopen(url + ".json") as r:
        return json.loads(r.read())


def test_json_has_place_in_line_now_serving_and_formatted_times(live_server):
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    counter = WsClient(live_server.url, "counter", "console-1",
                       live_server.tokens["console-1"])
    tickets = [kiosk.command("issue_ticket", service="paspor-baru", lane="reguler",
                             lang="id")["data"] for _ in range(7)]
    kiosk.command("issue_ticket", service="izin-tinggal", lane="reguler", lang="id")
    third = _json(tickets[2]["status_url"])
    assert (third["ahead"], third["position"], third["in_line"]) == (2, 3, 7)
    assert third["alert_ahead"] == 3  # the example office's [phone] alert_ahead
    assert third["now_serving"] == []
    texts = third["texts"]
    assert texts["issued"].endswith(" WIB") and texts["updated"].endswith(" WIB")
    assert texts["estimated_call"].endswith(" WIB")
    assert texts["wait"]["id"].endswith("mnt") and texts["wait"]["en"].endswith("min")

    assert counter.command("login", officer="budi", pin="1234", counter="loket-3")["ok"]
    counter.command("call_next", counter="loket-3")
    third = _json(tickets[2]["status_url"])
    assert (third["position"], third["in_line"]) == (2, 6)
    assert third["now_serving"] == [{"number": "A001", "counter": "loket-3",
                                     "counter_name": "Loket 3"}]
    first = _json(tickets[0]["status_url"])  # called: no place in line, no estimate
    assert first["position"] is None and first["texts"]["wait"] is None
    kiosk.close()
    counter.close()


@pytest.mark.browser
def test_phone_alerts_when_near_then_cancels_with_confirmation(live_server, phone):
    """Next-but-N: the page rings and vibrates once when the line moves to N ahead (N from
    the office TOML, 3 here), not on opening; "Batalkan nomor saya" asks first."""
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    counter = WsClient(live_server.url, "counter", "console-1",
                       live_server.tokens["console-1"])
    assert counter.command("login", officer="budi", pin="1234", counter="loket-3")["ok"]
    tickets = [kiosk.command("issue_ticket", service="paspor-baru", lane="reguler",
                             lang="id")["data"] for _ in range(5)]
    mine = tickets[4]
    page = phone
    page.goto(mine["status_url"])
    page.wait_for_selector("#number:has-text('A005')")
    assert page.inner_text("#position") == "Anda ke-5 dari 5 orang yang menunggu"
    assert page.evaluate("document.getElementById('position-bar').value") == pytest.approx(0.2)
    assert page.is_hidden("#soon")
    assert "tinggal 3 orang" in page.inner_text("#keep-open")
    assert page.evaluate("window.__antrean.soon") == 0

    counter.command("call_next", counter="loket-3")  # A001: four ahead → three ahead
    page.wait_for_function("() => window.__antrean.soon === 1")
    assert page.is_visible("#soon")
    assert "Tinggal 3 orang" in page.inner_text("#soon")
    assert page.evaluate("window.__vibrations.length") == 1
    assert "A001" in page.inner_text("#now") and "Loket 3" in page.inner_text("#now")
    assert page.evaluate("window.__antrean.alerts") == 0  # not called yet
    counter.command("start_service", counter="loket-3")
    counter.command("finish", counter="loket-3")
    counter.command("call_next", counter="loket-3")  # A002: two ahead, no second alert
    page.wait_for_function("() => document.getElementById('ahead').textContent === '2'")
    assert page.evaluate("window.__antrean.soon") == 1

    # Cancel: the dialog first; "No" keeps the place.
    page.click("#cancel")
    assert page.is_visible("#cancel-dialog")
    assert page.inner_text("#cancel-title") == "Batalkan nomor A005?"
    page.click("#cancel-no")
    assert page.is_hidden("#cancel-dialog")
    assert _json(mine["status_url"])["status"] == "waiting"
    page.click("#cancel")
    page.click("#cancel-yes")
    page.wait_for_selector("body[data-status=cancelled]")
    assert "Anda telah membatalkan" in page.inner_text("#message")
    assert page.is_hidden("#sound-box") and page.is_hidden("#cancel-box")
    assert _json(mine["status_url"])["status"] == "cancelled"
    kiosk.close()
    counter.close()


@pytest.mark.browser
def test_called_page_drops_keep_open_and_survey_counts_answers(live_server, phone):
    kiosk = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    counter = WsClient(live_server.url, "counter", "console-1",
                       live_server.tokens["console-1"])
    assert counter.command("login", officer="budi", pin="1234", counter="loket-3")["ok"]
    mine = kiosk.command("issue_ticket", service="paspor-baru", lane="reguler",
                         lang="id")["data"]
    page = phone
    page.goto(mine["status_url"])
    page.wait_for_selector("#number:has-text('A001')")
    assert page.is_visible("#keep-open")
    counter.command("call_next", counter="loket-3")
    page.wait_for_selector("body[data-status=called]")
    # after the call, nothing says "keep this page open" any more
    assert page.is_hidden("#sound-box") and page.is_hidden("#cancel-box")
    assert "terbuka" not in page.inner_text("body")
    counter.command("start_service", counter="loket-3")
    page.wait_for_selector("body[data-status=serving]")
    assert "terbuka" not in page.inner_text("body")
    counter.command("finish", counter="loket-3")
    page.wait_for_selector("#survey:not([hidden])")
    assert page.inner_text("#survey-count") == "0/9 terjawab"
    for q in (1, 2, 3):
        page.click(f"[data-q='{q}'] button[data-v='4']")
    assert page.inner_text("#survey-count") == "3/9 terjawab"
    assert page.evaluate("document.getElementById('survey-bar').value") == 3
    page.click("#lang")
    assert page.inner_text("#survey-count") == "3/9 answered"
    kiosk.close()
    counter.close()
