"""The report on the server: an admin asks for a one-time link over its WebSocket
(`report_link`) and opens it; the page shows the range it was made for, downloads are
named. (Link lifetime, single use and roles: tests/security/test_report_links.py.)"""

import urllib.error
import urllib.request

from ws_helpers import device


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_report_page_and_downloads_through_links(live_server):
    admin = device(live_server, "admin-1")
    kiosk = device(live_server, "kiosk-1")
    day = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")["issued_at"][:10]
    kiosk.close()
    shown = f"{day[8:10]}/{day[5:7]}/{day[:4]}"  # dd/mm/yyyy, as Indonesians write it

    def link(fmt, **extra):
        return live_server.http_url + admin.ok(
            "report_link", **{"from": day, "to": day, "format": fmt, **extra})["url"]

    status, headers, body = _get(link("html"))
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"IKM" in body and shown.encode() in body and b"Laporan" in body
    status, _, body = _get(link("html", lang="en"))
    assert status == 200 and b"Report" in body
    for fmt, magic, name in (("xlsx", b"PK", "laporan.xlsx"), ("csv", b"PK", "laporan.zip"),
                             ("pdf", b"%PDF", "laporan.pdf")):
        status, headers, body = _get(link(fmt))
        assert status == 200 and body.startswith(magic), fmt
        assert headers["Content-Disposition"] == f'attachment; filename="{name}"'
    admin.close()
