"""The gallery writes every board screenshot and the sample announcements."""

from __future__ import annotations

from antrean.gallery.board import render_gallery


def test_render_gallery(qapp, tmp_path) -> None:
    written = {p.name for p in render_gallery(tmp_path)}
    for state in ("idle", "call-flashing", "busy", "offline"):
        for size in ("1920", "1366"):
            assert f"board-{state}-{size}.png" in written
    assert "board-portrait-1080x1920.png" in written
    # the story's applicant's call, in both languages
    wavs = sorted(name for name in written if name.startswith("announce-"))
    assert len(wavs) == 2 and wavs[0].endswith("-en.wav") and wavs[1].endswith("-id.wav")
    assert all((tmp_path / name).stat().st_size > 1000 for name in written)
