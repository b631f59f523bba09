"""Plain HTTP on the WebSocket port: health, the applicant's ticket page, the web board.

`route()` is websockets' `process_request` hook: it returns a Response for HTTP paths
and None for `/ws`, which then continues as a WebSocket handshake.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from websockets.datastructures import Headers
from websockets.http11 import Response

from protocol.messages import WS_PATH, encode_bytes

if TYPE_CHECKING:
    from server.hub.websocket import Hub

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
TOKEN_RE = re.compile(r"^/t/([A-Za-z0-9_-]{8,64})(\.json)?$")
SURVEY_RE = re.compile(r"^/t/([A-Za-z0-9_-]{8,64})/survey$")
SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                    ("Cache-Control", "no-store")]


def respond(status: int, body: bytes, content_type: str) -> Response:
    phrase = HTTPStatus(status).phrase
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(body))),
                       *SECURITY_HEADERS])
    return Response(status, phrase, headers, body)


def json_response(data: Any, status: int = 200) -> Response:
    return respond(status, encode_bytes(data),
                   "application/json; charset=utf-8")


def page(name: str) -> Response:
    path = WEB_DIR / name
    if not path.is_file():
        return json_response({"error": "not_found"}, 404)
    kind = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
            ".css": "text/css; charset=utf-8", ".wav": "audio/wav",
            ".png": "image/png"}.get(path.suffix, "application/octet-stream")
    return respond(200, path.read_bytes(), kind)


def route(hub: Hub, connection: Any, request: Any) -> Response | None:
    path, _, query = request.path.partition("?")
    if path == WS_PATH:
        return None
    if path == "/health":
        return json_response(health := hub.health(), 200 if health["ok"] else 503)
    match = TOKEN_RE.match(path)
    if match:
        ticket = hub.ticket_public(match.group(1))
        if ticket is None:
            return json_response({"error": "not_found"}, 404)
        wants_json = bool(match.group(2)) or "format=json" in query \
            or not (WEB_DIR / "ticket.html").is_file()
        return json_response(ticket) if wants_json else page("ticket.html")
    match = SURVEY_RE.match(path)
    if match:
        return submit_survey(hub, match.group(1), query)
    if path == "/tablet":
        return tablet(hub, query)
    if path == "/admin/report":
        return admin_report(hub, query)
    if path == "/display":
        return page("display.html")
    if path.startswith("/static/") and ".." not in path:
        return page(path.removeprefix("/static/"))
    extra = getattr(hub, "extra_routes", None)
    if extra is not None:
        response = extra(path, query, request)
        if response is not None:
            return response
    return json_response({"error": "not_found"}, 404)


async def submit_survey(hub: Hub, token: str, query: str) -> Response:
    """GET /t/<token>/survey?answers=4,3,4,4,3,4,4,3,4&comment=... (the phone page's form).

    GET because websockets' HTTP side only parses GET; the answer is idempotent anyway
    (one response per ticket)."""
    from urllib.parse import parse_qs

    from server.engine import Actor
    params = parse_qs(query, max_num_fields=4)
    try:
        answers = [int(x) for x in params.get("answers", [""])[0].split(",")]
    except ValueError:
        return json_response({"ok": False, "error": {"code": "bad_request",
                                                      "message": "answers"}}, 400)
    comment = params.get("comment", [""])[0][:2000]
    result = await hub.run_command("submit_survey", {"ticket": token, "answers": answers,
                                                     "comment": comment},
                                   Actor("applicant", "phone"))
    status = 200 if result["ok"] else 400
    return json_response({k: v for k, v in result.items() if k != "id"}, status)


async def _device_from_query(hub: Hub, query: str, role: str) -> Any:
    """The paired device whose token is in `?token=`, if it has this role; else None."""
    import asyncio
    from urllib.parse import parse_qs

    token = parse_qs(query, max_num_fields=10).get("token", [""])[0]
    device = await asyncio.to_thread(hub.store.device_for_token, token)
    return device if device is not None and device.role == role else None


def _needs_token(message: str) -> Response:
    return respond(401, f"<!doctype html><meta charset=utf-8><h1>401</h1><p>{message} "
                   "(?token=…)</p>".encode(), "text/html; charset=utf-8")


async def admin_report(hub: Hub, query: str) -> Response:
    """The office report for an admin device's token, with a date picker (reports.pages).

    Runs in a thread: it reads the database and draws charts, which must not stall the
    queue."""
    import asyncio

    device = await _device_from_query(hub, query, "admin")
    if device is None:
        return _needs_token("Token admin diperlukan / An admin device token is required")
    from reports.pages import report_page
    status, content_type, body = await asyncio.to_thread(report_page, hub.store.path,
                                                         hub.config, query)
    response = respond(status, body, content_type)
    suffix = {"application/pdf": "pdf", "application/zip": "zip"}.get(
        content_type, "xlsx" if "spreadsheet" in content_type else None)
    if suffix:
        response.headers["Content-Disposition"] = f'attachment; filename="laporan.{suffix}"'
    return response


TABLET_WAIT = """<!doctype html><html lang="id"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5"><title>Survei Kepuasan</title>
<body style="font-family:DejaVu Sans,sans-serif;background:#0a2a66;color:#fff;
display:flex;align-items:center;justify-content:center;height:100vh;margin:0;text-align:center">
<div><h1 style="font-size:44px">Survei Kepuasan Masyarakat</h1>
<p style="font-size:28px">Survei muncul di sini setelah layanan Anda selesai.<br>
<span style="opacity:.75">The survey appears here once your service is finished.</span></p>
</div></body></html>"""


async def tablet(hub: Hub, query: str) -> Response:
    """Tablet mode at a counter, for applicants without a phone: `/tablet?token=T` with
    the counter console's device token opens the survey (the phone page) of the ticket
    last finished at that console's counter, once; otherwise a waiting page that
    refreshes itself."""
    from datetime import timedelta
    from urllib.parse import parse_qs, quote

    token = parse_qs(query, max_num_fields=10).get("token", [""])[0]  # handed on below
    device = await _device_from_query(hub, query, "counter")
    if device is None:
        return _needs_token("Token perangkat loket diperlukan / "
                            "A counter device token is required")
    engine = hub.engine
    counter = device.counter or next((c.id for c in engine.counters.values()
                                      if c.device == device.name), None)
    recent = hub.clock() - timedelta(minutes=10)  # the applicant who just left the desk
    done = [tk for tk in engine.tickets.values()
            if tk.counter == counter and tk.status == "done" and not tk.surveyed
            and tk.finished_at and tk.finished_at >= recent]
    if counter is None or not done:
        return respond(200, TABLET_WAIT.encode(), "text/html; charset=utf-8")
    latest = max(done, key=lambda tk: tk.finished_at)
    response = respond(302, b"", "text/plain")
    response.headers["Location"] = f"/t/{latest.token}?tablet={quote(token)}"
    return response
