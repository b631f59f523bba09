"""The gallery writes every board screenshot and the sample announcements."""

from __future__ import annotations

from antrean.gallery.board import render_gallery


def test_render_gallery(qapp, tmp_path) -> None:
    written = {p.name for p in render_gallery(tmp_path)}
    for state in ("idle", "call-flashing", "calls-together", "busy", "offline"):
        for size in ("1920", "1366"):
            assert f"board-{state}-{size}.png" in written
    assert {"board-portrait-1080x1920.png", "announce-A012-id.wav",
            "announce-A012-en.wav"} <= written
    assert all((tmp_path / name).stat().st_size > 1000 for name in written)
