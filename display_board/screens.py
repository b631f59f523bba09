"""The hall board's screen: one painted widget that draws a `BoardView` at any size.

Owns layout (landscape and portrait regions as fractions of the window, so 1920×1080,
1366×768 and 1080×1920 all adapt), fonts fitted to their boxes (numbers as big as the box
allows), colours (dark background, bright numbers: readable from 10 m), and the three
timers that only animate: the clock (1 s), the flash of a fresh call (`Flash`, 500 ms)
and the running-text marquee. What is shown comes from `Board.view()`; no logic here.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from PySide6.QtCore import QRectF, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QWidget

from display_board.board import Board, BoardView, Call
from i18n import t
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
MARQUEE_BG = QColor("#b3131b")
OFFLINE = QColor("#ff4d4f")
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


def regions(width: float, height: float) -> dict[str, QRectF]:
    """Screen regions; portrait stacks everything, landscape puts calls side by side."""
    w, h = width, height
    if h > w:  # portrait
        rows = {"header": (0.0, 0.075), "latest": (0.075, 0.36), "counters": (0.36, 0.54),
                "last": (0.54, 0.75), "waiting": (0.75, 0.935), "marquee": (0.935, 1.0)}
        return {k: QRectF(0, a * h, w, (b - a) * h) for k, (a, b) in rows.items()}
    split = 0.58 * w
    return {
        "header": QRectF(0, 0, w, 0.095 * h),
        "latest": QRectF(0, 0.095 * h, split, 0.53 * h),
        "last": QRectF(split, 0.095 * h, w - split, 0.53 * h),
        "counters": QRectF(0, 0.625 * h, w, 0.185 * h),
        "waiting": QRectF(0, 0.81 * h, w, 0.11 * h),
        "marquee": QRectF(0, 0.92 * h, w, 0.08 * h),
    }


class BoardScreen(QWidget):
    """Full-screen board. Call `refresh()` after the model or board changed."""

    def __init__(self, board: Board, lang: str = "id", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board = board
        self.lang = lang
        self.audio_warning: str | None = None
        self.now_override: datetime | None = None  # gallery: a fixed clock
        self.view: BoardView = board.view(lang=lang)
        self.marquee_x = 0.0  # text offset; starts at the left edge (visible in a still)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(640, 360)
        self.setWindowTitle("Antrean — Papan Antrean")
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
        if not self.board.flash.tick():
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
        if not v.online or self.audio_warning:
            label = t("board.offline", self.lang) if not v.online else \
                t("board.audio_off", self.lang)
            if v.certificate_rejected:
                label = t("board.certificate_rejected", self.lang)
            font = board_font(max(11, rect.height() * 0.17))
            width = QFontMetricsF(font).horizontalAdvance(label) + u * 2.4
            badge = QRectF(clock_rect.left() - width - pad * 0.5,
                           rect.top() + rect.height() * 0.3, width, rect.height() * 0.4)
            path = QPainterPath()
            path.addRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            p.fillPath(path, OFFLINE if not v.online else CLOSED)
            p.setFont(font)
            p.setPen(QColor("#ffffff"))
            p.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), label)

    def _paint_latest(self, p: QPainter, rect: QRectF, portrait: bool) -> None:
        v = self.view
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
                   t("board.queue_number", "en") if not (call and call.recall)
                   else t("board.recall", "en"), MUTED if not flash else fg, bold=False)
        if call is None:
            self._text(p, QRectF(x, y + h * 0.3, iw, h * 0.3), t("board.no_calls", self.lang),
                       MUTED)
            return
        self._text(p, QRectF(x, y + h * 0.2, iw, h * 0.5), call.number, num_color)
        go = f"{t('board.go_to', self.lang)} / {t('board.go_to', 'en')}"
        self._text(p, QRectF(x, y + h * 0.69, iw, h * 0.07), go, fg, bold=False)
        self._text(p, QRectF(x, y + h * 0.77, iw, h * 0.2), call.counter_name.upper(),
                   ctr_color)

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
                   t("board.last_calls", "en"), MUTED, Qt.AlignmentFlag.AlignRight, bold=False,
                   max_px=title_h * 0.5)
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
                       f"→ {call.counter_name}", COUNTER, Qt.AlignmentFlag.AlignRight)
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
                       tile.name.upper(), COUNTER)
            body = QRectF(box.left() + u, strip.bottom() + box.height() * 0.04,
                          box.width() - 2 * u, box.height() * 0.62)
            if tile.status == "closed":
                self._text(p, body.adjusted(0, body.height() * 0.2, 0, -body.height() * 0.2),
                           t("board.counter_closed", self.lang), CLOSED)
            elif tile.number:
                self._text(p, body, tile.number, NUMBER if tile.status == "open" else MUTED)
            elif tile.status == "paused":
                self._text(p, body.adjusted(0, body.height() * 0.2, 0, -body.height() * 0.2),
                           t("board.counter_paused", self.lang), PAUSED)
            else:
                self._text(p, body, "—", MUTED)

    def _paint_waiting(self, p: QPainter, rect: QRectF, portrait: bool) -> None:
        rows = self.view.waiting
        if not rows:
            return
        u = self._unit()
        label_w = rect.width() * (0.0 if portrait else 0.11)
        if not portrait:
            lab = self._panel(p, QRectF(rect.left(), rect.top(), label_w, rect.height()),
                              HEADER, None)
            self._text(p, lab.adjusted(u, lab.height() * 0.1, -u, -lab.height() * 0.5),
                       t("board.waiting_title", self.lang), TEXT)
            self._text(p, lab.adjusted(u, lab.height() * 0.55, -u, -lab.height() * 0.12),
                       t("board.waiting_title", "en"), MUTED, bold=False)
        area = QRectF(rect.left() + label_w, rect.top(), rect.width() - label_w, rect.height())
        n = len(rows)
        cols = 2 if portrait else n
        rows_n = (n + cols - 1) // cols
        cw, ch = area.width() / cols, area.height() / rows_n
        for i, row in enumerate(rows):
            cell = QRectF(area.left() + (i % cols) * cw, area.top() + (i // cols) * ch, cw, ch)
            box = self._panel(p, cell)
            prefix_w = box.height() * 0.9
            chip = QRectF(box.left() + u * 0.8, box.top() + box.height() * 0.12, prefix_w,
                          box.height() * 0.76)
            path = QPainterPath()
            path.addRoundedRect(chip, u, u)
            p.fillPath(path, NUMBER if row.open else CLOSED)
            self._text(p, chip.adjusted(u * 0.3, u * 0.3, -u * 0.3, -u * 0.3), row.prefix,
                       FLASH_TEXT)
            text_left = chip.right() + u
            text_w = box.right() - text_left - u
            # One size for every service name (long ones are cut with "…"): a row of
            # names in different sizes reads as noise from the back of the hall.
            name_font = board_font(min(box.height() * 0.27, cw * 0.075), bold=False)
            p.setFont(name_font)
            p.setPen(MUTED)
            name_rect = QRectF(text_left, box.top() + box.height() * 0.06, text_w,
                               box.height() * 0.38)
            p.drawText(name_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                       QFontMetricsF(name_font).elidedText(row.name, Qt.TextElideMode.ElideRight,
                                                           text_w))
            self._text(p, QRectF(text_left, box.top() + box.height() * 0.44, text_w,
                                 box.height() * 0.5),
                       t("board.waiting_people", self.lang, n=row.waiting), TEXT,
                       Qt.AlignmentFlag.AlignLeft)

    def _paint_marquee(self, p: QPainter, rect: QRectF) -> None:
        p.fillRect(rect, MARQUEE_BG)
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
