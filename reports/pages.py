"""The report as a page on the server, behind a one-time link (`GET /report/<token>`).

An admin asks for a link over the WebSocket (`report_link`: a date range and a format);
the hub keeps the `ReportRequest` under a random token for a minute and one response
(`server/hub/links.py`), then calls `report_page` with it off the event loop
(`asyncio.to_thread`): it reads the database and draws charts. The HTML page shows the
range it was made for and offers no form or links: any would need a secret in its URL.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from functools import cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from server.hub.links import ReportRequest

if TYPE_CHECKING:
    from config.office import OfficeConfig

HTML = "text/html; charset=utf-8"
TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "application/zip", "pdf": "application/pdf"}


@cache
def page_csp() -> str:
    """The Content-Security-Policy of these pages. Their only style is one inline <style>
    block (reports.html.CSS), allowed by its hash; the charts are data: images; no script.
    (reports.html draws with matplotlib: imported when a report is asked for, not before.)"""
    from reports.html import CSS
    style_hash = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    return (f"default-src 'none'; style-src 'sha256-{style_hash}'; img-src data:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def message_page(status: int, message: str, lang: str) -> tuple[int, str, bytes]:
    """A page with one message (an error, an expired link), styled as the report."""
    from reports.html import CSS
    from reports.report import L
    body = (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{escape(L('title', lang))}</title><style>{CSS}</style></head><body><main>"
            f"<header class='top'><h1>{escape(L('title', lang))}</h1></header>"
            f"<p class='error'>{escape(message)}</p></main></body></html>")
    return status, HTML, body.encode()


def report_page(db_path: str | Path, config: OfficeConfig, request: ReportRequest,
                now: datetime | None = None) -> tuple[int, str, bytes]:
    """`(status, content type, body)`: the report as HTML or as a download."""
    lang = request.lang
    from reports.report import L, build_report
    from reports.source import SourceError
    try:
        rep = build_report(db_path, config, request.date_from, request.date_to, now=now,
                           lang=lang)
    except SourceError:
        return message_page(500, L("db_error", lang), lang)
    except ValueError as exc:
        return message_page(400, str(exc), lang)
    fmt = request.fmt
    if fmt in TYPES:
        import tempfile
        with tempfile.TemporaryDirectory(prefix="antrean-report-") as tmp:
            out = Path(tmp) / f"report.{'zip' if fmt == 'csv' else fmt}"
            if fmt == "xlsx":
                from reports.render import write_xlsx
                write_xlsx(rep, out, lang)
            elif fmt == "csv":
                from reports.render import write_csv
                write_csv(rep, out, lang)
            else:
                from reports.pdf import write_pdf
                write_pdf(rep, out, lang)
            return 200, TYPES[fmt], out.read_bytes()
    from reports.html import render_html
    return 200, HTML, render_html(rep, lang).encode()


def link_page(db_path: str | Path, config: OfficeConfig, request: ReportRequest | None
              ) -> tuple[int, str, bytes, str]:
    """What `GET /report/<token>` answers, with the HTML pages' policy: the report its link
    was made for, or for a used or unknown link a page saying so."""
    from reports.report import L
    if request is None:
        lang = config.default_language
        status, content_type, body = message_page(404, L("link_gone", lang), lang)
    else:
        status, content_type, body = report_page(db_path, config, request)
    return status, content_type, body, page_csp()
