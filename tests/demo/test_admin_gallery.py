"""The supervisor console's gallery plays the same story as every other gallery: its
pictures exist, at 1366×768, and its page's clock is the story's (08:45 WIB on the
story's Monday) in every one of them."""

from __future__ import annotations

import json
import struct

import pytest

from antrean.gallery import admin
from antrean.gallery.story import CHECKPOINTS, DAY

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ("login", "floor-busy", "floor-busy-en", "dialog-close-counter",
         "dialog-move-ticket", "dialog-reinstate", "people", "devices", "calendar", "audit")


def png_size(path) -> tuple[int, int]:
    with open(path, "rb") as f:
        head = f.read(24)
    return struct.unpack(">II", head[16:24])


def test_the_admin_gallery_shows_the_story_at_its_busy_moment(tmp_path):
    written = admin.render_gallery(tmp_path)
    names = {p.name for p in written}
    for shot in SHOTS:
        assert f"admin-{shot}.png" in names, shot
        assert png_size(tmp_path / f"admin-{shot}.png") == (1366, 768), shot
    story = json.loads((tmp_path / "story-admin.json").read_text(encoding="utf-8"))
    assert story["day"] == DAY.isoformat()
    signed_in = [s for s in story["shots"] if s["screen"] != "admin-login"]
    assert signed_in and {s["time_text"] for s in signed_in} == {
        f"{CHECKPOINTS['busy']} WIB"}
    assert {s["story_time"] for s in story["shots"]} == {f"{CHECKPOINTS['busy']} WIB"}
