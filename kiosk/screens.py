"""The kiosk's screens (Qt widgets). They render `KioskFlow` views and forward touches.

No rule lives here: a touch calls `controller.do("<flow method>", ...)`, and `render()`
redraws from the flow after every change. Layout adapts to portrait and landscape; every
control sits in the lower part of the screen (reachable from a wheelchair) — the top is
only the office name, the clock and instructions.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLayout,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from i18n import t
from i18n.formats import format_clock, format_date
from kiosk.controller import KioskController
from kiosk.flow import Banner, KioskFlow
from kiosk.widgets import (
    FONT_FAMILY,
    HIGH_CONTRAST,
    NORMAL,
    QrWidget,
    Theme,
    TouchButton,
    draw_text,
    paint_lane_icon,
)
from office_client.pairing_screen import PairingScreen, PairingTheme

PAGES = ("attract", "home", "category", "booking", "info", "issuing", "ticket")
ANIMATION_MS = 60  # the attract pulse and the "take your ticket" arrows
# The pairing screen (an unpaired kiosk's code) in the kiosk's own colours.
PAIRING_THEME = PairingTheme(
    bg=NORMAL.bg, panel=NORMAL.card_bg, panel_edge=NORMAL.card_border, text=NORMAL.text,
    muted=NORMAL.muted, code=NORMAL.header_bg, notice_bg=NORMAL.warn_bg,
    notice_fg=NORMAL.warn_fg, font_family=FONT_FAMILY)
KEY_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM")


def _tr(key: str, lang: str, **params: object) -> str:
    return t(f"kiosk.{key}", lang, **params)


class Painted(QWidget):
    """A widget drawn by a function of (painter, rect); used for text blocks and bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = NORMAL
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def refresh(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(p, QRectF(self.rect()))
        p.end()

    def paint(self, p: QPainter, r: QRectF) -> None:
        """What the widget draws; each kind of Painted draws its own (the base: nothing)."""


class Header(Painted):
    """Office name, page title and clock on the deep-blue band (nothing to touch here)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.office = ""
        self.title = ""
        self.subtitle = ""
        self.time_text = ""
        self.date_text = ""
        self.portrait = False

    def set_texts(self, office: str, title: str, subtitle: str, now: datetime,
                  zone: str | None, lang: str) -> None:
        date_text = format_date(now, zone, lang)
        time_text = format_clock(now, zone)
        values = (office, title, subtitle, time_text, date_text)
        if values != (self.office, self.title, self.subtitle, self.time_text, self.date_text):
            self.office, self.title, self.subtitle, self.time_text, self.date_text = values
            self.update()

    def paint(self, p: QPainter, r: QRectF) -> None:
        th = self.theme
        p.fillRect(r, QColor(th.header_bg))
        if th.name == "high":
            p.fillRect(QRectF(r.left(), r.bottom() - 4, r.width(), 4), QColor(th.header_fg))
        else:  # a thin gold rule, as on immigration signage
            p.fillRect(QRectF(r.left(), r.bottom() - 8, r.width(), 8), QColor("#F2B705"))
        pad = 48
        left = Qt.AlignmentFlag.AlignLeft
        if self.portrait:
            top = QRectF(r.left() + pad, r.top() + 30, r.width() - 2 * pad, 60)
            draw_text(p, top, self.office, 24, th.header_muted, True,
                      left | Qt.AlignmentFlag.AlignVCenter)
            clock = QRectF(r.left() + pad, top.bottom() + 10, r.width() - 2 * pad, 130)
            draw_text(p, clock, self.time_text, 80, th.header_fg, True,
                      left | Qt.AlignmentFlag.AlignVCenter)
            date = QRectF(r.left() + pad, clock.bottom(), r.width() - 2 * pad, 50)
            draw_text(p, date, self.date_text, 24, th.header_muted, False,
                      left | Qt.AlignmentFlag.AlignVCenter)
            title = QRectF(r.left() + pad, date.bottom() + 20, r.width() - 2 * pad, 100)
            draw_text(p, title, self.title, 46, th.header_fg, True,
                      left | Qt.AlignmentFlag.AlignBottom, min_points=30)
            sub = QRectF(r.left() + pad, title.bottom() + 10, r.width() - 2 * pad,
                         r.bottom() - title.bottom() - 30)
            draw_text(p, sub, self.subtitle, 26, th.header_muted, False,
                      left | Qt.AlignmentFlag.AlignTop, min_points=18)
            return
        clock_w = 360.0
        text = QRectF(r.left() + pad, r.top() + 14, r.width() - 2 * pad - clock_w, 50)
        draw_text(p, text, self.office, 20, th.header_muted, True,
                  left | Qt.AlignmentFlag.AlignVCenter)
        title = QRectF(text.left(), text.bottom(), text.width(), r.height() - 90)
        draw_text(p, title, self.title, 38, th.header_fg, True,
                  left | Qt.AlignmentFlag.AlignVCenter, min_points=24)
        clock = QRectF(r.right() - pad - clock_w, r.top() + 8, clock_w, r.height() * 0.58)
        draw_text(p, clock, self.time_text, 56, th.header_fg, True,
                  Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        date = QRectF(clock.left() - 100, clock.bottom(), clock_w + 100, r.height() * 0.3)
        draw_text(p, date, self.date_text, 18, th.header_muted, False,
                  Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)


class BannerBar(Painted):
    """A message (offline, printer trouble, an error) at a fixed, readable size: it grows
    by whole lines when the text wraps (portrait), never shrinks its letters."""

    TEXT_PT, DETAIL_PT = 26.0, 20.0
    MIN_HEIGHT = 100
    FRAME_PX = 40  # the box's margins (10 + 6) and inner padding (12 + 12) around the text
    # the rounded box's margins, the inner padding and the warning glyph's column
    _SIDE_PX = 32 * 2 + 28 * 2 + 90
    _FLAGS = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner: Banner | None = None
        self.setFixedHeight(self.MIN_HEIGHT)

    def set_banner(self, banner: Banner | None) -> None:
        if banner != self.banner:
            self.banner = banner
            self.setVisible(banner is not None)
            self.fit_height()
            self.update()

    def _measure(self, text: str, points: float, bold: bool, width: float) -> float:
        f = QFont(FONT_FAMILY)
        f.setPointSizeF(points)
        f.setBold(bold)
        return QFontMetricsF(f).boundingRect(QRectF(0, 0, width, 10_000), self._FLAGS,
                                             text).height()

    def text_heights(self, width: float | None = None) -> tuple[float, float]:
        """The heights the text and the detail need, wrapped at this bar's width."""
        if self.banner is None:
            return 0.0, 0.0
        inner = max(200.0, (width or self.width()) - self._SIDE_PX)
        text = self._measure(self.banner.text, self.TEXT_PT, True, inner)
        detail = self._measure(self.banner.detail, self.DETAIL_PT, False, inner) \
            if self.banner.detail else 0.0
        return text, detail

    def fit_height(self, width: float | None = None) -> None:
        text, detail = self.text_heights(width)
        self.setFixedHeight(max(self.MIN_HEIGHT, math.ceil(text + detail + self.FRAME_PX)))

    def resizeEvent(self, event: object) -> None:
        self.fit_height()
        super().resizeEvent(event)

    def paint(self, p: QPainter, r: QRectF) -> None:
        if self.banner is None:
            return
        th = self.theme
        bg, fg = {"offline": (th.danger_bg, th.danger_fg), "error": (th.danger_bg, th.danger_fg),
                  "printer": (th.warn_bg, th.warn_fg),
                  "warning": (th.warn_bg, th.warn_fg),
                  # the server is away but numbers are still given: calm, not an alarm
                  "notice": (th.ok_bg, th.ok_fg)}[self.banner.kind]
        box = r.adjusted(32, 10, -32, -6)
        path = QPainterPath()
        path.addRoundedRect(box, 16, 16)
        p.fillPath(path, QColor(bg))
        if th.name == "high":
            p.setPen(QColor(fg))
            p.drawPath(path)
        inner = box.adjusted(28, 12, -28, -12)
        glyph = QRectF(inner.left(), inner.top(), 70, inner.height())
        draw_text(p, glyph, "\u2139" if self.banner.kind == "notice" else "\u26a0", 40, fg,
                  True)
        text = inner.adjusted(90, 0, 0, 0)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if self.banner.detail:
            need_text, need_detail = self.text_heights(r.width())
            share = need_text / max(1.0, need_text + need_detail)
            top = QRectF(text.left(), text.top(), text.width(), text.height() * share)
            bottom = QRectF(text.left(), top.bottom(), text.width(), text.height() - top.height())
            draw_text(p, top, self.banner.text, self.TEXT_PT, fg, True, left,
                      min_points=self.TEXT_PT)
            draw_text(p, bottom, self.banner.detail, self.DETAIL_PT, fg, False, left,
                      min_points=self.DETAIL_PT)
        else:
            draw_text(p, text, self.banner.text, self.TEXT_PT, fg, True, left,
                      min_points=self.TEXT_PT)


class TextBlock(Painted):
    """Wrapped text with a given size and alignment (titles, hints, info text)."""

    def __init__(self, points: float, bold: bool = False,
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
                 | Qt.AlignmentFlag.AlignVCenter, role: str = "text",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.points, self.bold, self.align, self.role = points, bold, align, role
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_text(self, text: str, theme: Theme) -> None:
        if (text, theme) != (self.text, self.theme):
            self.text, self.theme = text, theme
            self.update()

    def paint(self, p: QPainter, r: QRectF) -> None:
        th = self.theme
        color = {"text": th.text, "muted": th.muted, "danger": th.danger_bg,
                 "ok": th.ok_fg, "priority": th.priority}.get(self.role, th.text)
        draw_text(p, r, self.text, self.points * th.scale, color, self.bold, self.align,
                  min_points=self.points * 0.55)


# ---------------------------------------------------------------------- pages
class Page(QWidget):
    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.portrait = False

    def render(self, flow: KioskFlow, theme: Theme) -> None:
        """Show `flow`'s state; each page shows its own (the base page: nothing)."""

    def set_portrait(self, portrait: bool) -> None:
        self.portrait = portrait


class HomePage(Page):
    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.cards: dict[str, tuple[TouchButton, TouchButton]] = {}
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(32, 12, 32, 12)
        self.grid.setSpacing(20)
        self._order: list[str] = []

    def _build(self, ids: list[str]) -> None:
        for card, info in self.cards.values():
            for old in (card, info):
                old.hide()  # gone at once; deleted when the event loop gets to it
                old.deleteLater()
        self.cards.clear()
        for sid in ids:
            card = TouchButton("card", self)
            card.title_points = 30
            card.subtitle_points = 22
            card.clicked.connect(lambda _=False, s=sid: self.controller.do("choose_service", s))
            info = TouchButton("info", self)
            info.title_points = 28
            info.setFixedWidth(150)
            info.clicked.connect(lambda _=False, s=sid: self.controller.do("open_info", s))
            card.setObjectName(f"service-{sid}")
            info.setObjectName(f"info-{sid}")
            self.cards[sid] = (card, info)
        self._order = ids
        self._place()

    def _place(self) -> None:
        while self.grid.count():
            self.grid.takeAt(0)
        for row in range(self.grid.rowCount()):  # rows of the other orientation: no space
            self.grid.setRowStretch(row, 0)
        # Titles on one line read best: two wide columns in landscape, one in portrait.
        cols = 1 if self.portrait or len(self._order) <= 3 else 2
        for i, sid in enumerate(self._order):
            card, info = self.cards[sid]
            row, col = divmod(i, cols)
            box = QHBoxLayout()
            box.setSpacing(10)
            box.addWidget(card, 1)
            box.addWidget(info)
            self.grid.addLayout(box, row, col)
        for row in range((len(self._order) + cols - 1) // cols):
            self.grid.setRowStretch(row, 1)
        for col in range(self.grid.columnCount()):
            self.grid.setColumnStretch(col, 1 if col < cols else 0)

    def set_portrait(self, portrait: bool) -> None:
        if portrait != self.portrait:
            super().set_portrait(portrait)
            if self._order:
                self._build(list(self._order))

    def render(self, flow: KioskFlow, theme: Theme) -> None:
        views = flow.services()
        ids = [v.id for v in views]
        if ids != self._order:
            self._build(ids)
        for v in views:
            card, info = self.cards[v.id]
            card.subtitle_alert = v.closed_reason is not None
            card.set_content(v.title, v.detail, badge=v.prefix, enabled=v.enabled, theme=theme)
            info.set_content("\u2139\n" + _tr("info_button", flow.lang), enabled=v.has_info,
                             theme=theme)


class AttractPage(Page):
    """Nobody at the kiosk: "Sentuh untuk mulai" and "Touch to start" (the next applicant's
    language is not known yet), a slow pulse that catches the eye; a touch anywhere wakes
    the kiosk."""

    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.theme = NORMAL
        self.phase = 0.0
        self.setAccessibleName(f"{_tr('attract', 'id')} / {_tr('attract', 'en')}")
        self.timer = QTimer(self)
        self.timer.setInterval(ANIMATION_MS)
        self.timer.timeout.connect(self._step)

    def _step(self) -> None:
        self.phase = (self.phase + ANIMATION_MS / 1600) % 1.0
        self.update()

    def showEvent(self, event: object) -> None:
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event: object) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.controller.do("wake")

    def render(self, flow: KioskFlow, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        th, r = self.theme, QRectF(self.rect()).adjusted(32, 8, -32, -24)
        path = QPainterPath()
        path.addRoundedRect(r, 28, 28)
        p.fillPath(path, QColor(th.primary_bg))
        # the pulse: a ring that grows and fades around a touch point
        size = min(r.width(), r.height()) * (0.26 if self.portrait else 0.34)
        centre = QPointF(r.center().x(), r.top() + r.height() * (0.30 if self.portrait
                                                                 else 0.34))
        for offset in (0.0, 0.5):
            phase = (self.phase + offset) % 1.0
            ring = QColor(th.primary_fg)
            ring.setAlphaF(0.55 * (1 - phase))
            p.setPen(QPen(ring, 6))
            radius = size * (0.35 + 0.65 * phase) / 2
            p.drawEllipse(centre, radius, radius)
        dot = QPainterPath()
        dot.addEllipse(centre, size * 0.16, size * 0.16)
        p.fillPath(dot, QColor(th.toggle_on_bg))
        text_top = centre.y() + size / 2 + 20
        first = QRectF(r.left() + 40, text_top, r.width() - 80, r.height() * 0.2)
        draw_text(p, first, _tr("attract", "id"), 96 * th.scale, th.primary_fg, True,
                  min_points=96)
        second = QRectF(first.left(), first.bottom(), first.width(), r.height() * 0.12)
        draw_text(p, second, _tr("attract", "en"), 60 * th.scale, th.primary_fg, False,
                  min_points=60)
        hint = QRectF(first.left(), second.bottom() + 10, first.width(),
                      r.bottom() - second.bottom() - 30)
        draw_text(p, hint, f"{_tr('attract_hint', 'id')}  ·  {_tr('attract_hint', 'en')}",
                  30, th.toggle_on_bg, True, min_points=30)
        p.end()


class CategoryPage(Page):
    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.buttons: dict[str, TouchButton] = {}
        self.hint = TextBlock(24, role="muted")
        self.hint.setFixedHeight(60)
        self.row = QGridLayout()
        self.row.setSpacing(24)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 8, 32, 12)
        layout.addWidget(self.hint)
        layout.addLayout(self.row, 1)
        self._order: list[str] = []

    def set_portrait(self, portrait: bool) -> None:
        if portrait != self.portrait:
            super().set_portrait(portrait)
            self._order = []  # rebuilt in the new arrangement at the next render

    def render(self, flow: KioskFlow, theme: Theme) -> None:
        lanes = flow.lanes_for(flow.service_id or "")
        ids = [lane.id for lane in lanes]
        if ids != self._order:
            for b in self.buttons.values():
                b.hide()
                b.deleteLater()
            self.buttons.clear()
            while self.row.count():
                self.row.takeAt(0)
            cols = 2 if self.portrait and len(ids) > 2 else max(1, len(ids))
            for i, lane_id in enumerate(ids):
                b = TouchButton("lane", self)
                b.setObjectName(f"lane-{lane_id}")
                b.title_points = 30
                b.subtitle_points = 22
                b.icon_painter = (lambda p, r, c, lid=lane_id: paint_lane_icon(p, r, lid, c))
                b.clicked.connect(lambda _=False, lid=lane_id: self.controller.do("choose_lane",
                                                                                  lid))
                self.row.addWidget(b, *divmod(i, cols))
                self.buttons[lane_id] = b
            self._order = ids
        for lane in lanes:
            self.buttons[lane.id].set_content(lane.title, lane.subtitle, enabled=lane.enabled,
                                              theme=theme)
        self.hint.set_text(_tr("category_hint", flow.lang), theme)


class BookingPage(Page):
    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.code = CodeBox()
        self.code.setFixedHeight(110)
        self.error = TextBlock(24, True, role="danger")
        self.error.setFixedHeight(44)
        self.keys: dict[str, TouchButton] = {}
        keyboard = QGridLayout()
        keyboard.setSpacing(12)
        for r, row in enumerate(KEY_ROWS):
            for c, ch in enumerate(row):
                key = TouchButton("key", self)
                key.title_points = 34
                key.setMinimumWidth(60)
                # 40 keys + a banner must fit 1080 px: keys stay ~3 cm tall on a 21" screen.
                key.setMinimumHeight(100)
                key.setObjectName(f"key-{ch}")
                key.clicked.connect(lambda _=False, k=ch: self.controller.do("booking_key", k))
                keyboard.addWidget(key, r, c)
                self.keys[ch] = key
        self.backspace = TouchButton("secondary", self)
        self.backspace.setMinimumSize(60, 100)
        self.backspace.setObjectName("key-backspace")
        self.backspace.clicked.connect(lambda: self.controller.do("booking_backspace"))
        self.submit = TouchButton("primary", self)
        self.submit.setMinimumSize(60, 100)
        self.submit.setObjectName("key-submit")
        self.submit.clicked.connect(lambda: self.controller.do("submit_booking"))
        keyboard.addWidget(self.backspace, 3, 7, 1, 1)
        keyboard.addWidget(self.submit, 3, 8, 1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 8, 32, 12)
        layout.setSpacing(10)
        layout.addWidget(self.code)
        layout.addWidget(self.error)
        layout.addLayout(keyboard, 1)
        self.keyboard = keyboard

    def render(self, flow: KioskFlow, theme: Theme) -> None:
        for ch, key in self.keys.items():
            key.set_content(ch, theme=theme)
        self.backspace.set_content(_tr("delete", flow.lang), glyph="\u232b",
                                   enabled=bool(flow.booking_code), theme=theme)
        self.submit.set_content(_tr("booking_ok", flow.lang), glyph="\u2714",
                                enabled=bool(flow.booking_code) and flow.online, theme=theme)
        self.code.set_code(flow.booking_code, theme)
        self.error.set_text(flow.error or "", theme)


class CodeBox(Painted):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = ""

    def set_code(self, code: str, theme: Theme) -> None:
        if (code, theme) != (self.code, self.theme):
            self.code, self.theme = code, theme
            self.update()

    def paint(self, p: QPainter, r: QRectF) -> None:
        th = self.theme
        box = r.adjusted(2, 2, -2, -2)
        path = QPainterPath()
        path.addRoundedRect(box, 16, 16)
        p.fillPath(path, QColor(th.card_bg))
        p.setPen(QPen(QColor(th.card_fg), th.border_px))
        p.drawPath(path)
        text = (self.code or "") + "\u258f"
        draw_text(p, box.adjusted(30, 0, -30, 0), text, 54, th.card_fg, True,
                  family="DejaVu Sans Mono", min_points=24)


class InfoPage(Page):
    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.card = InfoCard()
        self.take = TouchButton("primary", self)
        self.take.setObjectName("info-take")
        self.take.title_points = 32
        self.take.setFixedHeight(150)
        self.take.clicked.connect(lambda: self.controller.do(
            "choose_service", self.controller.flow.service_id or ""))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 8, 32, 12)
        layout.setSpacing(20)
        layout.addWidget(self.card, 1)
        layout.addWidget(self.take)

    def render(self, flow: KioskFlow, theme: Theme) -> None:
        self.card.set_texts(flow.service_info(), theme)
        self.take.set_content(_tr("info_take", flow.lang), glyph="\u25b6",
                              enabled=flow.service_enabled(flow.service_id or ""), theme=theme)


class InfoCard(Painted):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = ""

    def set_texts(self, text: str, theme: Theme) -> None:
        if (text, theme) != (self.text, self.theme):
            self.text, self.theme = text, theme
            self.update()

    def paint(self, p: QPainter, r: QRectF) -> None:
        th = self.theme
        box = r.adjusted(2, 2, -2, -2)
        path = QPainterPath()
        path.addRoundedRect(box, 18, 18)
        p.fillPath(path, QColor(th.card_bg))
        p.setPen(QPen(QColor(th.card_border), th.border_px))
        p.drawPath(path)
        glyph = QRectF(box.left() + 30, box.top() + 30, 110, 110)
        gp = QPainterPath()
        gp.addEllipse(glyph)
        p.fillPath(gp, QColor(th.badge_bg))
        draw_text(p, glyph, "i", 54, th.badge_fg, True, family="DejaVu Serif")
        # Requirements are listed as "Syarat: a, b, c. Biaya …": one sentence per line.
        text = self.text.replace(". ", ".\n\n")
        draw_text(p, box.adjusted(170, 34, -40, -30), text, 34 * th.scale, th.text, False,
                  Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, min_points=20)


class IssuingPage(Page):
    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.message = TextBlock(40, True, Qt.AlignmentFlag.AlignCenter)
        self.retry = TouchButton("primary", self)
        self.retry.setObjectName("retry")
        self.retry.setFixedSize(560, 150)
        self.retry.title_points = 32
        self.retry.clicked.connect(lambda: self.controller.do("retry"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(80, 40, 80, 40)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignHCenter)

    def render(self, flow: KioskFlow, theme: Theme) -> None:
        unconfirmed = bool(flow.pending and flow.pending.unconfirmed)
        self.message.set_text(_tr("not_confirmed" if unconfirmed else "issuing", flow.lang),
                              theme)
        self.retry.setVisible(unconfirmed)
        self.retry.set_content(_tr("retry", flow.lang), glyph="\u21bb", enabled=flow.online,
                               theme=theme)


class TicketPage(Page):
    """The issued number, big, with its QR; the photo fallback when printing failed."""

    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.card = TicketCard()
        self.card.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.qr = QrWidget()
        self.qr.setMinimumSize(240, 240)
        self.qr.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.qr_caption = TextBlock(22, False, Qt.AlignmentFlag.AlignHCenter
                                    | Qt.AlignmentFlag.AlignTop, role="muted")
        self.qr_caption.setFixedHeight(90)
        self.status = TextBlock(30, True, Qt.AlignmentFlag.AlignCenter, role="ok")
        self.status.setFixedHeight(70)
        self.failure = BannerBar()
        self.failure.setFixedHeight(130)
        self.failure.setVisible(False)
        self.done = TouchButton("primary", self)
        self.done.setObjectName("done")
        self.done.title_points = 32
        self.done.setFixedHeight(150)
        self.done.clicked.connect(lambda: self.controller.do("done"))
        # after a failed print: print the same ticket again, or call an officer
        self.reprint = TouchButton("secondary", self)
        self.reprint.setObjectName("reprint")
        self.reprint.clicked.connect(lambda: self.controller.do("reprint"))
        self.call_staff = TouchButton("secondary", self)
        self.call_staff.setObjectName("call-staff")
        self.call_staff.clicked.connect(lambda: self.controller.do("call_staff"))
        for b in (self.reprint, self.call_staff):
            b.title_points = 30
            b.setFixedHeight(150)
        self.take = TakeTicket()  # the arrows to the printer slot and the countdown
        self.take.setFixedHeight(150)
        self.qr_box = QVBoxLayout()
        self.qr_box.addWidget(self.qr, 1)
        self.qr_box.addWidget(self.qr_caption)
        self.body = QGridLayout()
        self.body.setSpacing(24)
        self.actions = QGridLayout()
        self.actions.setSpacing(16)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 8, 32, 12)
        layout.setSpacing(16)
        layout.addWidget(self.status)
        layout.addWidget(self.failure)
        layout.addLayout(self.body, 1)
        layout.addLayout(self.actions)
        self._failed_layout = False
        self._arrange()

    def _arrange_actions(self, failed: bool) -> None:
        while self.actions.count():
            self.actions.takeAt(0)
        for i in range(3):
            self.actions.setColumnStretch(i, 0)
        if failed:
            self.take.hide()
            if self.portrait:  # three big buttons do not fit one 1080 px row
                self.actions.addWidget(self.reprint, 0, 0)
                self.actions.addWidget(self.call_staff, 0, 1)
                self.actions.addWidget(self.done, 1, 0, 1, 2)
            else:
                for col, b in enumerate((self.reprint, self.call_staff, self.done)):
                    self.actions.addWidget(b, 0, col)
                    self.actions.setColumnStretch(col, 1)
            for b in (self.reprint, self.call_staff):
                b.show()
        else:
            self.reprint.hide()
            self.call_staff.hide()
            self.take.show()
            self.actions.addWidget(self.take, 0, 0)
            self.actions.addWidget(self.done, 0, 1)
            self.actions.setColumnStretch(0, 3)
            self.actions.setColumnStretch(1, 2)
        self._failed_layout = failed

    def _arrange(self) -> None:
        self._arrange_actions(self._failed_layout)
        while self.body.count():
            self.body.takeAt(0)
        for i in range(3):
            self.body.setRowStretch(i, 0)
            self.body.setColumnStretch(i, 0)
        if self.portrait:
            self.body.addWidget(self.card, 0, 0)
            self.body.addLayout(self.qr_box, 1, 0)
            self.body.setRowStretch(0, 1)
            self.body.setRowStretch(1, 1)
            self.body.setColumnStretch(0, 1)
        else:
            self.body.addWidget(self.card, 0, 0)
            self.body.addLayout(self.qr_box, 0, 1)
            self.body.setColumnStretch(0, 3)
            self.body.setColumnStretch(1, 2)
            self.body.setRowStretch(0, 1)

    def set_portrait(self, portrait: bool) -> None:
        if portrait != self.portrait:
            super().set_portrait(portrait)
            self._arrange()

    def render(self, flow: KioskFlow, theme: Theme) -> None:
        view = flow.ticket()
        if view is None:
            return
        failed = view.print_state == "failed"
        if failed != self._failed_layout:
            self._arrange_actions(failed)
        self.card.set_view(view, flow.lang, theme)
        self.qr.set_payload(view.status_url)
        self.qr_caption.set_text(_tr("scan_phone", flow.lang), theme)
        self.status.setVisible(not failed)
        self.failure.setVisible(failed)
        self.failure.refresh(theme)
        message = _tr("staff_called" if view.staff_called else "print_failed", flow.lang)
        self.failure.set_banner(Banner("error", message) if failed else None)
        if view.print_state == "printed":
            self.status.set_text("\u2714  " + _tr("take_ticket", flow.lang), theme)
        else:
            self.status.set_text(_tr("printing", flow.lang), theme)
        countdown = _tr("back_to_start", flow.lang, n=view.countdown_s) \
            if view.countdown_s is not None else ""
        self.take.set_state(view.print_state == "printed", countdown, theme)
        self.reprint.set_content(_tr("reprint", flow.lang), glyph="\u21bb", theme=theme)
        self.call_staff.set_content(_tr("call_staff", flow.lang), glyph="\u260e",
                                    enabled=not view.staff_called, theme=theme)
        self.done.set_content(_tr("done", flow.lang), glyph="\u2714", theme=theme)


class TakeTicket(Painted):
    """Arrows moving down to the printer's slot while the ticket comes out, and the
    seconds until the kiosk starts over ("Kembali ke awal dalam 18 detik")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.active = False
        self.countdown = ""
        self.phase = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(ANIMATION_MS)
        self.timer.timeout.connect(self._step)

    def _step(self) -> None:
        self.phase = (self.phase + ANIMATION_MS / 900) % 1.0
        self.update()

    def set_state(self, active: bool, countdown: str, theme: Theme) -> None:
        if active and not self.timer.isActive() and self.isVisible():
            self.timer.start()
        elif not active:
            self.timer.stop()
        if (active, countdown, theme) != (self.active, self.countdown, self.theme):
            self.active, self.countdown, self.theme = active, countdown, theme
            self.update()

    def hideEvent(self, event: object) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def showEvent(self, event: object) -> None:
        if self.active:
            self.timer.start()
        super().showEvent(event)

    def paint(self, p: QPainter, r: QRectF) -> None:
        if not self.active:
            return
        th = self.theme
        arrows = QRectF(r.left(), r.top(), min(150.0, r.height()), r.height())
        color = QColor(th.ok_fg)
        for i in range(2):  # two chevrons sliding down, the lower one fading out
            t_ = (self.phase + i * 0.5) % 1.0
            y = arrows.top() + 14 + t_ * (arrows.height() - 60)
            c = QColor(color)
            c.setAlphaF(1.0 - 0.8 * t_)
            w = arrows.width() * 0.7
            x = arrows.center().x()
            chevron = QPolygonF([QPointF(x - w / 2, y), QPointF(x, y + 40),
                                 QPointF(x + w / 2, y)])
            pen = QPen(c, 14)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            p.drawPolyline(chevron)
        text = QRectF(arrows.right() + 24, r.top(), r.width() - arrows.width() - 24, r.height())
        draw_text(p, text, self.countdown, 28, th.text, True,
                  Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, min_points=20)


class TicketCard(Painted):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = None
        self.lang = "id"

    def set_view(self, view: object, lang: str, theme: Theme) -> None:
        if (view, lang, theme) != (self.view, self.lang, self.theme):
            self.view, self.lang, self.theme = view, lang, theme
            self.update()

    def paint(self, p: QPainter, r: QRectF) -> None:
        v, th = self.view, self.theme
        if v is None:
            return
        box = r.adjusted(2, 2, -2, -2)
        path = QPainterPath()
        path.addRoundedRect(box, 22, 22)
        p.fillPath(path, QColor(th.card_bg))
        p.setPen(QPen(QColor(th.card_border), th.border_px))
        p.drawPath(path)
        h = box.height()
        inner = box.adjusted(30, 20, -30, -20)
        top = QRectF(inner.left(), inner.top(), inner.width(), h * 0.12)
        heading = t("ticket.queue_number", self.lang)
        if v.offline:  # as on the paper: issued from the kiosk's lease
            heading += f"  ·  {t('ticket.offline_mark', self.lang)}"
        draw_text(p, top, heading, 26, th.muted, True)
        number = QRectF(inner.left(), top.bottom(), inner.width(), h * 0.40)
        draw_text(p, number, v.number, 220 * th.scale, th.card_fg, True, min_points=60)
        svc = QRectF(inner.left(), number.bottom(), inner.width(), h * 0.13)
        draw_text(p, svc, v.service_name, 32, th.text, True, min_points=20)
        lane = QRectF(inner.left(), svc.bottom(), inner.width(), h * 0.10)
        lane_text = v.lane_name
        if v.lane_priority:
            lane_text = f"{t('ticket.priority', self.lang)} — {v.lane_name}"
        draw_text(p, lane, lane_text, 26, th.priority if v.lane_priority else th.muted, True,
                  min_points=16)
        rest = QRectF(inner.left(), lane.bottom(), inner.width(), inner.bottom() - lane.bottom())
        sep = "\n" if rest.width() < 1000 else "  ·  "  # portrait: one fact per line
        line = v.ahead_text + (f"{sep}{v.wait_text}" if v.wait_text else "")
        draw_text(p, rest, line, 26, th.text, False, min_points=16)


# ---------------------------------------------------------------------- bottom bar
class BottomBar(QWidget):
    """Back / booking code and the three toggles, always at the bottom of the screen."""

    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.portrait = False
        self.back = TouchButton("secondary", self)
        self.back.setObjectName("back")
        self.back.clicked.connect(lambda: controller.do("back"))
        self.booking = TouchButton("primary", self)
        self.booking.setObjectName("booking")
        self.booking.clicked.connect(lambda: controller.do("open_booking"))
        self.lang = TouchButton("secondary", self)
        self.lang.setObjectName("lang")
        self.lang.clicked.connect(lambda: controller.do("toggle_language"))
        self.contrast = TouchButton("toggle", self)
        self.contrast.setObjectName("contrast")
        self.contrast.clicked.connect(lambda: controller.do("toggle_contrast"))
        self.audio = TouchButton("toggle", self)
        self.audio.setObjectName("audio")
        self.audio.clicked.connect(lambda: controller.do("toggle_audio"))
        for b in (self.back, self.booking, self.lang, self.contrast, self.audio):
            b.title_points = 28
            b.setFixedHeight(130)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(32, 12, 32, 24)
        self.grid.setSpacing(16)
        self._arrange()

    def _arrange(self) -> None:
        while self.grid.count():
            self.grid.takeAt(0)
        if self.portrait:
            self.grid.addWidget(self.back, 0, 0, 1, 3)
            self.grid.addWidget(self.booking, 0, 0, 1, 3)
            self.grid.addWidget(self.lang, 1, 0)
            self.grid.addWidget(self.contrast, 1, 1)
            self.grid.addWidget(self.audio, 1, 2)
            for col in range(5):
                self.grid.setColumnStretch(col, 1 if col < 3 else 0)
        else:
            self.grid.addWidget(self.back, 0, 0)
            self.grid.addWidget(self.booking, 0, 0)
            self.grid.addWidget(self.lang, 0, 1)
            self.grid.addWidget(self.contrast, 0, 2)
            self.grid.addWidget(self.audio, 0, 3)
            for col, stretch in enumerate((5, 3, 3, 3, 0)):
                self.grid.setColumnStretch(col, stretch)

    def set_portrait(self, portrait: bool) -> None:
        if portrait != self.portrait:
            self.portrait = portrait
            self._arrange()

    def render(self, flow: KioskFlow, theme: Theme) -> None:
        lang = flow.lang
        home = flow.screen == "home"
        self.booking.setVisible(home)
        self.back.setVisible(flow.screen in ("category", "booking", "info")
                             or (flow.screen == "issuing" and bool(flow.pending)
                                 and flow.pending.unconfirmed))
        self.booking.set_content(_tr("booking_button", lang), glyph="\u2328",
                                 enabled=flow.online, theme=theme)
        back_key = "cancel" if flow.screen in ("booking", "issuing") else "back"
        self.back.set_content(_tr(back_key, lang), glyph="\u2190", theme=theme)
        self.lang.set_content(t("common.lang_toggle", lang), theme=theme)
        self.contrast.set_content(_tr("contrast", lang), glyph="\u25d0",
                                  checked=flow.high_contrast, theme=theme)
        self.audio.set_content(_tr("audio", lang), glyph="\u266b", checked=flow.audio,
                               theme=theme)
        self.setVisible(flow.screen not in ("ticket", "attract"))


# ---------------------------------------------------------------------- window
class KioskWindow(QWidget):
    """The whole kiosk screen. `render()` runs after every change the controller reports."""

    def __init__(self, controller: KioskController, now: object = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._now = now  # injectable clock for screenshots: () -> datetime
        self.setWindowTitle("Antrean — Kiosk")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self.header = Header()
        self.banner = BannerBar()
        self.banner.setVisible(False)
        self.stack = QStackedWidget()
        self.pages: dict[str, Page] = {
            "attract": AttractPage(controller), "home": HomePage(controller),
            "category": CategoryPage(controller),
            "booking": BookingPage(controller), "info": InfoPage(controller),
            "issuing": IssuingPage(controller), "ticket": TicketPage(controller),
        }
        for name in PAGES:
            self.stack.addWidget(self.pages[name])
        self.bottom = BottomBar(controller)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        # The monitor decides the size, not the layout: a minimum from the other orientation
        # (the 560 px portrait header) must not make a rotated window taller than the glass.
        # tests/kiosk/test_kiosk_fit.py checks that every screen's content fits both sizes.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setMinimumSize(640, 360)
        layout.addWidget(self.header)
        layout.addWidget(self.banner)
        layout.addSpacing(12)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.bottom)
        self.theme: Theme = NORMAL
        self.portrait = False
        self._apply_orientation()
        controller.changed.connect(self.render)
        self.render()
        # Over everything while the kiosk waits for its pairing code to be approved.
        self.pairing_screen = PairingScreen(controller.connection, PAIRING_THEME, self)

    @property
    def flow(self) -> KioskFlow:
        return self.controller.flow

    def now(self) -> datetime:
        return self._now() if callable(self._now) else datetime.now(UTC)

    def _apply_orientation(self) -> None:
        portrait = self.height() > self.width()
        self.portrait = portrait
        self.header.portrait = portrait
        self.header.setFixedHeight(560 if portrait else 150)
        for page in self.pages.values():
            page.set_portrait(portrait)
        self.bottom.set_portrait(portrait)

    def resizeEvent(self, event: object) -> None:
        if (self.height() > self.width()) != self.portrait:
            self._apply_orientation()
            self.render()
        super().resizeEvent(event)

    def titles(self) -> tuple[str, str]:
        flow, lang = self.flow, self.flow.lang
        screen = flow.screen
        if screen == "category":
            return flow.service_title(), _tr("category_title", lang)
        if screen == "booking":
            return _tr("booking_title", lang), _tr("booking_hint", lang)
        if screen == "info":
            return flow.service_title(), _tr("info_button", lang)
        if screen == "ticket":
            return _tr("your_number", lang), ""
        if screen == "issuing":
            return _tr("home_title", lang), ""
        if screen == "attract":
            return f"{_tr('home_title', 'id')}  ·  {_tr('home_title', 'en')}", ""
        return _tr("home_title", lang), _tr("choose_service", lang) + "\n" + _tr("steps", lang)

    def render(self) -> None:
        flow = self.flow
        theme = HIGH_CONTRAST if flow.high_contrast else NORMAL
        if theme is not self.theme:
            self.theme = theme
        pal = self.palette()
        pal.setColor(self.backgroundRole(), QColor(theme.bg))
        self.setPalette(pal)
        title, subtitle = self.titles()
        if not self.portrait:
            subtitle = ""
        self.header.refresh(theme)
        self.header.set_texts(flow.office_name(), title, subtitle, self.now(),
                              flow.model.office.get("timezone"), flow.lang)
        self.banner.refresh(theme)
        self.banner.set_banner(flow.banner() if flow.screen != "ticket" else None)
        page = self.pages[flow.screen]
        page.render(flow, theme)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
        self.bottom.render(flow, theme)

    # A scanner in keyboard mode types the code and presses Enter: treat it like touches.
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.pairing_screen.isVisible():
            return
        key = event.key()
        text = event.text()
        flow = self.flow
        if flow.screen == "attract":
            self.controller.do("wake")  # any key wakes the kiosk, and counts as typed
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if flow.screen == "booking":
                self.controller.do("submit_booking")
            return
        if key == Qt.Key.Key_Backspace:
            self.controller.do("booking_backspace")
            return
        if key == Qt.Key.Key_Escape:
            self.controller.do("back")
            return
        if text and (text.isalnum() or text == "-") and text.isascii():
            if flow.screen == "home" and flow.online:
                self.controller.do("open_booking")
            self.controller.do("booking_key", text)
            return
        super().keyPressEvent(event)


__all__ = ["KioskWindow", "FONT_FAMILY"]
