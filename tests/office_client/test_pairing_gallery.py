"""The gallery renders each app's pairing screen with a code the real server gave it, and
the board's next code after a supervisor rejected the first."""

from PySide6.QtGui import QImage

from antrean.gallery.pairing import render_gallery

SIZES = {"pairing-kiosk.png": (1920, 1080), "pairing-kiosk-portrait.png": (1080, 1920),
         "pairing-console.png": (1366, 768), "pairing-board.png": (1920, 1080),
         "pairing-board-new-code.png": (1920, 1080)}


def test_gallery_writes_every_pairing_screen(qtbot, tmp_path):
    written = render_gallery(tmp_path)
    assert {p.name for p in written} == set(SIZES)
    for name, size in SIZES.items():
        image = QImage(str(tmp_path / name))
        assert (image.width(), image.height()) == size, name
