"""What the applicant's phone page shows beyond the ticket itself: the place in line
("ke-3 dari 7"), the numbers being served now in the same service, the office's alert
threshold, and the times and durations already formatted (`i18n.formats`), so the page
reads "07:49 WIB" and "± 12 mnt" exactly as every other screen does.

Everything here is public in the hall already (the board shows the numbers at the
counters); nothing names another applicant's token, lane or officer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from i18n import LANGUAGES
from i18n.formats import format_clock, format_duration
from server.engine import Engine
from server.engine.model import Ticket

SERVING_STATUSES = ("called", "serving")


def line_place(order: list[Ticket], ticket: Ticket) -> tuple[int, int]:
    """(people ahead, people in the line) of `ticket` among the waiting tickets of its
    service and stage, in calling order; (0, 0) when it is not waiting there."""
    same = [tk for tk in order if tk.service == ticket.service and tk.stage == ticket.stage]
    ahead = next((i for i, tk in enumerate(same) if tk.id == ticket.id), None)
    return (0, 0) if ahead is None else (ahead, len(same))


def now_serving(engine: Engine, service: str) -> list[dict[str, str]]:
    """The numbers called or served now in `service`, with their counters, newest call
    first: what the board shows at those counters."""
    out: list[tuple[datetime, dict[str, str]]] = []
    for state in engine.counters.values():
        ticket = engine.tickets.get(state.ticket) if state.ticket else None
        if ticket is None or ticket.service != service or ticket.status not in SERVING_STATUSES:
            continue
        cfg = engine.config.counter(state.id)
        out.append((ticket.called_at or ticket.issued_at,
                    {"number": ticket.number, "counter": state.id,
                     "counter_name": cfg.name if cfg else state.id}))
    return [entry for _, entry in sorted(out, key=lambda item: item[0], reverse=True)]


def phone_extras(engine: Engine, ticket: Ticket, now: datetime, ahead: int,
                 in_line: int, estimated_wait_s: float | None) -> dict[str, Any]:
    """The fields the phone page adds to the applicant's ticket JSON."""
    zone = engine.config.tz
    waiting = ticket.status == "waiting"
    texts: dict[str, Any] = {
        "issued": format_clock(ticket.issued_at, zone),
        "updated": format_clock(now, zone),
        "estimated_call": None, "wait": None,
    }
    if waiting and estimated_wait_s:
        texts["estimated_call"] = format_clock(now + timedelta(seconds=estimated_wait_s), zone)
        texts["wait"] = {lang: format_duration(max(60.0, estimated_wait_s), lang,
                                               smallest="minute") for lang in LANGUAGES}
    return {
        "position": ahead + 1 if waiting else None,
        "in_line": in_line if waiting else None,
        "now_serving": now_serving(engine, ticket.service),
        "alert_ahead": engine.config.phone.alert_ahead,
        "texts": texts,
    }


# ---------------------------------------------------------------- the boards' QR code
FOLLOW_PATH = "/ikuti"
FOLLOW_QR_PATH = "/ikuti.svg"


def follow_url(public_url: str) -> str:
    """Where the boards' QR code leads: a page on how to follow one's own ticket."""
    return public_url.rstrip("/") + FOLLOW_PATH


def follow_qr_svg(public_url: str) -> bytes:
    """The boards' QR code (for the web board's <img>) as plain SVG paths."""
    import qrcode
    from qrcode.image.svg import SvgPathFillImage

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=SvgPathFillImage)
    code.add_data(follow_url(public_url))
    return code.make_image().to_string()


def follow_page(office_name: str) -> bytes:
    """GET /ikuti: the page the boards' QR code opens. It explains how to follow one's
    ticket: scan the QR code printed on it. It asks for no number: a number is called out
    and shown on the board, so a page that opened a ticket by its number would show
    anyone's ticket (and let anyone cancel it); only the printed code's secret opens one."""
    from html import escape

    from i18n import t

    def both(key: str, tag: str) -> str:
        return "".join(f'<{tag} lang="{lang}" class="{lang}">'
                       f"{escape(t('phone.' + key, lang))}</{tag}>" for lang in LANGUAGES)

    steps = "".join(f"<li>{both(f'follow_step{i}', 'span')}</li>" for i in (1, 2, 3))
    title_id, title_en = (escape(t("phone.follow_title", lang)) for lang in LANGUAGES)
    body = f"""<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title_id} · {title_en}</title>
<link rel="stylesheet" href="/static/ticket.css">
</head>
<body class="follow">
<header class="top"><div class="office">{escape(office_name)}</div></header>
<main>
<section class="ticket follow-box">
<h1>{title_id}<span class="en" lang="en">{title_en}</span></h1>
<ol class="steps">{steps}</ol>
{both("follow_privacy", "p")}
</section>
</main>
</body>
</html>
"""
    return body.encode("utf-8")
