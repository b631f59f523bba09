"""User and TOML text in the HTML report (and the PDF made from it) is text, not markup.

The data is a real office day (engine + store) whose survey comments, service name,
office name, counter name and officer name carry HTML (a script, an img with onerror)
and matplotlib mathtext (`$\\bad$`, drawn in the charts' labels).
"""

from html.parser import HTMLParser

import pytest

from antrean.cli import main as antrean
from reports.html import render_html
from reports.pdf import CHROMIUM, CHROMIUM_ARGS, chromium_available, write_pdf
from tests.security.conftest import (
    COUNTER_NAME,
    MARKUP_COMMENTS,
    OFFICE_NAME,
    OFFICER_NAME,
    SERVICE_NAME,
)

HOSTILE_TEXTS = [*MARKUP_COMMENTS, SERVICE_NAME, OFFICE_NAME, COUNTER_NAME, OFFICER_NAME]


class Page(HTMLParser):
    """Every element with its attributes, and the text the reader sees."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(html: str) -> None:
    page = Page(html)
    assert [tag for tag, _ in page.elements if tag == "script"] == []
    handlers = [(tag, name) for tag, attrs in page.elements for name in attrs
                if name.startswith("on")]
    assert handlers == []
    assert all(attrs.get("src", "").startswith("data:image/png;base64,")
               for tag, attrs in page.elements if tag == "img")
    text = "".join(page.text)
    for hostile in HOSTILE_TEXTS:
        assert hostile in text, hostile


def test_html_report_writes_user_and_config_text_as_text(hostile_day, tmp_path):
    out = tmp_path / "r.html"
    iso = hostile_day.day.isoformat()
    assert antrean(["report", "--db", str(hostile_day.db_path), "--config",
                    str(hostile_day.config_path), "--from", iso, "--to", iso, "--lang", "id",
                    "--format", "html", "--out", str(out)]) == 0
    assert_inert(out.read_text(encoding="utf-8"))


def test_html_report_in_english_too(hostile_report):
    assert_inert(render_html(hostile_report, "en"))


@pytest.mark.skipif(not chromium_available(), reason="needs headless Chromium")
def test_no_script_runs_when_chromium_loads_the_report(hostile_report):
    from playwright.sync_api import sync_playwright
    html = render_html(hostile_report, "id")
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.set_content(html, wait_until="load")
            found = page.evaluate("""() => ({
                scripts: document.querySelectorAll('script').length,
                handlers: [...document.querySelectorAll('*')].filter(
                    e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                text: document.body.textContent})""")
        finally:
            browser.close()
    assert dialogs == []
    assert found["scripts"] == 0 and found["handlers"] == 0
    for hostile in HOSTILE_TEXTS:
        assert hostile in found["text"], hostile


def test_pdf_without_a_browser_draws_config_text_as_is(hostile_report, tmp_path):
    """The fallback PDF draws the charts and the office name with matplotlib."""
    path = write_pdf(hostile_report, tmp_path / "r.pdf", "id", force_fallback=True)
    assert path.read_bytes().startswith(b"%PDF")
