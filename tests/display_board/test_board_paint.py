"""The Qt board's painting of what the hall reads: service names readable from 10 m on two
lines, calls made together side by side, the QR code's modules, the offline sign."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontMetricsF
from test_board_model import NOW, called, feed, make_board

from display_board.screens import (
    OFFLINE_AMBER,
    BoardScreen,
    board_font,
    qr_matrix,
    regions,
    service_name_px,
    two_lines,
)


def test_service_names_are_at_least_32_px_on_a_1080p_board() -> None:
    assert service_name_px(1920, 1080) >= 32
    assert service_name_px(1080, 1920) >= 32  # portrait: the short side is the width


def test_long_names_break_onto_two_lines_without_loss(qapp) -> None:
    metrics = QFontMetricsF(board_font(34))
    width = metrics.horizontalAdvance("Paspor Percepatan")
    lines = two_lines("Paspor Percepatan (Sehari Jadi)", metrics, width)
    assert lines == ["Paspor Percepatan", "(Sehari Jadi)"]
    assert two_lines("Paspor Baru", metrics, width) == ["Paspor Baru"]
    cut = two_lines("Satu dua tiga empat lima enam tujuh delapan", metrics, width)
    assert len(cut) == 2 and cut[1].endswith("…")
    assert all(metrics.horizontalAdvance(line) <= width for line in cut)


def test_qr_code_is_painted_module_for_module(qtbot) -> None:
    board = make_board()
    board.model.office["public_url"] = "http://192.168.1.10:8765"
    board.set_online(True)
    screen = BoardScreen(board)
    qtbot.addWidget(screen)
    screen.now_override = NOW
    screen.resize(1920, 1080)
    screen.refresh()
    image = screen.grab().toImage()
    matrix = qr_matrix("http://192.168.1.10:8765/ikuti")
    qr = screen.qr_painted
    assert qr is not None and regions(1920, 1080)["follow"].contains(qr)
    left, top, cell = qr.left(), qr.top(), qr.width() / len(matrix)
    assert cell >= 3  # at least 3 px per module: a phone camera reads it from a metre or two
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            pixel = QColor(image.pixel(int(left + (c + 0.5) * cell), int(top + (r + 0.5) * cell)))
            assert pixel == QColor("#000000" if dark else "#ffffff"), (r, c)


def test_three_calls_together_and_the_offline_sign_are_painted(qtbot, tmp_path) -> None:
    board = make_board()
    for seq, (tid, number, counter) in enumerate(
            [("t1", "A001", "loket-1"), ("t2", "E001", "loket-4"), ("t3", "A002", "loket-1")],
            start=1):
        feed(board, called(seq, tid, number, counter))
    screen = BoardScreen(board)
    qtbot.addWidget(screen)
    screen.now_override = NOW
    screen.resize(1920, 1080)
    board.set_online(True)
    screen.refresh()
    assert [c.number for c in screen.view.fresh] == ["A002", "E001", "A001"]
    assert not screen.grab().isNull()
    board.set_online(False)
    screen.refresh()
    image = screen.grab().toImage()
    header = regions(1920, 1080)["header"]
    amber = QColor(image.pixel(int(header.left() + 5), int(header.top() + 5)))
    assert amber == OFFLINE_AMBER  # the header's left part turns amber: staff see it
    assert screen.accessibleName() == "Papan antrean"


def test_board_font_is_dejavu(qapp) -> None:
    assert QFont(board_font(34)).family() == "DejaVu Sans"
