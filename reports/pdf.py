"""PDF output: the HTML report printed by headless Chromium (playwright), A4.

Chromium is the first choice — the PDF then looks exactly like the HTML page. Where
Chromium or playwright is missing, a compact fallback is drawn with matplotlib's
PdfPages: the key figures, the charts and the SKM table (documented in docs/reports.md).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from reports.report import L, Report, skm_summary_rows

CHROMIUM = os.environ.get("ANTREAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , "
                 "EXCLUDE 127.0.0.1"]


def chromium_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return bool(shutil.which(CHROMIUM) or Path(CHROMIUM).is_file())


def html_to_pdf(html: str, out: Path) -> Path:
    """Print `html` to an A4 PDF with headless Chromium (raises on any failure)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            page.emulate_media(media="print")
            page.pdf(path=str(out), format="A4", print_background=True,
                     prefer_css_page_size=True,
                     display_header_footer=True, header_template="<span></span>",
                     footer_template="<div style='font-size:8px;width:100%;text-align:center;"
                     "color:#777'><span class='pageNumber'></span> / "
                     "<span class='totalPages'></span></div>",
                     margin={"top": "12mm", "bottom": "14mm", "left": "10mm",
                             "right": "10mm"})
        finally:
            browser.close()
    return out


def write_pdf(rep: Report, out: Path, lang: str, force_fallback: bool = False) -> Path:
    out = Path(out)
    if not force_fallback and chromium_available():
        from reports.html import render_html
        try:
            return html_to_pdf(render_html(rep, lang), out)
        except Exception:  # noqa: BLE001 — any browser failure: fall back, still a report
            pass
    return fallback_pdf(rep, out, lang)


def fallback_pdf(rep: Report, out: Path, lang: str) -> Path:
    """A compact PDF without a browser: summary page, charts, SKM table."""
    import io

    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from reports import charts
    from reports.html import fmt
    from reports.report import minutes

    s = rep.summary
    with PdfPages(out) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        fig.text(0.06, 0.95, rep.office, fontsize=12)
        fig.text(0.06, 0.92, L("title", lang), fontsize=20, weight="bold")
        fig.text(0.06, 0.895, f"{L('period', lang)}: {rep.date_from} – {rep.date_to}",
                 fontsize=12)
        fig.text(0.06, 0.875, L("pdf_fallback", lang), fontsize=9, color="#777")
        lines = [(L(k, lang), fmt(v, kind, lang)) for k, v, kind in (
            ("issued", s.issued, "int"), ("served", s.served, "int"),
            ("no_show", s.no_show, "int"), ("transferred", s.transferred, "int"),
            ("cancelled", s.cancelled, "int"), ("expired", s.expired, "int"),
            ("wait_mean", minutes(s.wait_mean_s), "min"),
            ("wait_median", minutes(s.wait_median_s), "min"),
            ("wait_p90", minutes(s.wait_p90_s), "min"),
            ("wait_max", minutes(s.wait_max_s), "min"),
            ("sla_share", s.sla_share, "pct"), ("svc_mean", minutes(s.svc_mean_s), "min"))]
        lines += skm_summary_rows(rep.skm, lang)
        for i, (a, b) in enumerate(lines):
            fig.text(0.08, 0.83 - i * 0.03, a, fontsize=12)
            fig.text(0.62, 0.83 - i * 0.03, b, fontsize=12, weight="bold")
        pdf.savefig(fig)
        plt.close(fig)
        pics = list(charts.all_charts(rep, lang).values())
        for i in range(0, len(pics), 2):
            fig = plt.figure(figsize=(8.27, 11.69))
            for j, png in enumerate(pics[i:i + 2]):
                ax = fig.add_axes((0.05, 0.52 - j * 0.47, 0.9, 0.43))
                ax.imshow(mpimg.imread(io.BytesIO(png), format="png"))
                ax.axis("off")
            pdf.savefig(fig)
            plt.close(fig)
    return out
