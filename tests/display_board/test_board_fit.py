"""Nothing on the hall board is cut off: service names on at most two lines broken at
spaces, shrunk only down to 32 px per 1080 px, the status beside or after them; and a
call is shown once (while it flashes, not also in the last calls)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from test_board_model import NOW, called, feed, make_board

from display_board.board import WaitingRow
from display_board.fit import COLUMN, CUT, INLINE, fit_name, wrap_two_lines
from display_board.screens import (
    measure_bold,
    panel_box,
    service_cells,
    service_name_min_px,
    service_tile,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "office.example.toml"
SIZES = [(1920, 1080), (1366, 768), (1080, 1920)]  # the gallery's board sizes


def mono(text: str, px: int) -> float:
    """A stand-in font: every character is 0.6 em wide."""
    return len(text) * px * 0.6


def none(px: int) -> float:
    return 0.0


def test_wrap_breaks_at_spaces_only_first_line_longest() -> None:
    assert wrap_two_lines("Paspor Baru", 200, 10, mono) == ("Paspor Baru",)
    assert wrap_two_lines("Paspor Percepatan (Sehari Jadi)", 110, 10, mono) == (
        "Paspor Percepatan", "(Sehari Jadi)")
    # the last line leaves room for the status: the break moves, no word is split
    assert wrap_two_lines("aa bb cc", 30, 10, mono, last_line_reserve=12) == ("aa bb", "cc")
    assert wrap_two_lines("aa bb cc", 30, 10, mono, last_line_reserve=20) is None
    assert wrap_two_lines("Percepatan", 50, 10, mono) is None  # one word wider than the box


def test_fit_prefers_the_column_then_shrinks_then_goes_inline_then_cuts() -> None:
    name = "Paspor Percepatan (Sehari Jadi)"

    def column(px: int) -> float:
        return 40.0

    def inline(px: int) -> float:
        return px * 3.0

    roomy = fit_name(name, 200, mono, 10, 8, column, inline)
    assert (roomy.px, roomy.layout) == (10, COLUMN)
    shrunk = fit_name(name, 135, mono, 10, 8, column, inline)  # 95 px beside the column
    assert shrunk.layout == COLUMN and shrunk.px == 9 and not shrunk.cut
    inline_fit = fit_name(name, 110, mono, 10, 8, column, inline)
    assert inline_fit.layout == INLINE and inline_fit.lines == (
        "Paspor Percepatan", "(Sehari Jadi)")
    cut = fit_name(name, 60, mono, 10, 8, none, none)
    assert cut.layout == CUT and cut.px == 8 and cut.lines[-1].endswith("…")
    assert all(mono(line, 8) <= 60 for line in cut.lines)
    # never below the minimum, whatever the box
    assert fit_name("x " * 40, 30, mono, 10, 8, none, none).px == 8


def _demo_services() -> list[tuple[str, str]]:
    config = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    return [(s["prefix"], s["name"]["id"], s["name"]["en"]) for s in config["services"]]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_demo_service_name_fits_its_tile_uncut_at_32_px(qapp, size, lang) -> None:
    """Each of the demo office's services, open (1 to 1.234 waiting) or closed, in the
    tile it gets on each of the board's sizes: whole words on at most two lines, each line
    within its width, at ≥ 32 px per 1080 px (the status beside it or after it)."""
    width, height = size
    services = _demo_services()
    boxes = [panel_box(c, width, height) for c in service_cells(width, height, len(services))]
    floor = service_name_min_px(width, height)
    for box, (prefix, name_id, name_en) in zip(boxes, services, strict=True):
        name = name_en if lang == "en" else name_id  # an English board: English names
        for waiting, is_open in ((1, True), (12, True), (1234, True), (0, False)):
            row = WaitingRow("s", prefix, name_id, name_en, waiting, is_open)
            tile = service_tile(box, width, height, row, lang)
            fit = tile.fit
            assert not fit.cut, (size, name, is_open)
            assert " ".join(fit.lines) == name and len(fit.lines) <= 2
            assert fit.px >= floor - 1e-9
            assert fit.px * 1.17 * len(fit.lines) <= box.height()
            assert all(measure_bold(line, fit.px) <= tile.text.width() for line in fit.lines)
            assert tile.text.right() < box.right() and tile.chip.right() < tile.text.left()


def test_the_long_closed_name_goes_inline_with_tutup_at_1080p(qapp) -> None:
    box = panel_box(service_cells(1920, 1080, 6)[3], 1920, 1080)
    row = WaitingRow("percepatan", "D", "Paspor Percepatan (Sehari Jadi)", "", 0, False)
    fit = service_tile(box, 1920, 1080, row, "id").fit
    assert fit.lines == ("Paspor Percepatan", "(Sehari Jadi)") and fit.layout == INLINE
    assert fit.px >= 32


def test_the_tiles_fit_inside_the_waiting_strip() -> None:
    cells = service_cells(1920, 1080, 6)
    assert len(cells) == 6 and cells[0].width() == pytest.approx(cells[5].width())
    assert cells[2].right() <= 1920 * 0.76 + 1e-6 and isinstance(cells[0], QRectF)


def test_last_calls_leave_out_the_calls_flashing_now() -> None:
    """A call is shown once: in the flashing block while it flashes, then in the list."""
    board = make_board()
    feed(board, called(1, "t0", "A001", "loket-1", NOW - __import__("datetime").timedelta(
        minutes=5)), NOW)
    board.tick()
    while board.tick():
        pass
    feed(board, called(2, "t1", "A002", "loket-1"))
    feed(board, called(3, "t2", "E001", "loket-4"))
    view = board.view(NOW)
    assert [c.number for c in view.fresh] == ["E001", "A002"]
    assert [c.number for c in view.last_calls] == ["A001"]  # not A002 nor E001
    while board.tick():
        pass
    view = board.view(NOW)
    assert view.fresh == [] and view.latest.number == "E001"
    assert [c.number for c in view.last_calls] == ["A002", "A001"]  # the flash is over


def test_an_english_board_names_services_in_english_and_says_counter(qapp) -> None:
    from display_board.screens import BoardScreen

    row = WaitingRow("paspor-baru", "A", "Paspor Baru", "New Passport", 3, True)
    assert (row.display_name("id"), row.display_name("en")) == ("Paspor Baru", "New Passport")
    assert WaitingRow("x", "X", "Layanan X", "", 0, True).display_name("en") == "Layanan X"
    board = make_board()
    assert BoardScreen(board, lang="en")._counter("Loket 3") == "Counter 3"
    assert BoardScreen(board, lang="id")._counter("Loket 3") == "Loket 3"
    assert BoardScreen(board, lang="en")._counter("Meja Informasi") == "Meja Informasi"
