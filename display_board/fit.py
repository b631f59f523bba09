"""Fitting a service's name into its tile on the board — plain Python, no Qt.

A tile shows the service's letter, its name on at most two lines and its status (how many
wait, or TUTUP). The name is never cut: it breaks at spaces only, and its font shrinks
(one pixel at a time) only as far as the board's minimum (32 px on a 1080p board). The
status sits beside the name as a column (`COLUMN`, preferred: every tile alike), or, when
the name needs the tile's whole width, on the name's last line, right-aligned (`INLINE`).
Only a name too long for any of these is shortened with "…" at a word boundary (`CUT`),
at the minimum size: an office's own long name must not push the others off the board.

Widths come from `measure(text, px)`, so the same rules serve Qt (QFontMetricsF) and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Measure = Callable[[str, int], float]

COLUMN = "column"
INLINE = "inline"
CUT = "cut"
ELLIPSIS = "…"


@dataclass(frozen=True)
class NameFit:
    px: int
    lines: tuple[str, ...]
    layout: str  # COLUMN, INLINE or CUT

    @property
    def cut(self) -> bool:
        return self.layout == CUT


def wrap_two_lines(text: str, width: float, px: int, measure: Measure,
                   last_line_reserve: float = 0.0) -> tuple[str, ...] | None:
    """`text` on one line, or on two broken at a space (the first line as long as it can
    be), each within `width`, the last leaving `last_line_reserve` free; None if no break
    fits. A word is never split."""
    words = text.split()
    if not words:
        return ("",) if last_line_reserve <= width else None
    whole = " ".join(words)
    if measure(whole, px) + last_line_reserve <= width:
        return (whole,)
    for cut in range(len(words) - 1, 0, -1):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        if measure(first, px) > width:
            continue
        if measure(second, px) + last_line_reserve <= width:
            return (first, second)
    return None


def cut_to_two_lines(text: str, width: float, px: int, measure: Measure) -> tuple[str, ...]:
    """The last resort: as many whole words as fit on two lines, then "…"."""
    words = text.split()
    for keep in range(len(words) - 1, 0, -1):
        lines = wrap_two_lines(" ".join(words[:keep]) + ELLIPSIS, width, px, measure)
        if lines is not None:
            return lines
    return (ELLIPSIS,)


def fit_name(name: str, full_width: float, measure: Measure, max_px: float, min_px: float,
             column: Callable[[int], float], inline: Callable[[int], float]) -> NameFit:
    """The name's size and lines in a tile whose text area is `full_width` wide.

    `column(px)` is the width the status takes beside the name (gap included) and
    `inline(px)` the width it takes at the end of the name's last line, both with the name
    at `px`. Tries the column layout from `max_px` down to `min_px`, then the inline one,
    then cuts at `min_px`."""
    top, bottom = int(max_px), max(1, -int(-min_px // 1))  # whole pixels, never below min
    sizes = range(max(top, bottom), bottom - 1, -1)
    for px in sizes:
        lines = wrap_two_lines(name, full_width - column(px), px, measure)
        if lines is not None:
            return NameFit(px, lines, COLUMN)
    for px in sizes:
        lines = wrap_two_lines(name, full_width, px, measure, inline(px))
        if lines is not None:
            return NameFit(px, lines, INLINE)
    return NameFit(bottom, cut_to_two_lines(name, full_width - column(bottom), bottom,
                                            measure), CUT)
