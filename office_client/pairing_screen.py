"""The pairing screen every app shows while it waits for a supervisor to approve its code.

`PairingScreen` is a painted widget laid over an app's whole window (it follows the
window's size) for as long as the connection is unpaired, and hidden once the paired
device is welcomed. It draws a `PairingView` (office_client/pairing.py): the six-digit
code as big as the screen allows, why a previous code ended, how long this one is valid,
what to do with it — Indonesian first, English under it, both at once (nobody at an
unpaired device has chosen a language). Each app passes its own colours (`PairingTheme`).
The device token never reaches this widget.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Slot
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QWidget

from i18n import t
from i18n.formats import format_clock
from office_client.connection import OfficeConnection
from office_client.pairing import PairingView


@dataclass(frozen=True)
class PairingTheme:
    bg: str
    panel: str
    panel_edge: str
    text: str
    muted: str
    code: str
    notice_bg: str
    notice_fg: str
    font_family: str = "DejaVu Sans"


@dataclass(frozen=True)
class PairingTexts:
    """Every text the screen shows for a view, each as (Indonesian, English)."""

    title: tuple[str, str]
    device: str
    caption: tuple[str, str]
    code: str | None  # the code, or None: `status` is shown in its place
    status: tuple[str, str] | None
    valid_until: tuple[str, str] | None
    notice: tuple[str, str] | None
    instruction: tuple[str, str]

    def lines(self) -> list[str]:
        """All of it as plain lines (what tests and logs look at)."""
        out = [*self.title, self.device, *self.caption]
        for pair in (self.status, self.valid_until, self.notice):
            if pair:
                out += pair
        if self.code:
            out.append(self.code)
        return out + list(self.instruction)


def _both(key: str, **params: object) -> tuple[str, str]:
    return t(f"pairing.{key}", "id", **params), t(f"pairing.{key}", "en", **params)


def pairing_texts(view: PairingView) -> PairingTexts:
    role = " / ".join(_both(f"role_{view.role}"))
    status = None
    if view.stage == "paired":
        status = _both("paired", name=view.name or "")
    elif view.code is None:
        status = _both("requesting") if view.online else _both("not_connected")
    valid = None
    if view.code and view.expires_at is not None:
        # the server's time in its own zone: "14:13 WIB", as every screen writes a time
        valid = _both("valid_until",
                      time=format_clock(view.expires_at, view.expires_at.tzinfo))
    notice = None
    if view.notice and view.stage != "paired":
        notice = _both(view.notice, code=view.previous_code or "")
    return PairingTexts(
        title=_both("title"), device=t("pairing.device_line", "id", role=role, label=view.label),
        caption=_both("code_caption"), code=view.code if view.stage == "waiting" else None,
        status=status, valid_until=valid, notice=notice, instruction=_both("instruction"))


WRAPPED = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap


@lru_cache(maxsize=1024)
def _fit_px(text: str, width: int, height: int, bold: bool, family: str, max_px: int,
            wrap: bool = False) -> int:
    """The biggest pixel size at which `text` fits width × height (on one line, or
    word-wrapped on as many as fit)."""
    lo, hi = 6, max(6, min(max_px, height))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        metrics = QFontMetricsF(_font(family, mid, bold))
        if wrap:
            box = metrics.boundingRect(QRectF(0, 0, width, height * 4), int(WRAPPED), text)
            fits = box.width() <= width and box.height() <= height
        else:
            fits = metrics.horizontalAdvance(text) <= width and metrics.height() <= height * 1.05
        if fits:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _font(family: str, px: int, bold: bool) -> QFont:
    font = QFont(family)
    font.setPixelSize(max(6, px))
    font.setBold(bold)
    return font


class PairingScreen(QWidget):
    """Covers `parent` while `connection` is unpaired; call nothing, it follows both."""

    def __init__(self, connection: OfficeConnection, theme: PairingTheme,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.theme = theme
        self.view: PairingView | None = None
        self.texts: PairingTexts | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setGeometry(parent.rect())
        parent.installEventFilter(self)
        connection.pairing_changed.connect(self.set_view)
        self.set_view(connection.pairing_view())

    @Slot(object)
    def set_view(self, view: PairingView | None) -> None:
        self.view = view
        self.texts = pairing_texts(view) if view is not None else None
        if view is None:
            self.hide()
            return
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        th = self.theme
        p.fillRect(self.rect(), QColor(th.bg))
        if self.texts is not None:
            self._paint(p, self.texts)
        p.end()

    def _text(self, p: QPainter, rect: QRectF, text: str, color: str, bold: bool = False,
              max_px: float | None = None, wrap: bool = False) -> None:
        px = _fit_px(text, int(rect.width()), int(rect.height()), bold,
                     self.theme.font_family, int(max_px or rect.height()), wrap)
        p.setFont(_font(self.theme.font_family, px, bold))
        p.setPen(QColor(color))
        p.drawText(rect, int(WRAPPED if wrap else Qt.AlignmentFlag.AlignCenter), text)

    def _pair(self, p: QPainter, rect: QRectF, texts: tuple[str, str], color: str,
              english: str, max_px: float, wrap: bool = False) -> None:
        """Indonesian over English, the English a little smaller."""
        h = rect.height()
        self._text(p, QRectF(rect.left(), rect.top(), rect.width(), h * 0.55), texts[0],
                   color, bold=True, max_px=max_px, wrap=wrap)
        self._text(p, QRectF(rect.left(), rect.top() + h * 0.57, rect.width(), h * 0.43),
                   texts[1], english, max_px=max_px * 0.8, wrap=wrap)

    def _paint(self, p: QPainter, tx: PairingTexts) -> None:
        th = self.theme
        w, h = float(self.width()), float(self.height())
        portrait = h > w
        unit = min(w, h) / 100
        pad = unit * 5
        inner_w = w - 2 * pad
        body = unit * 4.2  # the biggest an ordinary line gets
        y = h * 0.05

        def row(frac: float) -> QRectF:
            nonlocal y
            rect = QRectF(pad, y, inner_w, h * frac)
            y += h * frac
            return rect

        self._pair(p, row(0.12 if not portrait else 0.09), tx.title, th.text, th.muted,
                   unit * 7)
        self._text(p, row(0.05 if not portrait else 0.035), tx.device, th.muted,
                   max_px=body * 0.8)
        y += h * 0.02
        notice = row(0.09 if not portrait else 0.1)
        if tx.notice:
            path = QPainterPath()
            path.addRoundedRect(notice, unit * 1.5, unit * 1.5)
            p.fillPath(path, QColor(th.notice_bg))
            self._pair(p, notice.adjusted(unit * 2, unit * 0.8, -unit * 2, -unit * 0.8),
                       tx.notice, th.notice_fg, th.notice_fg, body, wrap=portrait)
        y += h * 0.02
        # The code's panel: as wide as the screen allows in portrait, its height then
        # no more than the digits need.
        panel_h = h * (0.38 if not portrait else 0.24)
        panel = QRectF(w * 0.12, y, w * 0.76, panel_h) if not portrait \
            else QRectF(pad, y, inner_w, panel_h)
        y += panel_h
        path = QPainterPath()
        path.addRoundedRect(panel, unit * 2.5, unit * 2.5)
        p.fillPath(path, QColor(th.panel))
        p.setPen(QColor(th.panel_edge))
        p.drawPath(path)
        cap = QRectF(panel.left() + panel.width() * 0.04, panel.top() + panel.height() * 0.05,
                     panel.width() * 0.92, panel.height() * 0.14)
        self._text(p, cap, f"{tx.caption[0]} · {tx.caption[1]}", th.muted, bold=True)
        big = panel.adjusted(panel.width() * 0.06, panel.height() * 0.22,
                             -panel.width() * 0.06, -panel.height() * 0.08)
        if tx.code:
            self._text(p, big, tx.code, th.code, bold=True)
        elif tx.status:
            self._pair(p, big.adjusted(0, big.height() * 0.2, 0, -big.height() * 0.2),
                       tx.status, th.text, th.muted, unit * 6)
        y += h * 0.015
        valid = row(0.05)
        if tx.valid_until:
            self._text(p, valid, f"{tx.valid_until[0]} · {tx.valid_until[1]}", th.text,
                       bold=True, max_px=body)
        y += h * 0.02
        self._pair(p, row(0.1 if not portrait else 0.16), tx.instruction, th.text, th.muted,
                   body, wrap=True)
