"""The hall board's screen: one painted widget that draws a `BoardView` at any size.

Owns layout (landscape and portrait regions as fractions of the window, so 1920×1080,
1366×768 and 1080×1920 all adapt), fonts fitted to their boxes (numbers as big as the box
allows), colours (dark background, bright numbers: readable from 10 m), and the three
timers that only animate: the clock (1 s), the flash of a fresh call (`Flash`, 500 ms)
and the running-text marquee. What is shown comes from `Board.view()`; no logic here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from PySide6.QtCore import QRectF, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QWidget

from display_board.board import Board, BoardView, Call, WaitingRow
from display_board.fit import INLINE, NameFit, fit_name, wrap_two_lines
from i18n import t
from i18n.formats import counter_label, format_number
from office_client.pairing_screen import PairingTheme

FONT_FAMILY = "DejaVu Sans"
MARQUEE_MS = 30

BG = QColor("#070d1a")
PANEL = QColor("#111c33")
PANEL_EDGE = QColor("#22335a")
HEADER = QColor("#0d2b55")
TEXT = QColor("#f4f7ff")
MUTED = QColor("#9fb0d0")
NUMBER = QColor("#ffd23f")  # amber: the brightest thing on the wall
COUNTER = QColor("#5ee1ff")
FLASH_BG = QColor("#ffd23f")
FLASH_TEXT = QColor("#07101f")
MARQUEE_BG = QColor("#b3131b")  # an announcement of the office (an alert)
MARQUEE_OFFICE = QColor("#0d2b55")  # the welcome: the office's blue, gold edge
OFFICE_GOLD = QColor("#f2b705")
OFFLINE = QColor("#ff4d4f")
OFFLINE_AMBER = QColor("#ffb020")  # the staff-visible offline band (dark text on amber)
OPEN = QColor("#2ecc71")
PAUSED = QColor("#f5a623")
CLOSED = QColor("#5b6680")
# The pairing screen (an unpaired board's code): the board's colours, the code in amber.
PAIRING_THEME = PairingTheme(
    bg=BG.name(), panel=PANEL.name(), panel_edge=PANEL_EDGE.name(), text=TEXT.name(),
    muted=MUTED.name(), code=NUMBER.name(), notice_bg=PAUSED.name(), notice_fg="#07101f",
    font_family=FONT_FAMILY)


def board_font(px: float, bold: bool = True) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(max(6, int(px)))
    font.setBold(bold)
    return font


def fit_font(text: str, width: float, height: float, bold: bool = True,
             max_px: float | None = None) -> QFont:
    """The biggest font (pixel size) whose `text` fits in width × height."""
    return board_font(_fit_px(text, int(width), int(height), bold,
                              int(max_px) if max_px else None), bold)


@lru_cache(maxsize=4096)  # the same texts are fitted on every repaint (clock, marquee)
def _fit_px(text: str, width: int, height: int, bold: bool, max_px: int | None) -> int:
    lo, hi = 6, int(max_px or height)
    hi = max(lo, hi)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        metrics = QFontMetricsF(board_font(mid, bold))
        if metrics.horizontalAdvance(text) <= width and metrics.height() <= height * 1.05:
            lo = mid
        else:
            hi = mid - 1
    return lo


# Service names on the waiting strip: at least this many pixels per 1080 px of the
# screen's short side (32 px on a 1080p board: readable from 10 m), on two lines.
SERVICE_NAME_PX_PER_1080 = 34


def regions(width: float, height: float) -> dict[str, QRectF]:
    """Screen regions; portrait stacks everything, landscape puts calls side by side.
    The waiting strip holds the services (two rows of three) and the QR code's panel."""
    w, h = width, height
    if h > w:  # portrait
        rows = {"header": (0.0, 0.07), "latest": (0.07, 0.33), "counters": (0.33, 0.47),
                "last": (0.47, 0.62), "waiting": (0.62, 0.83), "follow": (0.83, 0.94),
                "marquee": (0.94, 1.0)}
        return {k: QRectF(0, a * h, w, (b - a) * h) for k, (a, b) in rows.items()}
    split = 0.58 * w
    follow_w = 0.24 * w
    return {
        "header": QRectF(0, 0, w, 0.09 * h),
        "latest": QRectF(0, 0.09 * h, split, 0.47 * h),
        "last": QRectF(split, 0.09 * h, w - split, 0.47 * h),
        "counters": QRectF(0, 0.56 * h, w, 0.16 * h),
        "waiting": QRectF(0, 0.72 * h, w - follow_w, 0.21 * h),
        "follow": QRectF(w - follow_w, 0.72 * h, follow_w, 0.21 * h),
        "marquee": QRectF(0, 0.93 * h, w, 0.07 * h),
    }


def service_name_px(width: float, height: float) -> float:
    """The service names' pixel size on a board of this size (34 px at 1920×1080)."""
    return min(width, height) * SERVICE_NAME_PX_PER_1080 / 1080


def two_lines(text: str, metrics: QFontMetricsF, width: float) -> list[str]:
    """`text` broken at spaces into at most two lines that fit `width` (the second cut
    with "…" if it still does not fit)."""
    words = text.split()
    first = ""
    while words:
        candidate = f"{first} {words[0]}".strip()
        if first and metrics.horizontalAdvance(candidate) > width:
            break
        first = candidate
        words.pop(0)
    if metrics.horizontalAdvance(first) > width:  # one long word
        first = metrics.elidedText(first, Qt.TextElideMode.ElideRight, width)
    rest = " ".join(words)
    if not rest:
        return [first]
    return [first, metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width)]


SERVICE_NAME_MIN_PX_PER_1080 = 32  # a long name shrinks to fit, never below this


def service_name_min_px(width: float, height: float) -> float:
    """The smallest the service names may get on a board of this size (32 px at 1080p)."""
    return min(width, height) * SERVICE_NAME_MIN_PX_PER_1080 / 1080


def service_cells(width: float, height: float, n: int) -> list[QRectF]:
    """The waiting strip's cells, one per service: three columns in landscape, two in
    portrait, as many rows as needed (each cell holds a panel, `panel_box`)."""
    if n <= 0:
        return []
    rect = regions(width, height)["waiting"]
    cols = 2 if height > width else min(n, 3)
    rows_n = (n + cols - 1) // cols
    cw, ch = rect.width() / cols, rect.height() / rows_n
    return [QRectF(rect.left() + (i % cols) * cw, rect.top() + (i // cols) * ch, cw, ch)
            for i in range(n)]


def panel_box(cell: QRectF, width: float, height: float) -> QRectF:
    """A panel's box inside its cell (the margin `BoardScreen._panel` leaves)."""
    m = min(width, height) / 100
    return cell.adjusted(m, m, -m, -m)


def count_fonts(box: QRectF, width: float, height: float) -> tuple[QFont, QFont]:
    """The count's number and unit fonts in a service tile (sizes follow the screen)."""
    name_px = service_name_px(width, height)
    return (board_font(min(box.height() * 0.46, name_px * 1.6)),
            board_font(min(box.height() * 0.2, name_px * 0.7), bold=False))


def count_column_width(box: QRectF, width: float, height: float, row: WaitingRow,
                       lang: str) -> float:
    """The width of the count column ("12" over "orang") of an open service's tile."""
    num_font, unit_font = count_fonts(box, width, height)
    return max(QFontMetricsF(num_font).horizontalAdvance(format_number(row.waiting, lang)),
               QFontMetricsF(unit_font).horizontalAdvance(t("board.people_unit", lang)))


@lru_cache(maxsize=64)
def _metrics(px: int) -> QFontMetricsF:
    return QFontMetricsF(board_font(px, bold=True))


def measure_bold(text: str, px: int) -> float:
    """The width of `text` in the board's bold font at `px` (the service names' font)."""
    return _metrics(px).horizontalAdvance(text)


CLOSED_SCALE = 0.8  # TUTUP / Closed beside a name: a badge a size below the name's


def closed_px(name_px: float) -> int:
    """The closed badge's text size beside a name drawn at `name_px`."""
    return max(1, round(name_px * CLOSED_SCALE))


def closed_badge_pad(width: float, height: float) -> float:
    """The grey badge's padding left and right of TUTUP."""
    return min(width, height) / 100 * 0.4


@dataclass(frozen=True)
class ServiceTile:
    chip: QRectF  # the letter's square
    text: QRectF  # from the chip to the tile's right margin: the name and the status
    fit: NameFit


def service_tile(box: QRectF, width: float, height: float, row: WaitingRow,
                 lang: str) -> ServiceTile:
    """Where a service's letter, name and status go in its tile on a `width`×`height`
    board: the name on at most two lines, never cut at the board's sizes (display_board/
    fit.py), at one size for every tile unless a long name has to shrink."""
    u = min(width, height) / 100
    name_px = service_name_px(width, height)
    chip_side = min(box.height() * 0.7, box.width() * 0.16, name_px * 2.6)
    chip = QRectF(box.left() + u * 0.8, box.center().y() - chip_side / 2, chip_side,
                  chip_side)
    text = QRectF(chip.right() + u, box.top(), box.right() - u - (chip.right() + u),
                  box.height())
    # inline, an open service shows its number alone (the column's big number, without
    # its unit), so a long name keeps two lines at the readable size
    status = row.count_text(lang) if not row.open else format_number(row.waiting, lang)
    gap = u * 0.8
    badge = 2 * closed_badge_pad(width, height)  # TUTUP's badge around its text
    if row.open:
        count_w = count_column_width(box, width, height, row, lang)

        def column(px: int) -> float:
            return count_w + gap
    else:
        def column(px: int) -> float:
            return measure_bold(status, closed_px(px)) + gap + badge

    def inline(px: int) -> float:
        if row.open:
            return measure_bold(status, px) + gap
        return measure_bold(status, closed_px(px)) + gap + badge

    max_px = min(name_px, box.height() * 0.4)
    fit = fit_name(row.display_name(lang), text.width(), measure_bold, max_px,
                   min(service_name_min_px(width, height), max_px), column, inline)
    return ServiceTile(chip, text, fit)


@lru_cache(maxsize=8)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of `url` as rows of dark (True) modules, quiet zone included."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


class BoardScreen(QWidget):
    """Full-screen board. Call `refresh()` after the model or board changed."""

    def __init__(self, board: Board, lang: str = "id", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board = board
        self.lang = lang
        # the hall reads both languages: the board's own first, the other one smaller
        self.second_lang = "id" if lang == "en" else "en"
        self.audio_warning: str | None = None
        self.qr_painted: QRectF | None = None
        self.now_override: datetime | None = None  # gallery: a fixed clock
        self.view: BoardView = board.view(lang=lang)
        self.marquee_x = 0.0  # text offset; starts at the left edge (visible in a still)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(640, 360)
        self.setWindowTitle("Antrean — Papan Antrean")
        # what a screen reader reads: the board is one painted widget, its calls are voiced
        self.setAccessibleName(t("board.accessible_name", lang))
        self.setAccessibleDescription(t("board.accessible_description", lang))
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(1000)
        self.clock_timer.timeout.connect(self.refresh)
        self.clock_timer.start()
        self.flash_timer = QTimer(self)
        self.flash_timer.setInterval(board.flash.tick_ms)
        self.flash_timer.timeout.connect(self._flash_tick)
        self.marquee_timer = QTimer(self)
        self.marquee_timer.setInterval(MARQUEE_MS)
        self.marquee_timer.timeout.connect(self._marquee_step)
        self.marquee_timer.start()

    # ------------------------------------------------------------------ updates
    @Slot()
    def refresh(self) -> None:
        self.view = self.board.view(self.now_override, self.lang)
        if self.board.flash.active and not self.flash_timer.isActive():
            self.flash_timer.start()
        self.update()

    def start_flash(self) -> None:
        """A fresh call: (re)start the highlight from its first step."""
        self.board.flash.start()
        self.flash_timer.start()
        self.refresh()

    @Slot()
    def _flash_tick(self) -> None:
        if not self.board.tick():
            self.flash_timer.stop()
        self.view = self.board.view(self.now_override, self.lang)
        self.update()

    @Slot()
    def _marquee_step(self) -> None:
        self.marquee_x -= max(2.0, self.height() / 300)
        self.update(self._marquee_rect().toAlignedRect())

    def _marquee_rect(self) -> QRectF:
        return regions(self.width(), self.height())["marquee"]

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        r = regions(self.width(), self.height())
        if r["marquee"].contains(QRectF(event.rect())):  # a marquee step: repaint only it
            self._paint_marquee(p, r["marquee"])
            p.end()
            return
        p.fillRect(self.rect(), BG)
        portrait = self.height() > self.width()
        self._paint_header(p, r["header"])
        self._paint_latest(p, r["latest"], portrait)
        self._paint_last(p, r["last"], portrait)
        self._paint_counters(p, r["counters"], portrait)
        self._paint_waiting(p, r["waiting"], portrait)
        self._paint_follow(p, r["follow"], portrait)
        self._paint_marquee(p, r["marquee"])
        p.end()

    def _unit(self) -> float:
        return min(self.width(), self.height()) / 100  # 1 % of the short side

    def _panel(self, p: QPainter, rect: QRectF, fill: QColor = PANEL,
               edge: QColor | None = PANEL_EDGE) -> QRectF:
        m = self._unit() * 1.0
        box = rect.adjusted(m, m, -m, -m)
        path = QPainterPath()
        path.addRoundedRect(box, m * 1.4, m * 1.4)
        p.fillPath(path, fill)
        if edge is not None:
            p.setPen(edge)
            p.drawPath(path)
        return box

    def _text(self, p: QPainter, rect: QRectF, text: str, color: QColor,
              align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter, bold: bool = True,
              max_px: float | None = None) -> None:
        p.setFont(fit_font(text, rect.width(), rect.height(), bold, max_px))
        p.setPen(color)
        p.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), text)

    def _paint_header(self, p: QPainter, rect: QRectF) -> None:
        p.fillRect(rect, HEADER)
        u = self._unit()
        v = self.view
        pad = u * 2
        inner = rect.adjusted(pad, rect.height() * 0.12, -pad, -rect.height() * 0.12)
        left = Qt.AlignmentFlag.AlignLeft
        right = Qt.AlignmentFlag.AlignRight
        clock_w = inner.width() * 0.36
        name_rect = QRectF(inner.left(), inner.top(), inner.width() - clock_w - pad,
                           inner.height())
        self._text(p, name_rect.adjusted(0, 0, 0, -inner.height() * 0.38), v.office_name,
                   TEXT, left, max_px=inner.height() * 0.55)
        self._text(p, QRectF(name_rect.left(), inner.top() + inner.height() * 0.64,
                             name_rect.width(), inner.height() * 0.36),
                   "Sistem Antrean · Queue System", MUTED, left, bold=False)
        clock_rect = QRectF(inner.right() - clock_w, inner.top(), clock_w, inner.height())
        self._text(p, clock_rect.adjusted(0, 0, 0, -inner.height() * 0.42), v.time_text,
                   TEXT, right, max_px=inner.height() * 0.58)
        self._text(p, QRectF(clock_rect.left(), inner.top() + inner.height() * 0.6,
                             clock_w, inner.height() * 0.4), v.date_text, MUTED, right,
                   bold=False)
        if not v.online:
            self._paint_offline(p, QRectF(rect.left(), rect.top(),
                                          clock_rect.left() - pad - rect.left(), rect.height()))
        elif self.audio_warning:
            label = t("board.audio_off", self.lang)
            font = board_font(max(11, rect.height() * 0.17))
            width = QFontMetricsF(font).horizontalAdvance(label) + u * 2.4
            badge = QRectF(clock_rect.left() - width - pad * 0.5,
                           rect.top() + rect.height() * 0.3, width, rect.height() * 0.4)
            path = QPainterPath()
            path.addRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            p.fillPath(path, CLOSED)
            p.setFont(font)
            p.setPen(QColor("#ffffff"))
            p.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), label)

    def _paint_offline(self, p: QPainter, rect: QRectF) -> None:
        """The staff-visible offline sign: the header's whole left part turns amber, with
        what is wrong in both languages (the clock stays: the hall still reads the time)."""
        v = self.view
        p.fillRect(rect, OFFLINE_AMBER)
        u = self._unit()
        inner = rect.adjusted(u * 2, rect.height() * 0.08, -u, -rect.height() * 0.08)
        if v.certificate_rejected:
            title = t("board.certificate_rejected", "id")
            detail = t("board.certificate_rejected", "en")
        else:
            title = f"⚠ {t('board.offline_title', 'id')} · {t('board.offline_title', 'en')}"
            detail = t("board.offline_detail", self.lang)
        left = Qt.AlignmentFlag.AlignLeft
        self._text(p, QRectF(inner.left(), inner.top(), inner.width(), inner.height() * 0.56),
                   title, FLASH_TEXT, left)
        self._text(p, QRectF(inner.left(), inner.top() + inner.height() * 0.58, inner.width(),
                             inner.height() * 0.42), detail, FLASH_TEXT, left, bold=False)

    def _paint_latest(self, p: QPainter, rect: QRectF, portrait: bool) -> None:
        v = self.view
        if len(v.fresh) > 1:
            self._paint_fresh(p, rect, portrait)
            return
        flash = v.flashing and v.flash_on
        box = self._panel(p, rect, FLASH_BG if flash else PANEL,
                          None if flash else (NUMBER if v.flashing else PANEL_EDGE))
        if v.flashing and not flash:  # thick amber frame between blinks
            pen = p.pen()
            pen.setColor(NUMBER)
            pen.setWidthF(self._unit() * 0.6)
            p.setPen(pen)
            p.drawRoundedRect(box, self._unit() * 1.4, self._unit() * 1.4)
        fg = FLASH_TEXT if flash else TEXT
        num_color = FLASH_TEXT if flash else NUMBER
        ctr_color = FLASH_TEXT if flash else COUNTER
        h, w = box.height(), box.width()
        x, y = box.left() + w * 0.04, box.top()
        iw = w * 0.92
        call: Call | None = v.latest
        title = t("board.recall", self.lang) if call and call.recall else \
            t("board.queue_number", self.lang)
        self._text(p, QRectF(x, y + h * 0.04, iw, h * 0.12), title, fg)
        self._text(p, QRectF(x, y + h * 0.155, iw, h * 0.06),
                   t("board.queue_number", self.second_lang) if not (call and call.recall)
                   else t("board.recall", self.second_lang), MUTED if not flash else fg, bold=False)
        if call is None:
            self._text(p, QRectF(x, y + h * 0.3, iw, h * 0.3), t("board.no_calls", self.lang),
                       MUTED)
            return
        self._text(p, QRectF(x, y + h * 0.2, iw, h * 0.5), call.number, num_color)
        go = f"{t('board.go_to', self.lang)} / {t('board.go_to', self.second_lang)}"
        self._text(p, QRectF(x, y + h * 0.69, iw, h * 0.07), go, fg, bold=False)
        self._text(p, QRectF(x, y + h * 0.77, iw, h * 0.2),
                   self._counter(call.counter_name).upper(), ctr_color)

    def _paint_fresh(self, p: QPainter, rect: QRectF, portrait: bool) -> None:
        """Calls made together: each fresh call in its own flashing box, newest first
        (left, or top in portrait), none hiding another."""
        v = self.view
        calls = v.fresh
        n = len(calls)
        u = self._unit()
        box = self._panel(p, rect)
        title_h = box.height() * 0.13
        self._text(p, QRectF(box.left() + u * 2, box.top() + u * 0.5, box.width() - u * 4,
                             title_h), f"{t('board.queue_number', self.lang)} · "
                   f"{t('board.queue_number', self.second_lang)}", TEXT)
        area = QRectF(box.left() + u, box.top() + title_h + u, box.width() - 2 * u,
                      box.height() - title_h - 2 * u)
        for i, call in enumerate(calls):
            cell = QRectF(area.left() + i * area.width() / n, area.top(), area.width() / n,
                          area.height()).adjusted(u * 0.5, 0, -u * 0.5, 0)
            flash = v.flash_on
            path = QPainterPath()
            path.addRoundedRect(cell, u * 1.2, u * 1.2)
            p.fillPath(path, FLASH_BG if flash else QColor("#1d3160"))
            pen = p.pen()
            pen.setColor(NUMBER)
            pen.setWidthF(u * 0.5)
            p.setPen(pen)
            p.drawPath(path)
            fg = FLASH_TEXT if flash else TEXT
            inner = cell.adjusted(u, u, -u, -u)
            h = inner.height()
            if call.recall:
                self._text(p, QRectF(inner.left(), inner.top(), inner.width(), h * 0.12),
                           t("board.recall", self.lang), fg)
            self._text(p, QRectF(inner.left(), inner.top() + h * 0.12, inner.width(), h * 0.45),
                       call.number, FLASH_TEXT if flash else NUMBER)
            self._text(p, QRectF(inner.left(), inner.top() + h * 0.6, inner.width(), h * 0.1),
                       t("board.go_to", self.lang), fg, bold=False)
            self._text(p, QRectF(inner.left(), inner.top() + h * 0.72, inner.width(), h * 0.26),
                       self._counter(call.counter_name).upper(), FLASH_TEXT if flash else COUNTER)

    def _counter(self, name: str) -> str:
        """"Loket 3" on an Indonesian board, "Counter 3" on an English one."""
        return counter_label(name, self.lang)

    def _paint_last(self, p: QPainter, rect: QRectF, portrait: bool) -> None:
        box = self._panel(p, rect)
        v = self.view
        u = self._unit()
        title_h = box.height() * (0.14 if not portrait else 0.17)
        title = f"{t('board.last_calls', self.lang)}"
        self._text(p, QRectF(box.left() + u * 2, box.top() + u, box.width() * 0.6, title_h),
                   title, TEXT, Qt.AlignmentFlag.AlignLeft)
        self._text(p, QRectF(box.left() + box.width() * 0.6, box.top() + u,
                             box.width() * 0.4 - u * 2, title_h),
                   t("board.last_calls", self.second_lang), MUTED, Qt.AlignmentFlag.AlignRight,
                   bold=False, max_px=title_h * 0.5)
        rows = v.last_calls[: 4 if portrait else 5]
        slots = 4 if portrait else 5
        top = box.top() + title_h + u * 1.5
        row_h = (box.bottom() - top - u) / slots
        for i in range(slots):
            row = QRectF(box.left() + u * 1.5, top + i * row_h, box.width() - u * 3, row_h)
            if i % 2 == 0:
                p.fillRect(row.adjusted(0, 1, 0, -1), QColor("#17264a"))
            if i >= len(rows):
                continue
            call = rows[i]
            cell = row.adjusted(u, row_h * 0.12, -u, -row_h * 0.12)
            self._text(p, QRectF(cell.left(), cell.top(), cell.width() * 0.45, cell.height()),
                       call.number, NUMBER, Qt.AlignmentFlag.AlignLeft)
            self._text(p, QRectF(cell.left() + cell.width() * 0.45, cell.top(),
                                 cell.width() * 0.55, cell.height()),
                       f"→ {self._counter(call.counter_name)}", COUNTER,
                       Qt.AlignmentFlag.AlignRight)
        if not rows:
            self._text(p, QRectF(box.left(), top, box.width(), row_h),
                       t("board.no_calls", self.lang), MUTED, bold=False, max_px=row_h * 0.4)

    def _paint_counters(self, p: QPainter, rect: QRectF, portrait: bool) -> None:
        tiles = self.view.counters
        if not tiles:
            return
        n = len(tiles)
        cols = min(n, 3 if portrait else 6)
        rows_n = (n + cols - 1) // cols
        cw, ch = rect.width() / cols, rect.height() / rows_n
        u = self._unit()
        for i, tile in enumerate(tiles):
            cell = QRectF(rect.left() + (i % cols) * cw, rect.top() + (i // cols) * ch, cw, ch)
            hot = tile.latest and self.view.flashing
            box = self._panel(p, cell, QColor("#1d3160") if hot else PANEL,
                              NUMBER if tile.latest else PANEL_EDGE)
            status_color = {"open": OPEN, "paused": PAUSED}.get(tile.status, CLOSED)
            strip = QRectF(box.left(), box.top(), box.width(), box.height() * 0.30)
            path = QPainterPath()
            path.addRoundedRect(strip, u * 1.4, u * 1.4)
            p.fillPath(path, QColor("#0d2b55"))
            p.fillRect(QRectF(box.left(), box.top(), u * 0.8, box.height() * 0.30), status_color)
            self._text(p, strip.adjusted(u * 1.6, strip.height() * 0.12, -u,
                                         -strip.height() * 0.12),
                       self._counter(tile.name).upper(), COUNTER)
            body = QRectF(box.left() + u, strip.bottom() + box.height() * 0.04,
                          box.width() - 2 * u, box.height() * 0.62)
            if tile.status == "closed":
                self._text(p, body.adjusted(0, body.height() * 0.2, 0, -body.height() * 0.2),
                           t("board.counter_closed", self.lang), MUTED)
            elif tile.number:
                self._text(p, body, tile.number, NUMBER if tile.status == "open" else MUTED)
            elif tile.status == "paused":
                self._text(p, body.adjusted(0, body.height() * 0.2, 0, -body.height() * 0.2),
                           t("board.counter_paused", self.lang), PAUSED)
            else:
                self._text(p, body, "—", MUTED)

    def _paint_waiting(self, p: QPainter, rect: QRectF, portrait: bool) -> None:
        """Each service: its letter, its name on two lines (≥ 32 px on a 1080p board) and
        how many wait, or TUTUP. Three columns, as many rows as needed (two for six)."""
        rows = self.view.waiting
        for cell, row in zip(service_cells(self.width(), self.height(), len(rows)), rows,
                             strict=True):
            self._paint_service(p, self._panel(p, cell), row)

    def _paint_service(self, p: QPainter, box: QRectF, row: WaitingRow) -> None:
        u = self._unit()
        tile = service_tile(box, self.width(), self.height(), row, self.lang)
        path = QPainterPath()
        path.addRoundedRect(tile.chip, u, u)
        p.fillPath(path, NUMBER if row.open else CLOSED)
        self._text(p, tile.chip.adjusted(u * 0.3, u * 0.3, -u * 0.3, -u * 0.3), row.prefix,
                   FLASH_TEXT if row.open else TEXT)
        fit = tile.fit
        font = board_font(fit.px, bold=True)
        line_h = QFontMetricsF(font).height()
        top = box.center().y() - line_h * len(fit.lines) / 2
        p.setFont(font)
        p.setPen(TEXT if row.open else MUTED)
        left_mid = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for k, line in enumerate(fit.lines):
            p.drawText(QRectF(tile.text.left(), top + k * line_h, tile.text.width(), line_h),
                       left_mid, line)
        status = (row.count_text(self.lang) if not row.open
                  else format_number(row.waiting, self.lang))
        if fit.layout == INLINE:  # the status ends the name's last line
            mid = top + (len(fit.lines) - 0.5) * line_h
        elif row.open:
            self._paint_count(p, box, row)
            return
        else:
            mid = box.center().y()
        right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if row.open:  # inline: the number at the name's size
            p.setPen(TEXT)
            p.drawText(QRectF(tile.text.left(), mid - line_h / 2, tile.text.width(), line_h),
                       right, status)
            return
        # TUTUP in a grey badge, like the closed service's letter: not read as the name
        pad = closed_badge_pad(self.width(), self.height())
        small = board_font(closed_px(fit.px), bold=True)
        metrics = QFontMetricsF(small)
        badge_w = metrics.horizontalAdvance(status) + 2 * pad
        badge = QRectF(tile.text.right() - badge_w, mid - metrics.height() / 2, badge_w,
                       metrics.height())
        path = QPainterPath()
        path.addRoundedRect(badge, u * 0.8, u * 0.8)
        p.fillPath(path, CLOSED)
        p.setFont(small)
        p.setPen(TEXT)
        p.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), status)

    def _paint_count(self, p: QPainter, box: QRectF, row: WaitingRow) -> None:
        """How many wait, as a big number over its unit ("12" / "orang"), right in the
        box (the column beside the name)."""
        fonts = count_fonts(box, self.width(), self.height())
        number = format_number(row.waiting, self.lang)
        unit = t("board.people_unit", self.lang)
        width = count_column_width(box, self.width(), self.height(), row, self.lang)
        right = box.right() - self._unit()
        height = min(box.height() * 0.88,
                     service_name_px(self.width(), self.height()) * 3)
        cell = QRectF(right - width, box.center().y() - height / 2, width, height)
        p.setFont(fonts[0])
        p.setPen(TEXT)
        p.drawText(QRectF(cell.left(), cell.top(), width, cell.height() * 0.66),
                   int(Qt.AlignmentFlag.AlignCenter), number)
        p.setFont(fonts[1])
        p.setPen(MUTED)
        p.drawText(QRectF(cell.left(), cell.top() + cell.height() * 0.64, width,
                          cell.height() * 0.36), int(Qt.AlignmentFlag.AlignCenter), unit)

    def _lines(self, p: QPainter, rect: QRectF, text: str, px: float, color: QColor,
               bold: bool = True) -> float:
        """`text` on at most two lines broken at spaces, at `px` or as much smaller as it
        takes to fit `rect` (cut with "…" only below half of `px`), left-aligned from the
        top of `rect`; returns the height used."""
        top = int(min(px, rect.height() / 1.2))
        for size in range(top, max(6, int(px / 2)) - 1, -1):
            font = board_font(size, bold)
            metrics = QFontMetricsF(font)
            found = wrap_two_lines(text, rect.width(), size,
                                   lambda s, _px, m=metrics: m.horizontalAdvance(s))
            if found is not None and metrics.height() * len(found) <= rect.height() * 1.05:
                lines: list[str] = list(found)
                break
        else:
            lines = two_lines(text, metrics, rect.width())
        p.setFont(font)
        p.setPen(color)
        for k, line in enumerate(lines):
            p.drawText(QRectF(rect.left(), rect.top() + k * metrics.height(), rect.width(),
                              metrics.height()),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), line)
        return metrics.height() * len(lines)

    def _paint_follow(self, p: QPainter, rect: QRectF, portrait: bool) -> None:
        """The QR code to the server's /ikuti page (how to follow one's own ticket by
        phone), with its short address for those who type it."""
        url = self.view.follow_url
        if not url:
            return
        box = self._panel(p, rect, HEADER, OFFICE_GOLD)
        u = self._unit()
        side = min(box.height() - 2 * u, box.width() * 0.5)
        qr_rect = QRectF(box.left() + u, box.center().y() - side / 2, side, side)
        self._paint_qr(p, qr_rect, url)
        text_left = qr_rect.right() + u * 1.2
        text = QRectF(text_left, box.top() + u * 0.8, box.right() - text_left - u,
                      box.height() - u * 1.6)
        short = url.split("://", 1)[-1]
        # beside the QR code: a little smaller than the service names in landscape
        px = service_name_px(self.width(), self.height()) * (0.9 if portrait else 0.7)
        y = text.top()
        y += self._lines(p, QRectF(text.left(), y, text.width(), text.height() * 0.4),
                         t("board.follow_title", self.lang), px, TEXT)
        y += self._lines(p, QRectF(text.left(), y, text.width(), text.height() * 0.3),
                         t("board.follow_title", self.second_lang), px * 0.75, MUTED,
                         bold=False)
        url_h = min(text.bottom() - y, px * 1.4)
        self._text(p, QRectF(text.left(), text.bottom() - url_h, text.width(), url_h), short,
                   NUMBER, Qt.AlignmentFlag.AlignLeft, max_px=px)

    def _paint_qr(self, p: QPainter, rect: QRectF, url: str) -> None:
        matrix = qr_matrix(url)
        n = len(matrix)
        cell = int(rect.width() / n)  # whole pixels per module: crisp edges for the camera
        if cell < 1:
            return
        size = cell * n
        x0 = rect.left() + (rect.width() - size) / 2
        y0 = rect.top() + (rect.height() - size) / 2
        self.qr_painted = QRectF(x0, y0, size, size)  # where the camera finds it (tests)
        p.fillRect(self.qr_painted, QColor("#ffffff"))
        black = QColor("#000000")
        for r, modules in enumerate(matrix):
            for c, dark in enumerate(modules):
                if dark:
                    p.fillRect(QRectF(x0 + c * cell, y0 + r * cell, cell, cell), black)

    def _paint_marquee(self, p: QPainter, rect: QRectF) -> None:
        """The running text: the office's blue with a gold edge for the welcome; red only
        for an announcement (an alert such as "Waspada calo!")."""
        alert = self.view.running_alert
        p.fillRect(rect, MARQUEE_BG if alert else MARQUEE_OFFICE)
        if not alert:
            edge = max(2.0, rect.height() * 0.06)
            p.fillRect(QRectF(rect.left(), rect.top(), rect.width(), edge), OFFICE_GOLD)
        text = self.view.running_text
        if not text:
            return
        font = board_font(rect.height() * 0.5)
        p.setFont(font)
        p.setPen(QColor("#ffffff"))
        width = QFontMetricsF(font).horizontalAdvance(text)
        pad = self._unit() * 2
        if self.marquee_x < -(width + pad):  # scrolled out: come back in from the right
            self.marquee_x = rect.width() - pad
        p.save()
        p.setClipRect(rect)
        p.drawText(QRectF(rect.left() + pad + self.marquee_x, rect.top(), width + 10,
                          rect.height()), int(Qt.AlignmentFlag.AlignVCenter), text)
        p.restore()
