"""The report as pages on the server: `/admin/report?token=…&from=…&to=…`.

`report_page(db_path, config, query)` answers `(status, content type, body)`; the hub
checks the admin token before calling it, and should call it off the event loop
(`asyncio.to_thread`): it reads the database and draws charts. `format=xlsx|csv|pdf`
gives the same report as a download; the HTML page carries a date picker that keeps the
token in a hidden field.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from reports.report import L
from server.config import OfficeConfig

HTML = "text/html; charset=utf-8"
TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "application/zip", "pdf": "application/pdf"}


def _form(params: dict[str, str], lang: str) -> str:
    token = escape(params.get("token", ""))
    base = {k: v for k, v in params.items() if k in ("token", "from", "to", "lang")}
    links = " · ".join(f"<a href='?{escape(urlencode({**base, 'format': f}))}'>{f.upper()}</a>"
                       for f in ("xlsx", "csv", "pdf"))
    langs = "".join(f"<option value='{code}'{' selected' if code == lang else ''}>{name}"
                    "</option>" for code, name in (("id", "Bahasa Indonesia"),
                                                   ("en", "English")))
    return (f"<form class='pick' method='get'><input type='hidden' name='token' "
            f"value='{token}'>"
            f"<label>{escape(L('form_from', lang))}<input type='date' name='from' "
            f"value='{escape(params.get('from', ''))}' required></label>"
            f"<label>{escape(L('form_to', lang))}<input type='date' name='to' "
            f"value='{escape(params.get('to', ''))}' required></label>"
            f"<label>&nbsp;<select name='lang'>{langs}</select></label>"
            f"<button type='submit'>{escape(L('form_show', lang))}</button>"
            f"<span>{escape(L('form_download', lang))}: {links}</span></form>")


def _error_page(status: int, message: str, params: dict[str, str], lang: str
                ) -> tuple[int, str, bytes]:
    from reports.html import CSS
    body = (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{escape(L('title', lang))}</title><style>{CSS}</style></head><body><main>"
            f"<header class='top'><h1>{escape(L('title', lang))}</h1></header>"
            f"{_form(params, lang)}<p class='error'>{escape(message)}</p></main></body></html>")
    return status, HTML, body.encode()


def report_page(db_path: str | Path, config: OfficeConfig, query: str,
                now: datetime | None = None) -> tuple[int, str, bytes]:
    raw = parse_qs(query or "", keep_blank_values=True)
    params = {k: v[0] for k, v in raw.items() if v}
    lang = params.get("lang") if params.get("lang") in ("id", "en") \
        else config.default_language
    today = (now or datetime.now(config.tz)).astimezone(config.tz).date()
    params.setdefault("from", today.isoformat())
    params.setdefault("to", params["from"])
    try:
        date_from, date_to = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])
        if date_to < date_from:
            raise ValueError
    except ValueError:
        return _error_page(400, L("bad_date", lang), params, lang)
    fmt = params.get("format", "html")
    from reports.report import build_report
    from reports.source import SourceError
    try:
        rep = build_report(db_path, config, date_from, date_to, now=now, lang=lang)
    except SourceError:
        return _error_page(500, L("db_error", lang), params, lang)
    except ValueError as exc:
        return _error_page(400, str(exc), params, lang)
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
    return 200, HTML, render_html(rep, lang, form=_form(params, lang)).encode()
