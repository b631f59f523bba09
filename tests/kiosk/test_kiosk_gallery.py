"""The screenshot gallery runs the real server and widgets offscreen and writes every screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.gallery.kiosk import CHROMIUM, render_gallery


@pytest.mark.slow
def test_gallery_writes_every_screen_and_ticket(tmp_path, qapp):
    files = {p.name for p in render_gallery(tmp_path)}
    for screen in ("home", "category", "ticket", "print-failed", "booking", "info",
                   "offline", "home-contrast"):
        for lang in ("id", "en"):
            assert f"kiosk-{screen}-{lang}.png" in files
    assert {"kiosk-home-portrait-id.png", "kiosk-home-portrait-en.png",
            "kiosk-home-paused-id.png", "kiosk-home-paused-en.png"} <= files
    reprints = [f for f in files if f.endswith("-reprint.bin")]
    assert len(reprints) == 1 and f"{reprints[0][:-4]}.png" in files
    assert b"CETAK ULANG / REPRINT" in (tmp_path / reprints[0]).read_bytes()
    for screen in ("home", "category", "booking", "info", "ticket", "print-failed", "offline"):
        for lang in ("id", "en"):
            assert f"kiosk-{screen}-portrait-{lang}.png" in files
    assert {"kiosk-attract.png", "kiosk-attract-portrait.png", "story-kiosk.json"} <= files
    bins = sorted(f for f in files if f.startswith("ticket-") and f.endswith(".bin"))
    assert bins and all(b.replace(".bin", ".png") in files for b in bins)
    assert (tmp_path / bins[0]).read_bytes().startswith(b"\x1b@")  # ESC @ starts a job
    if Path(CHROMIUM).exists():
        assert {"phone-waiting-id.png", "phone-called-id.png", "phone-survey-id.png",
                "phone-waiting-en.png"} <= files
    for name in files:
        assert (tmp_path / name).stat().st_size > (1000 if name.endswith(".png") else 100)
