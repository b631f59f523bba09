"""A query string with too many fields is a client's mistake: 400 on every path, never a
500 with a traceback in the server's log, and the server carries on. (A report link's
path: tests/security/test_report_links.py.)"""

from __future__ import annotations

import logging

from raw_http import raw_get

from tests.integration.ws_helpers import device

MANY = "&".join(f"f{i}=1" for i in range(200))


def test_too_many_query_fields_answer_400_on_every_path(live_server, caplog):
    kiosk = device(live_server, "kiosk-1")
    ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    kiosk.close()
    status_path = ticket["status_url"].split("://", 1)[1].split("/", 1)[1]
    paths = [f"/{status_path}", f"/{status_path}.json", f"/{status_path}/survey",
             "/tablet", "/display", "/health", "/static/ticket.js", "/admin/report",
             "/report/x", "/nope", "/ws"]
    caplog.set_level(logging.INFO)
    for path in paths:
        for query in (MANY, "answers=4,4,4,4,4,4,4,4,4&" + MANY, "a&" * 100):
            status, _, body = raw_get(live_server.http_url, f"{path}?{query}")
            assert status == 400, (path, status, body[:300])
            assert b"Traceback" not in body and b"Error" not in body, path
    tracebacks = [r for r in caplog.records
                  if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]
    status, _, _ = raw_get(live_server.http_url, "/health")  # and the server carries on
    assert status == 200
