"""Plain HTTP on the WebSocket port: health, the applicant's ticket page, the web board,
the survey tablet's page, the supervisor console and one-time report links.

`route()` is websockets' `process_request` hook: it returns a Response for HTTP paths
and None for `/ws`, which then continues as a WebSocket handshake. The request path
arrives exactly as sent (not percent-decoded); routes match it whole.

Files are served from a fixed table (`STATIC`, `PAGES`: name → bytes and content type),
read once at import: nothing taken from a request's path ever reaches the filesystem.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from websockets.datastructures import Headers
from websockets.http11 import Response

from protocol.messages import SURVEY_PROFILE, WS_PATH, ErrorCode, encode_bytes
from server.engine import Actor
from server.hub.links import ReportRequest

log = logging.getLogger("antrean.http")

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
TOKEN_RE = re.compile(r"^/t/([A-Za-z0-9_-]{8,64})(\.json)?$")
SURVEY_RE = re.compile(r"^/t/([A-Za-z0-9_-]{8,64})/survey$")
CANCEL_RE = re.compile(r"^/t/([A-Za-z0-9_-]{8,64})/cancel$")
REPORT_RE = re.compile(r"^/report/([A-Za-z0-9_-]{22,64})$")
STATIC_PREFIX = "/static/"
MAX_QUERY_FIELDS = 16  # the pages use at most three; parse_qs refuses more (400)

HTML = "text/html; charset=utf-8"
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
JSON = "application/json; charset=utf-8"
SVG = "image/svg+xml"
# what /static/<name> serves: these names and nothing else
STATIC_FILES = {"display.css": CSS, "display.js": JS, "ticket.css": CSS, "ticket.js": JS,
                "phone-strings.json": JSON, "tablet.css": CSS, "tablet.js": JS,
                "board-strings.json": JSON,
                "admin.css": CSS, "admin.js": JS, "admin-strings.json": JSON}
# the HTML pages, each served at its own path only
PAGE_FILES = ("display.html", "ticket.html", "tablet.html", "admin.html")

SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
                    ("Cache-Control", "no-store")]
# The web pages load their scripts and styles from /static and talk to /ws and /t on the
# same origin: nothing inline, nothing from elsewhere. No page of ours is framed.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _read_web_files(names: Any) -> dict[str, bytes]:
    files = {}
    for name in names:
        try:
            files[name] = (WEB_DIR / name).read_bytes()
        except OSError as exc:  # a page missing from an install: its route answers 404
            log.warning("web file %s not available: %s", name, exc)
    return files


STATIC: dict[str, tuple[bytes, str]] = {
    name: (body, STATIC_FILES[name]) for name, body in _read_web_files(STATIC_FILES).items()}
PAGES: dict[str, bytes] = _read_web_files(PAGE_FILES)


class BadQuery(ValueError):
    """A query string the server will not parse (too many fields)."""


def parse_query(query: str) -> dict[str, str]:
    """The query's fields (first value of each). Every route's query goes through here:
    BadQuery (→ 400) for more than MAX_QUERY_FIELDS fields."""
    if not query:
        return {}
    try:
        fields = parse_qs(query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError as exc:  # "Max number of fields exceeded"
        raise BadQuery(str(exc)) from None
    return {key: values[0] for key, values in fields.items()}


def respond(status: int, body: bytes, content_type: str) -> Response:
    phrase = HTTPStatus(status).phrase
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(body))),
                       *SECURITY_HEADERS])
    return Response(status, phrase, headers, body)


def html_response(body: bytes, status: int = 200, csp: str = PAGE_CSP) -> Response:
    response = respond(status, body, HTML)
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "DENY"
    return response


def json_response(data: Any, status: int = 200) -> Response:
    return respond(status, encode_bytes(data), JSON)


def not_found() -> Response:
    return json_response({"error": "not_found"}, 404)


def page(name: str) -> Response:
    body = PAGES.get(name)
    return not_found() if body is None else html_response(body)


def static(name: str) -> Response:
    entry = STATIC.get(name)
    return not_found() if entry is None else respond(200, *entry)


@dataclass(frozen=True)
class Routes:
    """The HTTP side, given what it needs by the hub that serves it (it knows no hub):
    `health()`, `ticket(token)` (an applicant's view of their ticket, None if no such
    token), `run_command(name, args, actor)` (through the hub's writer, durable),
    `take_report(token)` (a one-time link's request, once), `report_page(request)` (on
    a thread: status, content type, body, CSP; None when no reports are composed in) and
    `metrics(bearer_token)` (GET /metrics: status, body, content type) and `follow` (the
    page the boards' QR code opens, and that code as SVG)."""

    health: Callable[[], dict[str, Any]]
    ticket: Callable[[str], dict[str, Any] | None]
    run_command: Callable[[str, dict[str, Any], Actor], Awaitable[dict[str, Any]]]
    take_report: Callable[[str], ReportRequest | None]
    report_page: Callable[[ReportRequest | None], tuple[int, str, bytes, str]] | None
    metrics: Callable[[str | None], Awaitable[tuple[int, bytes, str]]] | None = None
    # GET /ikuti and /ikuti.svg, where the boards' QR code leads: path → body, content type
    follow: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def route(self, request: Any) -> Response | None | Awaitable[Response]:
        """websockets' `process_request`: a Response for an HTTP path, None for `/ws`."""
        path, _, query = request.path.partition("?")
        try:
            params = parse_query(query)
        except BadQuery:
            return json_response({"error": "bad_request"}, 400)
        if path == WS_PATH:
            return None
        if path == "/health":
            return json_response(health := self.health(), 200 if health["ok"] else 503)
        match = TOKEN_RE.match(path)
        if match:
            ticket = self.ticket(match.group(1))
            if ticket is None:
                return not_found()
            wants_json = bool(match.group(2)) or params.get("format") == "json" \
                or "ticket.html" not in PAGES
            return json_response(ticket) if wants_json else page("ticket.html")
        match = SURVEY_RE.match(path)
        if match:
            return self.submit_survey(match.group(1), params)
        match = CANCEL_RE.match(path)
        if match:
            return self.cancel_own(match.group(1), params)
        match = REPORT_RE.match(path)
        if match:
            return self.report(match.group(1))
        if path == "/metrics" and self.metrics is not None:
            return self.metrics_page(request.headers.get("Authorization", ""))
        if path == "/tablet":
            return page("tablet.html")
        if path == "/display":
            return page("display.html")
        if path in self.follow:
            body, content_type = self.follow[path]
            return html_response(body) if content_type == HTML else respond(200, body,
                                                                            content_type)
        if path == "/admin":  # the supervisor console: it logs in over /ws, the page is public
            return page("admin.html")
        if path.startswith(STATIC_PREFIX):
            return static(path.removeprefix(STATIC_PREFIX))
        return not_found()

    async def submit_survey(self, token: str, params: dict[str, str]) -> Response:
        """GET /t/<token>/survey?answers=4,3,4,4,3,4,4,3,4&comment=... (the phone page's
        form). GET because websockets' HTTP side only parses GET; the answer is idempotent
        anyway (one response per ticket). Only a ticket's secret status token opens its
        survey: an id or a number (printed, called out, on the board) is not found here."""
        if self.ticket(token) is None:
            return not_found()
        try:
            answers = [int(x) for x in params.get("answers", "").split(",")]
        except ValueError:
            return json_response({"ok": False, "error": {"code": "bad_request",
                                                          "message": "answers"}}, 400)
        comment = params.get("comment", "")[:2000]
        # the optional respondent profile: codes, checked by the command's spec
        profile = {field: params[field] for field in SURVEY_PROFILE if params.get(field)}
        result = await self.run_command("submit_survey", {"ticket": token, "answers": answers,
                                                          "comment": comment,
                                                          "profile": profile},
                                        Actor("applicant", "phone"))
        if result["ok"]:
            status = 200
        else:
            status = 404 if result["error"]["code"] == ErrorCode.NOT_FOUND else 400
        return json_response({k: v for k, v in result.items() if k != "id"}, status)

    async def cancel_own(self, token: str, params: dict[str, str]) -> Response:
        """GET /t/<token>/cancel?confirm=1: the applicant gives up their waiting ticket
        ("Batalkan nomor saya", after the page asked them to confirm). By status token
        only, like the survey; without `confirm=1` nothing happens (400), so a link
        preview or a prefetch never cancels."""
        if self.ticket(token) is None:
            return not_found()
        if params.get("confirm") != "1":
            return json_response({"ok": False, "error": {"code": "bad_request",
                                                          "message": "confirm"}}, 400)
        result = await self.run_command("cancel_own", {"ticket": token},
                                        Actor("applicant", "phone"))
        if result["ok"]:
            status = 200
        else:
            status = 404 if result["error"]["code"] == ErrorCode.NOT_FOUND else 409
        return json_response({k: v for k, v in result.items() if k != "id"}, status)

    async def metrics_page(self, authorization: str) -> Response:
        """GET /metrics with `Authorization: Bearer TOKEN` (Prometheus' `authorization`)."""
        scheme, _, token = authorization.partition(" ")
        status, body, content_type = await self.metrics(
            token.strip() if scheme.lower() == "bearer" else None)
        response = respond(status, body, content_type)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="antrean"'
        return response

    async def report(self, token: str) -> Response:
        """GET /report/<token>: the report a `report_link` command asked for, once, within
        its minute; the token is used up here, before the report is made. Made in a
        thread: it reads the database and draws charts, which must not stall the queue."""
        request = self.take_report(token)
        if self.report_page is None:
            return not_found()
        status, content_type, body, csp = await asyncio.to_thread(self.report_page, request)
        if content_type == HTML or request is None:
            return html_response(body, status, csp)
        response = respond(status, body, content_type)
        suffix = "zip" if request.fmt == "csv" else request.fmt
        response.headers["Content-Disposition"] = f'attachment; filename="laporan.{suffix}"'
        return response
