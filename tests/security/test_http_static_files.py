"""The HTTP side serves a fixed set of files and nothing else: no request path, however
spelled, reaches a file outside that set (the database, its WAL, a TLS key, /etc/passwd,
the server's source), and a symlink placed beside the web files is not followed.

Requests go over a raw socket to the real server, so each path arrives as written."""

from __future__ import annotations

import secrets
import sqlite3

import pytest
from raw_http import raw_get

from server.hub import http

PASSWD_MARK = b"root:"
SQLITE_MARK = b"SQLite format 3"


@pytest.fixture
def secrets_on_disk(live_server, tmp_path):
    """The server's own database (with a -wal beside it) and a private key file."""
    with sqlite3.connect(live_server.db_path) as conn:  # the server keeps the WAL open
        conn.execute("INSERT INTO meta(key, value) VALUES ('test', 'a page in the -wal')")
    wal = live_server.db_path.with_name(live_server.db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    key = tmp_path / "server.key"
    key_mark = f"-----BEGIN PRIVATE KEY----- {secrets.token_hex(16)}".encode()
    key.write_bytes(key_mark + b"\n")
    return {"db": live_server.db_path, "wal": wal, "key": key, "key_mark": key_mark,
            "wal_head": wal.read_bytes()[:32]}


def _targets(paths: dict) -> list[str]:
    db, wal, key = str(paths["db"]), str(paths["wal"]), str(paths["key"])
    db_rel = db.lstrip("/")
    return [
        # absolute paths: WEB_DIR / "/x" is "/x"
        f"/static/{db}", f"/static/{wal}", f"/static/{key}", "/static//etc/passwd",
        # doubled and tripled slashes
        f"/static//{db}", "/static///etc/passwd", "//static//etc/passwd", "//etc/passwd",
        "/etc/passwd", f"/{db}",
        # percent-encoded separators
        "/static/%2fetc%2fpasswd", "/static/%2Fetc%2Fpasswd", f"/static/%2F{db_rel}",
        "/static/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", "/static/..%5c..%5cetc%5cpasswd",
        "/static/%5cetc%5cpasswd",
        # .. in every spelling
        "/static/../../../../../../etc/passwd", "/static/../hub/http.py",
        "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/%2E%2E/hub/http.py",
        "/static/.%2e/.%2e/.%2e/.%2e/.%2e/etc/passwd", "/static/%2e./hub/http.py",
        "/static/..\\..\\..\\..\\etc\\passwd", "/static/..\\hub\\http.py",
        "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "/static/%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
        "/static/%252e%252e/%252e%252e/etc/passwd",
        # NUL bytes, escaped and raw
        "/static/ticket.js%00/../../../../etc/passwd", f"/static/{db}%00.css",
        "/static/ticket.js\x00../../../../etc/passwd", f"/static/{db}\x00",
        # the other routes
        "/display/../../../../etc/passwd", "/display//etc/passwd", "/t/../../../etc/passwd",
        "/tablet/../../../../etc/passwd", f"/report/{db}", "/report/../../../../etc/passwd",
        "/static/", "/static", "/static/.", "/static/..",
    ]


def _assert_not_served(status, body, paths, target):
    assert status in (400, 404), (target, status, body[:200])
    for mark in (PASSWD_MARK, SQLITE_MARK, paths["key_mark"], paths["wal_head"]):
        assert mark not in body, target
    assert b"def route(" not in body, target  # the server's own source


def test_no_path_reaches_a_file_outside_the_served_set(live_server, secrets_on_disk):
    status, _, body = raw_get(live_server.http_url, "/static/ticket.js")
    assert status == 200 and body == (http.WEB_DIR / "ticket.js").read_bytes()  # control
    for target in _targets(secrets_on_disk):
        status, _, body = raw_get(live_server.http_url, target)
        _assert_not_served(status, body, secrets_on_disk, target)


@pytest.fixture
def symlinks_beside_web_files(tmp_path):
    """A symlink to a secret file and one to a folder holding it, in the web folder."""
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    mark = f"SECRET {secrets.token_hex(16)}".encode()
    secret.write_bytes(mark)
    tag = secrets.token_hex(4)
    file_link = http.WEB_DIR / f"zz-link-{tag}.css"
    dir_link = http.WEB_DIR / f"zz-dir-{tag}"
    file_link.symlink_to(secret)
    dir_link.symlink_to(secret.parent, target_is_directory=True)
    try:
        assert file_link.is_symlink() and file_link.read_bytes() == mark
        yield file_link.name, dir_link.name, mark
    finally:
        file_link.unlink()
        dir_link.unlink()


def test_a_symlink_beside_the_web_files_is_not_served(live_server, symlinks_beside_web_files):
    file_link, dir_link, mark = symlinks_beside_web_files
    for target in (f"/static/{file_link}", f"/static/{dir_link}/secret.txt",
                   f"/static/{dir_link}%2fsecret.txt", f"/static//{file_link}"):
        status, _, body = raw_get(live_server.http_url, target)
        assert status in (400, 404) and mark not in body, (target, status)
