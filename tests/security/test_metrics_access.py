"""GET /metrics shows the office's activity (counts, device names and states): only a
device paired as `monitor` (or an admin device) may read it, with its token as a Bearer
token. Nobody else on the LAN, not a kiosk's or a board's token; and a monitor's token is
no key to /ws."""

from __future__ import annotations

import pytest

from server.store.sqlite import Store
from tests.integration.ws_helpers import WsClient
from tests.security.raw_http import raw_get


def get_metrics(server, authorization: str | None) -> tuple[int | None, dict, bytes]:
    import socket
    from urllib.parse import urlsplit
    url = urlsplit(server.http_url)
    extra = f"Authorization: {authorization}\r\n" if authorization else ""
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(f"GET /metrics HTTP/1.1\r\nHost: {url.netloc}\r\n{extra}"
                     "Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(":") for line in lines[1:])}
    return int(lines[0].split(" ")[1]), headers, body


@pytest.fixture
def monitor_token(live_server) -> str:
    store = Store(live_server.db_path)
    try:
        return store.add_device("prometheus", "monitor")
    finally:
        store.close()


def test_metrics_need_a_monitor_or_admin_token(live_server, monitor_token):
    status, headers, body = get_metrics(live_server, None)
    assert status == 401 and headers["www-authenticate"].startswith("Bearer")
    assert b"antrean_" not in body
    assert raw_get(live_server.http_url, "/metrics")[0] == 401
    for name in ("kiosk-1", "board-1", "console-1"):  # other roles' tokens: no
        status, _, body = get_metrics(live_server, f"Bearer {live_server.tokens[name]}")
        assert status == 401 and b"antrean_" not in body, name
    assert get_metrics(live_server, "Bearer not-a-token")[0] == 401
    assert get_metrics(live_server, f"Basic {monitor_token}")[0] == 401
    assert get_metrics(live_server, f"Bearer {monitor_token}")[0] == 200
    assert get_metrics(live_server, f"bearer {live_server.tokens['admin-1']}")[0] == 200


def test_a_revoked_monitor_reads_nothing(live_server, monitor_token):
    store = Store(live_server.db_path)
    try:
        assert store.revoke_device("prometheus")
    finally:
        store.close()
    assert get_metrics(live_server, f"Bearer {monitor_token}")[0] == 401


@pytest.mark.parametrize("role", ["admin", "counter", "display", "kiosk", "monitor"])
def test_a_monitor_token_opens_no_websocket(live_server, monitor_token, role):
    client = WsClient(live_server.url)
    try:
        reply = client.hello(role, "prometheus", monitor_token)
        assert reply["type"] == "error", reply
    finally:
        client.close()
