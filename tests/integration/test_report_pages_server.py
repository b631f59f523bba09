"""The report pages on the server: only for an admin device's token; downloads named."""

import urllib.error
import urllib.request

import pytest


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.parametrize("token_of", [None, "kiosk-1", "board-1"])
def test_report_page_refuses_everyone_but_admins(live_server, token_of):
    token = live_server.tokens[token_of] if token_of else "nope"
    status, _, body = _get(f"{live_server.http_url}/admin/report?token={token}")
    assert status == 401 and b"admin" in body


def test_report_page_for_admin_with_date_picker_and_download(live_server):
    token = live_server.tokens["admin-1"]
    status, headers, body = _get(f"{live_server.http_url}/admin/report?token={token}")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"type='date'" in body and b"IKM" in body
    status, headers, body = _get(f"{live_server.http_url}/admin/report?token={token}"
                                 "&format=xlsx")
    assert status == 200 and body[:2] == b"PK"
    assert headers["Content-Disposition"] == 'attachment; filename="laporan.xlsx"'
