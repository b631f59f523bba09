"""Example reports in every format, for `antrean demo --headless` and for people to look at.

`render_gallery(out_dir)` plays a seeded busy week on the real engine and store
(reports.demo_day): the week before the story's Monday (antrean/gallery/story.py), as the
office head prints it that morning. Then it writes report.csv (all views in one file),
report-csv.zip (one CSV per view), report.xlsx, report.html, report.pdf, a screenshot of
the server's report page (report-page.png, headless Chromium) and the PDF's pages as PNGs
(report-pdf-N.png, pdftoppm). Steps whose tool is missing (Chromium, pdftoppm) are skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from antrean.gallery.story import CHECKPOINTS, DAY, at
from config import office as office_config
from reports.pdf import CHROMIUM, CHROMIUM_ARGS, chromium_available

FIRST_DAY = DAY - timedelta(days=7)  # Monday to Friday of the week before the story
DAYS = 5


def render_gallery(out_dir: Path, lang: str = "id", days: int = DAYS) -> list[Path]:
    from reports.demo_day import simulate_days
    from reports.html import render_html
    from reports.pages import ReportRequest, report_page
    from reports.pdf import write_pdf
    from reports.render import write_csv, write_xlsx
    from reports.report import build_report

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = office_config.load()
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="antrean-gallery-") as tmp:
        db = Path(tmp) / "antrean.db"
        week = simulate_days(config, db, FIRST_DAY, days)
        last = week.days[-1]
        now = at(CHECKPOINTS["done"]).astimezone(config.tz)
        rep = build_report(db, config, week.days[0], last, now=now, lang=lang)
        written.append(write_csv(rep, out_dir / "report.csv", lang))
        written.append(write_csv(rep, out_dir / "report-csv.zip", lang))
        written.append(write_xlsx(rep, out_dir / "report.xlsx", lang))
        html = out_dir / "report.html"
        html.write_text(render_html(rep, lang), encoding="utf-8")
        written.append(html)
        pdf = write_pdf(rep, out_dir / "report.pdf", lang)
        written.append(pdf)
        if chromium_available():
            status, _, body = report_page(
                db, config, ReportRequest(week.days[0], last, "html", lang), now=now)
            page_html = Path(tmp) / "page.html"
            page_html.write_bytes(body)
            written.append(screenshot(page_html, out_dir / "report-page.png", full_page=False))
            written.append(screenshot(page_html, out_dir / "report-page-full.png"))
    if shutil.which("pdftoppm"):
        for old in out_dir.glob("report-pdf-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf),
                        str(out_dir / "report-pdf")], check=True, timeout=120)
        written += sorted(out_dir.glob("report-pdf-*.png"))
    return written


def screenshot(html_file: Path, out: Path, width: int = 1280, full_page: bool = True) -> Path:
    """A PNG of a local HTML file in headless Chromium (no network: file:// only)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # an office PC in Indonesia: date pickers read dd/mm/yyyy, as the report does
            page = browser.new_page(viewport={"width": width, "height": 1000},
                                    locale="id-ID")
            page.goto(html_file.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(out), full_page=full_page)
        finally:
            browser.close()
    return out


if __name__ == "__main__":  # python -m antrean.gallery.reports OUT_DIR
    import sys
    for path in render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "report-gallery")):
        print(path)
