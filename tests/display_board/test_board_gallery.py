"""The gallery writes every board screenshot and the sample announcements."""

from __future__ import annotations

import json
from pathlib import Path

from antrean.gallery.board import CHROMIUM, render_gallery


def test_render_gallery(qapp, tmp_path) -> None:
    written = {p.name for p in render_gallery(tmp_path)}
    for state in ("idle", "call-flashing", "calls-together", "busy", "offline"):
        for size in ("1920", "1366"):
            assert f"board-{state}-{size}.png" in written
    assert "board-portrait-1080x1920.png" in written
    assert "board-calls-together-1920-en.png" in written  # the English board too
    if Path(CHROMIUM).exists():  # the web board: the busy hall and the calls together
        assert {"web-board.png", "web-board-calls-together.png"} <= written
    # the three officers' calls together flash side by side, newest first, on every board
    shots = json.loads((tmp_path / "story-board.json").read_text(encoding="utf-8"))["shots"]
    together = {s["screen"]: [(t["number"], t["counter"]) for t in s["tickets"]
                              if t.get("flashing")]
                for s in shots if s["screen"].startswith("board-calls-together")}
    assert len(together) == 3 and len({tuple(v) for v in together.values()}) == 1, together
    calls = together["board-calls-together-1920"]
    assert [counter for _, counter in calls] == ["Loket 1", "Loket 3", "Loket 2"], calls
    # before, the morning's calls flash no more: the idle hall at 08:30 flashes nothing
    idle = next(s for s in shots if s["screen"] == "board-idle-1920")
    assert not [t for t in idle["tickets"] if t.get("flashing")]
    # the story's applicant's call, in both languages
    wavs = sorted(name for name in written if name.startswith("announce-"))
    assert len(wavs) == 2 and wavs[0].endswith("-en.wav") and wavs[1].endswith("-id.wav")
    assert all((tmp_path / name).stat().st_size > 1000 for name in written)
