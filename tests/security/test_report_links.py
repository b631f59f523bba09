"""The office report opens through a short-lived, single-use link that an admin asks for
over its authenticated WebSocket (`report_link`), never through a device token in a URL.
The server runs on a clock the test moves."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from raw_http import raw_get

from antrean.demo_office import pair_demo_devices
from antrean.wiring import report_hooks
from server.app import ServerThread
from server.store.sqlite import Store
from tests.integration.ws_helpers import Clock, join

START = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 10:00 WIB
DAY = "2026-12-07"
LINK_RE = re.compile(r"^/report/[A-Za-z0-9_-]{43,}$")  # 32 random bytes, base64url


@pytest.fixture
def clocked_server(tmp_path, open_office):
    db = tmp_path / "antrean.db"
    tokens = pair_demo_devices(db)
    store = Store(db)
    tokens["tablet-3"] = store.add_device("tablet-3", "tablet", "loket-3")
    store.close()
    clock = Clock(START)
    server = ServerThread(open_office, db, clock=clock, reports=report_hooks()).start()
    server.tokens, server.clock = tokens, clock
    yield server
    server.stop()


def _admin(server):
    return join(server.url, "admin", "admin-1", server.tokens["admin-1"])


def _link(admin, fmt="html", **extra) -> dict:
    return admin.ok("report_link", **{"from": DAY, "to": DAY, "format": fmt, **extra})


def test_a_link_serves_the_report_once(clocked_server):
    admin = _admin(clocked_server)
    made = _link(admin)
    admin_token = clocked_server.tokens["admin-1"]
    assert LINK_RE.match(made["url"]), made
    assert datetime.fromisoformat(made["expires_at"]) == START + timedelta(seconds=60)
    assert admin_token not in made["url"]
    status, headers, body = raw_get(clocked_server.http_url, made["url"])
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "IKM" in page and "07/12/2026" in page  # the range it was made for
    # nothing on it that would need a secret: no form, no links, no token of any kind
    assert "<form" not in page and "<a " not in page and "href" not in page
    assert "token" not in page and admin_token not in page
    assert headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in headers["content-security-policy"]
    status, _, body = raw_get(clocked_server.http_url, made["url"])  # used: gone
    assert status == 404 and b"IKM" not in body
    second = _link(admin, "xlsx")
    assert second["url"] != made["url"]
    status, headers, body = raw_get(clocked_server.http_url, second["url"])
    assert status == 200 and body[:2] == b"PK"
    assert headers["content-disposition"] == 'attachment; filename="laporan.xlsx"'
    assert raw_get(clocked_server.http_url, second["url"])[0] == 404
    admin.close()


def test_a_link_expires_after_a_minute(clocked_server):
    admin = _admin(clocked_server)
    early, late = _link(admin), _link(admin)
    clocked_server.clock.now = START + timedelta(seconds=59)
    assert raw_get(clocked_server.http_url, early["url"])[0] == 200
    clocked_server.clock.now = START + timedelta(seconds=60)
    status, _, body = raw_get(clocked_server.http_url, late["url"])
    assert status == 404 and b"IKM" not in body
    clocked_server.clock.now = START + timedelta(seconds=59)  # and it does not come back
    assert raw_get(clocked_server.http_url, late["url"])[0] == 404
    admin.close()


@pytest.mark.parametrize("role,name", [("kiosk", "kiosk-1"), ("counter", "console-1"),
                                       ("display", "board-1"), ("tablet", "tablet-3"),
                                       ("observer", None)])
def test_other_roles_get_forbidden(clocked_server, role, name):
    client = join(clocked_server.url, role, name, clocked_server.tokens.get(name))
    client.refused("report_link", "forbidden", **{"from": DAY, "to": DAY, "format": "html"})
    client.close()


def test_bad_arguments_make_no_link(clocked_server):
    admin = _admin(clocked_server)
    for args in ({"from": "nonsense", "to": DAY, "format": "html"},
                 {"from": DAY, "to": "2026-12-06", "format": "html"},
                 {"from": DAY, "to": DAY, "format": "exe"},
                 {"from": DAY, "to": DAY, "format": "html", "lang": "xx"},
                 {"from": 20261207, "to": DAY, "format": "html"}):
        admin.refused("report_link", "bad_request", **args)
    admin.refused("report_link", "bad_request", **{"from": DAY, "format": "html"})
    admin.close()


def test_no_device_token_opens_a_report(clocked_server):
    for name in ("admin-1", "console-1", "kiosk-1"):
        token = clocked_server.tokens[name]
        for target in (f"/admin/report?token={token}", f"/report?token={token}",
                       f"/report/{token}", f"/admin/report?token={token}&format=xlsx"):
            status, _, body = raw_get(clocked_server.http_url, target)
            assert status == 404, (target, status)
            assert b"IKM" not in body and body[:2] != b"PK"
    for _ in range(3):  # a guessed token
        assert raw_get(clocked_server.http_url, f"/report/{secrets.token_urlsafe(32)}")[0] == 404


def test_a_refused_request_does_not_use_up_the_link(clocked_server):
    admin = _admin(clocked_server)
    made = _link(admin)
    many = "&".join(f"f{i}=1" for i in range(100))
    assert raw_get(clocked_server.http_url, f"{made['url']}?{many}")[0] == 400
    assert raw_get(clocked_server.http_url, made["url"])[0] == 200
    admin.close()
