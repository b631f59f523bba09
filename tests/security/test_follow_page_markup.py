"""The page the boards' QR code opens (/ikuti) shows the office's name from the TOML: as
text, never as markup. And it opens no ticket: it asks for nothing."""

from __future__ import annotations

from server.hub.phone import follow_page, follow_qr_svg
from tests.security.conftest import IMG, OFFICE_NAME


def test_office_name_is_text_on_the_follow_page():
    body = follow_page(OFFICE_NAME).decode("utf-8")
    assert IMG not in body and "<img" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<form" not in body and "<input" not in body and "<script" not in body


def test_the_qr_code_is_plain_svg():
    svg = follow_qr_svg("http://192.168.1.10:8765").decode("utf-8")
    assert svg.lstrip().startswith("<?xml") or svg.lstrip().startswith("<svg")
    assert "<script" not in svg and "href" not in svg
