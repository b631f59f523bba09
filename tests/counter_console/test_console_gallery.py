"""The screenshot gallery renders every required screen in both languages."""

from PySide6.QtGui import QImage

from antrean.gallery.console import render_gallery

REQUIRED = [f"console-{name}-{lang}.png" for name in
            ("logged-out", "idle", "serving-priority", "transfer", "offline")
            for lang in ("id", "en")]


def test_gallery_writes_all_screens(qtbot, tmp_path):
    written = render_gallery(tmp_path)
    names = {p.name for p in written}
    assert set(REQUIRED) <= names
    for name in REQUIRED:
        image = QImage(str(tmp_path / name))
        assert (image.width(), image.height()) == (1366, 768), name
    big = QImage(str(tmp_path / "console-serving-priority-id-1920x1080.png"))
    assert (big.width(), big.height()) == (1920, 1080)
