"""The phone page's gallery writes every state it shows a reviewer."""

from __future__ import annotations

from pathlib import Path

import pytest

from antrean.gallery.kiosk import CHROMIUM
from antrean.gallery.phone import render_gallery


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")
def test_phone_gallery(tmp_path) -> None:
    written = {p.name for p in render_gallery(tmp_path)}
    assert written == {f"phone-{name}.png" for name in (
        "position-id", "soon-id", "cancel-confirm-id", "soon-en", "called-id",
        "survey-progress-id", "cancelled-id", "follow-page")}
    assert all((tmp_path / name).stat().st_size > 10_000 for name in written)
