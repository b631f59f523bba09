"""Painted building blocks of the kiosk screens: themes, touch buttons, QR, lane icons.

Everything is painted with QPainter from a `Theme`, so the normal (deep immigration blue)
and the high-contrast (yellow on black, larger text) looks are one switch, and a screen
renders the same offscreen as on the kiosk. Button text is in points (≥ 28 pt on every
button label) and shrinks only when a translation would not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import qrcode
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QAbstractButton, QSizePolicy, QWidget

FONT_FAMILY = "DejaVu Sans"
MIN_TOUCH_PX = 120


@dataclass(frozen=True)
class Theme:
    name: str
    bg: str
    header_bg: str
    header_fg: str
    header_muted: str
    text: str
    muted: str
    card_bg: str
    card_fg: str
    card_border: str
    badge_bg: str
    badge_fg: str
    primary_bg: str
    primary_fg: str
    secondary_bg: str
    secondary_fg: str
    toggle_on_bg: str
    toggle_on_fg: str
    disabled_bg: str
    disabled_fg: str
    priority: str
    ok_bg: str
    ok_fg: str
    danger_bg: str
    danger_fg: str
    warn_bg: str
    warn_fg: str
    border_px: int
    scale: float


NORMAL = Theme(
    name="normal", bg="#EAF0F8", header_bg="#0A2A66", header_fg="#FFFFFF",
    header_muted="#C9D8F2", text="#0A1F44", muted="#34476B", card_bg="#FFFFFF",
    card_fg="#0A2A66", card_border="#B8C9E6", badge_bg="#0A4AA6", badge_fg="#FFFFFF",
    primary_bg="#0A4AA6", primary_fg="#FFFFFF", secondary_bg="#FFFFFF", secondary_fg="#0A2A66",
    toggle_on_bg="#F2B705", toggle_on_fg="#0A1F44", disabled_bg="#DCE2EA",
    disabled_fg="#4F5B6E", priority="#B35C00", ok_bg="#DDF3E4", ok_fg="#0B5A2A",
    danger_bg="#B3261E", danger_fg="#FFFFFF", warn_bg="#FFE08A", warn_fg="#3D2E00",
    border_px=2, scale=1.0,
)
HIGH_CONTRAST = Theme(
    name="high", bg="#000000", header_bg="#000000", header_fg="#FFFF00",
    header_muted="#FFFFFF", text="#FFFFFF", muted="#FFFFFF", card_bg="#000000",
    card_fg="#FFFF00", card_border="#FFFF00", badge_bg="#FFFF00", badge_fg="#000000",
    primary_bg="#FFFF00", primary_fg="#000000", secondary_bg="#000000", secondary_fg="#FFFF00",
    toggle_on_bg="#FFFFFF", toggle_on_fg="#000000", disabled_bg="#000000",
    disabled_fg="#B0B0B0", priority="#FFFFFF", ok_bg="#000000", ok_fg="#7CFF7C",
    danger_bg="#FF3030", danger_fg="#000000", warn_bg="#FFFF00", warn_fg="#000000",
    border_px=4, scale=1.18,
)


def font(points: float, bold: bool = False, theme: Theme | None = None,
         family: str = FONT_FAMILY) -> QFont:
    f = QFont(family)
    f.setPointSizeF(points * (theme.scale if theme else 1.0))
    f.setBold(bold)
    return f


def fitted_font(text: str, rect: QRectF, points: float, bold: bool, min_points: float,
                flags: int, family: str = FONT_FAMILY) -> QFont:
    """The largest font ≤ `points` at which `text` fits `rect` (word-wrapped)."""
    size = points
    while True:
        f = QFont(family)
        f.setPointSizeF(size)
        f.setBold(bold)
        used = QFontMetricsF(f).boundingRect(rect, flags, text)
        if (used.width() <= rect.width() + 0.5 and used.height() <= rect.height() + 0.5) \
                or size <= min_points:
            return f
        size = max(min_points, size - 2)


def draw_text(p: QPainter, rect: QRectF, text: str, points: float, color: str,
              bold: bool = False, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter,
              min_points: float | None = None, family: str = FONT_FAMILY) -> None:
    flags = int(align | Qt.TextFlag.TextWordWrap)
    p.setFont(fitted_font(text, rect, points, bold, min_points or points * 0.6, flags, family))
    p.setPen(QColor(color))
    p.drawText(rect, flags, text)


# ---------------------------------------------------------------------- lane icons
def _pen(color: str, width: float) -> QPen:
    pen = QPen(QColor(color), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _figure(p: QPainter, color: str, x: float, top: float, h: float, *,
            lean: float = 0.0, belly: bool = False, cane: bool = False) -> None:
    """A pictogram person `h` tall standing at (x, top); `lean` bends the torso forward."""
    w = h * 0.075  # stroke width
    head_r = h * 0.09
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(color))
    head = QPointF(x + lean * h * 0.5, top + head_r)
    p.drawEllipse(head, head_r, head_r)
    neck = QPointF(head.x() - lean * h * 0.05, top + head_r * 2 + h * 0.04)
    hip = QPointF(x, top + h * 0.58)
    p.setPen(_pen(color, w * 1.6))
    p.drawLine(neck, hip)
    if belly:
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QPointF(hip.x() + h * 0.07, top + h * 0.44), h * 0.11, h * 0.13)
    p.setPen(_pen(color, w))
    shoulder = QPointF(neck.x() + (hip.x() - neck.x()) * 0.15, neck.y() + h * 0.06)
    hand_f = QPointF(shoulder.x() + h * (0.16 + lean * 0.3), shoulder.y() + h * 0.24)
    hand_b = QPointF(shoulder.x() - h * 0.14, shoulder.y() + h * 0.26)
    p.drawLine(shoulder, hand_b)
    p.drawLine(shoulder, hand_f)
    p.drawLine(hip, QPointF(x - h * 0.13, top + h))
    p.drawLine(hip, QPointF(x + h * 0.13, top + h))
    if cane:
        p.setPen(_pen(color, w * 0.8))
        p.drawLine(hand_f, QPointF(hand_f.x() + h * 0.06, top + h))


def paint_lane_icon(p: QPainter, rect: QRectF, lane_id: str, color: str) -> None:
    """Simple pictograms: person (umum), ♿ (disabilitas), person with cane (lansia),
    pregnant woman with a small child (ibu-anak). Unknown lanes get the person."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    h = rect.height()
    cx = rect.center().x()
    if lane_id == "disabilitas":
        f = QFont(FONT_FAMILY)
        f.setPixelSize(int(h * 0.95))
        p.setFont(f)
        p.setPen(QColor(color))
        p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), "\u267f")
    elif lane_id == "lansia":
        _figure(p, color, cx - h * 0.08, rect.top(), h, lean=0.22, cane=True)
    elif lane_id == "ibu-anak":
        _figure(p, color, cx - h * 0.16, rect.top(), h, belly=True)
        _figure(p, color, cx + h * 0.3, rect.top() + h * 0.45, h * 0.55)
    else:
        _figure(p, color, cx, rect.top(), h)
    p.restore()


# ---------------------------------------------------------------------- touch button
class TouchButton(QAbstractButton):
    """A big painted button: optional badge letter or icon, a title and a subtitle.

    kinds: card (service), lane (icon on top), primary, secondary, toggle, key, info.
    """

    def __init__(self, kind: str = "secondary", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.theme = NORMAL
        self.title = ""
        self.subtitle = ""
        self.badge = ""
        self.glyph = ""  # a DejaVu symbol drawn before/above the title
        self.icon_painter: Callable[[QPainter, QRectF, str], None] | None = None
        self.title_points = 30.0
        self.subtitle_points = 22.0
        self.subtitle_alert = False  # a disabled card's subtitle is its reason: show it red
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # key presses go to the window
        self.setMinimumHeight(MIN_TOUCH_PX)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        return QSize(240, MIN_TOUCH_PX)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_TOUCH_PX, MIN_TOUCH_PX)

    def set_content(self, title: str, subtitle: str = "", *, badge: str = "", glyph: str = "",
                    enabled: bool = True, checked: bool = False, theme: Theme | None = None
                    ) -> None:
        changed = (title, subtitle, badge, glyph, enabled, checked, theme) != (
            self.title, self.subtitle, self.badge, self.glyph, self.isEnabled(),
            self.isChecked(), self.theme)
        self.title, self.subtitle, self.badge, self.glyph = title, subtitle, badge, glyph
        self.theme = theme or self.theme
        self.setEnabled(enabled)
        if checked != self.isChecked():
            self.setCheckable(True)
            self.setChecked(checked)
        self.setAccessibleName(f"{title}. {subtitle}".strip(". "))
        if changed:
            self.update()

    def colors(self) -> tuple[str, str, str]:
        th = self.theme
        if not self.isEnabled():
            return th.disabled_bg, th.disabled_fg, th.disabled_fg
        if self.kind == "primary":
            return th.primary_bg, th.primary_fg, th.primary_bg
        if self.kind == "toggle" and self.isChecked():
            return th.toggle_on_bg, th.toggle_on_fg, th.toggle_on_bg
        if self.kind in ("card", "lane", "info", "key"):
            return th.card_bg, th.card_fg, th.card_border
        return th.secondary_bg, th.secondary_fg, th.card_border

    def paintEvent(self, _event: object) -> None:
        th = self.theme
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bg, fg, border = self.colors()
        r = QRectF(self.rect()).adjusted(th.border_px / 2 + 1, th.border_px / 2 + 1,
                                          -th.border_px / 2 - 1, -th.border_px / 2 - 1)
        if self.isDown():
            bg = border if self.kind != "primary" else th.card_fg
        path = QPainterPath()
        path.addRoundedRect(r, 18, 18)
        p.fillPath(path, QColor(bg))
        p.setPen(QPen(QColor(border), th.border_px * (1.5 if self.kind == "card" else 1)))
        p.drawPath(path)
        if self.isDown():
            fg = th.bg
        inner = r.adjusted(22, 14, -22, -14)
        scale = th.scale
        if self.kind == "card":
            self._paint_card(p, inner, fg, scale)
        elif self.kind == "lane":
            self._paint_lane(p, inner, fg, scale)
        else:
            text = f"{self.glyph}  {self.title}" if self.glyph else self.title
            if self.subtitle:
                top = QRectF(inner.left(), inner.top(), inner.width(), inner.height() * 0.62)
                bottom = QRectF(inner.left(), top.bottom(), inner.width(),
                                inner.height() - top.height())
                draw_text(p, top, text, self.title_points * scale, fg, True,
                          Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
                draw_text(p, bottom, self.subtitle, self.subtitle_points * scale, fg, False,
                          Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            else:
                draw_text(p, inner, text, self.title_points * scale, fg, True)
        p.end()

    def _paint_card(self, p: QPainter, inner: QRectF, fg: str, scale: float) -> None:
        th = self.theme
        text_left = inner.left()
        if self.badge:
            side = min(inner.height(), 130.0 * scale)
            badge = QRectF(inner.left(), inner.center().y() - side / 2, side, side)
            path = QPainterPath()
            path.addRoundedRect(badge, 14, 14)
            enabled = self.isEnabled()
            p.fillPath(path, QColor(th.badge_bg if enabled else th.disabled_fg))
            draw_text(p, badge, self.badge, 54, th.badge_fg if enabled else th.disabled_bg,
                      True)
            text_left = badge.right() + 24
        body = QRectF(text_left, inner.top(), inner.right() - text_left, inner.height())
        title = QRectF(body.left(), body.top(), body.width(), body.height() * 0.60)
        detail = QRectF(body.left(), title.bottom() + 4, body.width(),
                        body.height() - title.height() - 4)
        left = Qt.AlignmentFlag.AlignLeft
        draw_text(p, title, self.title, self.title_points * scale, fg, True,
                  left | Qt.AlignmentFlag.AlignBottom, min_points=22)
        alert = self.subtitle_alert and not self.isEnabled()
        detail_color = (th.danger_bg if th.name == "normal" else th.card_fg) if alert else fg
        draw_text(p, detail, self.subtitle, self.subtitle_points * scale, detail_color,
                  alert, left | Qt.AlignmentFlag.AlignTop, min_points=18)

    def _paint_lane(self, p: QPainter, inner: QRectF, fg: str, scale: float) -> None:
        th = self.theme
        icon_h = min(inner.height() * 0.42, inner.width() * 0.6)
        icon = QRectF(inner.center().x() - icon_h / 2, inner.top() + 8, icon_h, icon_h)
        if self.icon_painter is not None:
            self.icon_painter(p, icon, fg)
        rest = QRectF(inner.left(), icon.bottom() + 12, inner.width(),
                      inner.bottom() - icon.bottom() - 12)
        title = QRectF(rest.left(), rest.top(), rest.width(), rest.height() * 0.7)
        sub = QRectF(rest.left(), title.bottom(), rest.width(), rest.height() - title.height())
        draw_text(p, title, self.title, self.title_points * scale, fg, True,
                  Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, min_points=20)
        if self.subtitle:
            color = th.priority if self.isEnabled() and th.name == "normal" else fg
            draw_text(p, sub, self.subtitle.upper(), self.subtitle_points * scale, color, True,
                      Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, min_points=16)


# ---------------------------------------------------------------------- QR
class QrWidget(QWidget):
    """The QR code of a URL, drawn module by module (crisp at any size)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.payload = ""
        self._matrix: list[list[bool]] = []
        self.dark = "#000000"
        self.light = "#FFFFFF"

    def set_payload(self, payload: str) -> None:
        if payload == self.payload:
            return
        self.payload = payload
        self._matrix = []
        if payload:
            code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
            code.add_data(payload)
            code.make(fit=True)
            self._matrix = code.get_matrix()
        self.update()

    def paintEvent(self, _event: object) -> None:
        if not self._matrix:
            return
        p = QPainter(self)
        n = len(self._matrix)
        side = min(self.width(), self.height())
        module = side // n
        size = module * n
        x0 = (self.width() - size) // 2
        y0 = (self.height() - size) // 2
        # Always dark on light (even in high contrast): phone cameras need that polarity.
        p.fillRect(x0, y0, size, size, QColor(self.light))
        dark = QColor(self.dark)
        for y, row in enumerate(self._matrix):
            for x, on in enumerate(row):
                if on:
                    p.fillRect(x0 + x * module, y0 + y * module, module, module, dark)
        p.end()
