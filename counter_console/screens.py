"""The counter console's widgets: a thin view of `desk.Desk`.

Owns the window layout (top bar, offline banner, current ticket, action buttons with their
shortcuts, waiting list, counts, alerts, the officer's day), the login screen and the
in-window dialogs (transfer, pause, confirm a call out of order). Widgets only draw
`Desk.view()` and turn clicks and keys into `Desk` intents; nothing here decides what is
allowed. Dialogs are overlays inside the window (not separate windows) so keyboard focus
stays in one place and a screenshot shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from itertools import zip_longest

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_console.desk import PAUSE_PRESETS, Desk, DeskView, Notice, WaitingRow
from i18n import t

FONT_FAMILY = "DejaVu Sans"
STATE_COLOURS = {"idle": "#334155", "called": "#1d4ed8", "serving": "#15803d",
                 "paused": "#b45309", "logged_out": "#334155"}
LANE_COLOURS = {"reguler": "#64748b", "disabilitas": "#0e7490", "lansia": "#7c3aed",
                "ibu-anak": "#be185d"}
PRIORITY_FALLBACK = "#c2410c"
MAX_ALERTS = 4
LONG_WAIT_S = 45 * 60  # the office's regular wait cap: such waits show in red

STYLE = """
QMainWindow, #root { background: #eef2f7; }
QLabel { color: #0f172a; }
#topbar { background: #0f172a; }
#topbar QLabel { color: #e2e8f0; }
#topCounter { color: white; font-size: 26px; font-weight: bold; }
#topOffice { color: #94a3b8; font-size: 15px; }
#topOfficer { color: #e2e8f0; font-size: 17px; }
#topClock { color: white; font-size: 22px; font-weight: bold; }
#langButton { background: #1e293b; color: #e2e8f0; border: 1px solid #475569;
  border-radius: 6px; padding: 6px 12px; font-size: 14px; }
#banner { background: #b91c1c; }
#banner QLabel { color: white; font-size: 20px; font-weight: bold; }
#notice { border-radius: 8px; }
#notice QLabel { font-size: 17px; font-weight: bold; }
#card { background: white; border-radius: 14px; border: 1px solid #cbd5e1; }
#cardTitle { color: #475569; font-size: 15px; font-weight: bold; }
#stateStrip { border-top-left-radius: 14px; border-top-right-radius: 14px; }
#stateStrip QLabel { color: white; font-size: 22px; font-weight: bold; }
#bigNumber { font-size: 140px; font-weight: bold; color: #0f172a; }
#serviceLine { font-size: 22px; color: #1e293b; }
#hint { font-size: 22px; color: #475569; }
#tileCaption { color: #64748b; font-size: 14px; font-weight: bold; }
#tileValue { color: #0f172a; font-size: 24px; font-weight: bold; }
#reasonValue { color: #0f172a; font-size: 19px; font-weight: bold; }
#statValue { color: #0f172a; font-size: 28px; font-weight: bold; }
#statCaption { color: #64748b; font-size: 13px; }
QPushButton#action { background: #1e293b; color: white; border: none; border-radius: 10px;
  min-height: 58px; text-align: left; }
QPushButton#action[primary="true"] { background: #1d4ed8; }
QPushButton#action[danger="true"] { background: #9f1239; }
QPushButton#action[good="true"] { background: #15803d; }
QPushButton#action:disabled { background: #d5dbe3; }
QPushButton#action[pending="true"] { background: #64748b; }
#actionLabel { color: white; font-size: 17px; font-weight: bold; }
#actionLabel:disabled { color: #8a94a3; }
#keyChip { color: #0f172a; background: #f8fafc; border-radius: 5px; font-size: 14px;
  font-weight: bold; padding: 3px 7px; font-family: "DejaVu Sans Mono"; }
#keyChip:disabled { color: #8a94a3; background: #e8ecf1; }
QTableWidget { background: white; border: none; font-size: 19px; gridline-color: #e2e8f0;
  selection-background-color: #fde68a; selection-color: #0f172a; }
QHeaderView::section { background: #f1f5f9; color: #475569; font-size: 14px;
  font-weight: bold; border: none; padding: 6px; }
#countsText { font-size: 15px; }
#alertRow { font-size: 15px; font-weight: bold; padding: 5px 8px; border-radius: 6px; }
#overlayCard { background: white; border-radius: 16px; }
#dialogTitle { font-size: 26px; font-weight: bold; }
#fieldLabel { font-size: 15px; color: #475569; font-weight: bold; }
QComboBox, QLineEdit { font-size: 20px; padding: 8px; border: 2px solid #cbd5e1;
  border-radius: 8px; background: white; color: #0f172a; min-height: 30px; }
QComboBox:focus, QLineEdit:focus { border-color: #1d4ed8; }
QPushButton#dialogButton { font-size: 18px; font-weight: bold; padding: 12px 24px;
  border-radius: 10px; background: #e2e8f0; color: #0f172a; border: none; }
QPushButton#dialogButton[primary="true"] { background: #1d4ed8; color: white; }
QPushButton#dialogButton:disabled { background: #e5e7eb; color: #9ca3af; }
#loginCard { background: white; border-radius: 18px; border: 1px solid #cbd5e1; }
#loginTitle { font-size: 34px; font-weight: bold; }
#loginSub { font-size: 17px; color: #475569; }
#loginError { font-size: 17px; color: #b91c1c; font-weight: bold; }
"""


def _label(text: str = "", name: str | None = None, wrap: bool = False) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def lane_colour(lane: str, priority: bool) -> str:
    return LANE_COLOURS.get(lane) or (PRIORITY_FALLBACK if priority else "#64748b")


class ActionButton(QPushButton):
    """A big button showing its keyboard shortcut as a key cap beside the label."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName("action")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the list/shortcuts
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(10)
        self.chip = _label("", "keyChip")
        self.text_label = _label("", "actionLabel", wrap=True)
        for w in (self.chip, self.text_label):
            w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(self.chip, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.text_label, 1)

    def show_action(self, label: str, shortcut: str, enabled: bool, pending: bool) -> None:
        self.chip.setText(shortcut)
        self.text_label.setText(label + (" …" if pending else ""))
        self.setEnabled(enabled)
        self.setAccessibleName(f"{label} ({shortcut})")
        if self.property("pending") != pending:
            self.setProperty("pending", pending)
            _repolish(self)


class Overlay(QWidget):
    """Dims the window and holds one dialog card; Esc cancels, Enter accepts."""

    accepted = Signal()
    cancelled = Signal()
    closed = Signal()  # after accept or cancel: the window gives the focus back

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.lang = ""  # of the texts shown (see retranslate)
        self.hide()
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card = QFrame()
        self.card.setObjectName("overlayCard")
        self.card.setMinimumWidth(620)
        self.card.setMaximumWidth(760)
        outer.addWidget(self.card, 0, Qt.AlignmentFlag.AlignCenter)
        self.body = QVBoxLayout(self.card)
        self.body.setContentsMargins(32, 28, 32, 28)
        self.body.setSpacing(12)
        parent.installEventFilter(self)
        self.cancelled.connect(self.close_dialog)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(15, 23, 42, 150))

    def open(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()

    def open_fresh(self, lang: str, blank: tuple[QComboBox | QLineEdit, ...],
                   focus: QWidget) -> None:
        """Open with nothing kept from last time: `blank` is emptied first, so
        `retranslate` fills in the defaults for what is on the desk now."""
        for widget in blank:
            widget.clear()
        self.retranslate(lang)
        self.open()
        focus.setFocus()

    def close_dialog(self) -> None:
        self.hide()
        self.closed.emit()

    def retranslate(self, lang: str) -> None:
        """Put every text in `lang`, keeping what the officer chose or typed. Called when
        the dialog opens and when the language changes while it is open (F12)."""
        self.lang = lang

    def keyPressEvent(self, event: object) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancelled.emit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accepted.emit()
        else:
            super().keyPressEvent(event)


class DialogCard(QObject):
    """Common parts of an overlay dialog: title, fields, OK/Cancel with key hints."""

    def __init__(self, overlay: Overlay) -> None:
        super().__init__(overlay)
        self.overlay = overlay
        self.title = _label("", "dialogTitle", wrap=True)
        self.text = _label("", "hint", wrap=True)
        self.text.setStyleSheet("font-size: 18px;")
        self.fields = QGridLayout()
        self.fields.setHorizontalSpacing(16)
        self.fields.setVerticalSpacing(10)
        self.ok = QPushButton()
        self.ok.setObjectName("dialogButton")
        self.ok.setProperty("primary", True)
        self.cancel = QPushButton()
        self.cancel.setObjectName("dialogButton")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.ok)
        body = overlay.body
        body.addWidget(self.title)
        body.addWidget(self.text)
        body.addLayout(self.fields)
        body.addSpacing(8)
        body.addLayout(buttons)
        self.ok.clicked.connect(overlay.accepted)
        self.cancel.clicked.connect(overlay.cancelled)

    def set_buttons(self, lang: str) -> None:
        self.ok.setText(f"{t('console.dialog_ok', lang)}  ⏎")
        self.cancel.setText(f"{t('console.dialog_cancel', lang)}  Esc")

    def add_field(self, row: int, caption: QLabel, widget: QWidget) -> None:
        caption.setObjectName("fieldLabel")
        self.fields.addWidget(caption, row, 0)
        self.fields.addWidget(widget, row, 1)


class TransferDialog(Overlay):
    def __init__(self, parent: QWidget, desk: Desk) -> None:
        super().__init__(parent)
        self.desk = desk
        self.card_parts = DialogCard(self)
        self.service = QComboBox()
        self.stage = QComboBox()
        self.counter = QComboBox()
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.captions = [QLabel() for _ in range(4)]
        for row, widget in enumerate((self.service, self.stage, self.counter, self.note)):
            self.card_parts.add_field(row, self.captions[row], widget)
        self.service.currentIndexChanged.connect(self._service_changed)
        self.accepted.connect(self._accept)
        self.card_parts.text.hide()

    def open_for(self) -> None:
        self.open_fresh(self.desk.lang, (self.service, self.note), self.service)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        keep = (self.service.currentData(), self.stage.currentData(),
                self.counter.currentData())
        opts = self.desk.transfer_options()
        self._opts = opts
        ticket = self.desk.current_ticket or {}
        self.card_parts.title.setText(t("console.transfer_title", lang,
                                        number=ticket.get("number", "")))
        for label, key in zip(self.captions, ("transfer_service", "transfer_stage",
                                              "transfer_counter", "transfer_note"), strict=True):
            label.setText(t(f"console.{key}", lang))
        self.card_parts.set_buttons(lang)
        self.service.blockSignals(True)
        self.service.clear()
        for sid, name in opts.services:
            self.service.addItem(name, sid)
        self.service.setCurrentIndex(max(0, self.service.findData(keep[0] or
                                                                  opts.default_service)))
        self.service.blockSignals(False)
        self._service_changed()
        stage = keep[1] if keep[0] else opts.default_stage
        if stage:
            self.stage.setCurrentIndex(max(0, self.stage.findData(stage)))
        if keep[0]:
            self.counter.setCurrentIndex(max(0, self.counter.findData(keep[2])))

    def _service_changed(self) -> None:
        sid = self.service.currentData()
        lang = self.lang
        self.stage.clear()
        for st, name in self._opts.stages.get(sid, []):
            self.stage.addItem(name, st)
        self.counter.clear()
        self.counter.addItem(t("console.transfer_any_counter", lang), None)
        for cid, name in self._opts.counters.get(sid, []):
            if cid != self.desk.counter_id:
                self.counter.addItem(name, cid)

    def _accept(self) -> None:
        if self.desk.transfer(self.service.currentData(), self.stage.currentData(),
                              self.counter.currentData(), self.note.text()):
            self.close_dialog()


class PauseDialog(Overlay):
    def __init__(self, parent: QWidget, desk: Desk) -> None:
        super().__init__(parent)
        self.desk = desk
        self.card_parts = DialogCard(self)
        self.reason = QComboBox()
        self.text = QLineEdit()
        self.text.setMaxLength(150)
        self.captions = [QLabel(), QLabel()]
        self.card_parts.add_field(0, self.captions[0], self.reason)
        self.card_parts.add_field(1, self.captions[1], self.text)
        self.card_parts.text.hide()
        self.accepted.connect(self._accept)

    def open_for(self) -> None:
        self.open_fresh(self.desk.lang, (self.reason, self.text), self.reason)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.card_parts.title.setText(t("console.pause_title", lang))
        self.captions[0].setText(t("console.pause_reason", lang))
        self.captions[1].setText(t("console.pause_text", lang))
        self.card_parts.set_buttons(lang)
        keep = self.reason.currentData()
        self.reason.clear()
        for preset in PAUSE_PRESETS:
            self.reason.addItem(t(f"console.{preset}", lang), preset)
        self.reason.setCurrentIndex(max(0, self.reason.findData(keep)))

    def _accept(self) -> None:
        if self.desk.pause(self.reason.currentData(), self.text.text()):
            self.close_dialog()


class ConfirmCallDialog(Overlay):
    def __init__(self, parent: QWidget, desk: Desk) -> None:
        super().__init__(parent)
        self.desk = desk
        self.card_parts = DialogCard(self)
        self.ticket_id = ""
        self.row: WaitingRow | None = None
        self.accepted.connect(self._accept)

    def open_for(self, row: WaitingRow) -> None:
        self.ticket_id = row.id
        self.row = row
        self.open_fresh(self.desk.lang, (), self)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        # the row as the desk now names it (service and lane in the new language)
        row = next((r for r in self.desk.waiting_rows() if r.id == self.ticket_id), self.row)
        self.card_parts.title.setText(t("console.confirm_call_title", lang, number=row.number))
        self.card_parts.text.setText(t("console.confirm_call_text", lang,
                                       service=row.service_name, lane=row.lane_name,
                                       waited=row.waited_text))
        self.card_parts.set_buttons(lang)

    def _accept(self) -> None:
        self.desk.call_ticket(self.ticket_id)
        self.close_dialog()


class LoginScreen(QWidget):
    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card = QFrame()
        card.setObjectName("loginCard")
        card.setFixedWidth(560)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(40, 36, 40, 36)
        lay.setSpacing(10)
        self.title = _label("", "loginTitle")
        self.subtitle = _label("", "loginSub", wrap=True)
        self.officer_caption = _label("", "fieldLabel")
        self.officer = QLineEdit()
        self.officer.setMaxLength(64)
        self.pin_caption = _label("", "fieldLabel")
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        self.counter_caption = _label("", "fieldLabel")
        self.counter = QComboBox()
        self.bound = _label("", "tileValue")
        self.error = _label("", "loginError", wrap=True)
        self.button = QPushButton()
        self.button.setObjectName("dialogButton")
        self.button.setProperty("primary", True)
        for w in (self.title, self.subtitle, self.officer_caption, self.officer,
                  self.pin_caption, self.pin, self.counter_caption, self.counter, self.bound,
                  self.error):
            lay.addWidget(w)
        lay.addSpacing(8)
        lay.addWidget(self.button)
        self.button.clicked.connect(self.submit)
        self.officer.returnPressed.connect(self.pin.setFocus)
        self.pin.returnPressed.connect(self.submit)
        self._counters: list[tuple[str, str]] = []

    def submit(self) -> None:
        if self.desk.login(self.officer.text(), self.pin.text(), self.counter.currentData()):
            self.pin.clear()

    def show_view(self, view: DeskView) -> None:
        lang = view.lang
        self.title.setText(t("console.login_title", lang))
        self.subtitle.setText(t("console.login_subtitle", lang))
        self.officer_caption.setText(t("console.login_officer", lang))
        self.pin_caption.setText(t("console.login_pin", lang))
        self.counter_caption.setText(t("console.login_counter", lang))
        self.button.setText(f"{t('console.login_button', lang)}  ⏎")
        self.button.setEnabled(view.login_enabled)
        if view.login_counters != self._counters:
            current = self.counter.currentData() or self.desk.preferred_counter
            self._counters = list(view.login_counters)
            self.counter.clear()
            for cid, name in self._counters:
                self.counter.addItem(name, cid)
            if current:
                self.counter.setCurrentIndex(max(0, self.counter.findData(current)))
        bound = view.bound_counter
        self.counter.setVisible(not bound)
        self.bound.setVisible(bool(bound))
        if bound:
            name = dict(view.login_counters).get(bound, bound)
            self.bound.setText(t("console.login_bound", lang, counter=name))
        self.error.setVisible(view.notice is not None)
        self.error.setText(view.notice.text if view.notice else "")


class LaneDelegate(QStyledItemDelegate):
    """Draws the lane cell as a coloured pill (priority lanes marked with a star)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: object) -> None:
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, QColor("#fde68a"))
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        colour = index.data(Qt.ItemDataRole.UserRole) or "#64748b"
        rect = option.rect.adjusted(4, 6, -4, -6)
        font = QFont(FONT_FAMILY, 12)
        font.setBold(True)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 16)
        width = min(rect.width(), metrics.horizontalAdvance(shown) + 18)
        pill = rect.adjusted(0, 0, width - rect.width(), 0)
        painter.setBrush(QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(pill, 8, 8)
        painter.setPen(QColor("white"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, shown)
        painter.restore()


def short_lane(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip(" ,&") + "…"


class DeskScreen(QWidget):
    """The working screen: actions left, the current ticket centre, the queue right."""

    action_triggered = Signal(str)

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        root = QHBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 12)
        root.setSpacing(14)

        # actions: one column of big buttons, shortcut key caps on them
        actions = QVBoxLayout()
        actions.setSpacing(8)
        self.buttons: dict[str, ActionButton] = {}
        styles = {"call_next": "primary", "finish": "good", "start_service": "good",
                  "no_show": "danger"}
        for key in ("call_next", "recall", "start_service", "finish", "no_show", None,
                    "transfer", "pause", "call_ticket", None, "logout"):
            if key is None:
                actions.addSpacing(10)
                continue
            button = ActionButton(key)
            if key in styles:
                button.setProperty(styles[key], True)
            if key == "call_next":
                button.setMinimumHeight(76)
            button.clicked.connect(lambda _=False, k=key: self.action_triggered.emit(k))
            self.buttons[key] = button
            actions.addWidget(button)
        actions.addStretch(1)
        action_box = QWidget()
        action_box.setLayout(actions)
        action_box.setFixedWidth(270)
        actions.setContentsMargins(0, 0, 0, 0)
        root.addWidget(action_box)

        centre = QVBoxLayout()
        centre.setSpacing(12)
        right = QVBoxLayout()
        right.setSpacing(12)
        root.addLayout(centre, 9)
        root.addLayout(right, 11)

        # current ticket card
        self.ticket_card = QFrame()
        self.ticket_card.setObjectName("card")
        card = QVBoxLayout(self.ticket_card)
        card.setContentsMargins(0, 0, 0, 16)
        card.setSpacing(6)
        self.strip = QFrame()
        self.strip.setObjectName("stateStrip")
        strip_lay = QHBoxLayout(self.strip)
        strip_lay.setContentsMargins(22, 10, 22, 10)
        self.state_label = _label()
        self.recalls_label = _label()
        strip_lay.addWidget(self.state_label, 1)
        strip_lay.addWidget(self.recalls_label)
        card.addWidget(self.strip)
        card.addStretch(1)
        self.caption = _label("", "tileCaption")
        self.caption.setContentsMargins(26, 0, 26, 0)
        card.addWidget(self.caption)
        self.number = _label("", "bigNumber")
        self.number.setContentsMargins(22, 0, 22, 0)
        card.addWidget(self.number)
        badge_row = QHBoxLayout()
        badge_row.setContentsMargins(26, 0, 26, 0)
        self.lane_badge = _label()
        badge_row.addWidget(self.lane_badge)
        badge_row.addStretch(1)
        card.addLayout(badge_row)
        self.service_line = _label("", "serviceLine", wrap=True)
        self.service_line.setContentsMargins(26, 0, 26, 0)
        card.addWidget(self.service_line)
        self.hint = _label("", "hint", wrap=True)
        self.hint.setContentsMargins(26, 6, 26, 0)
        card.addWidget(self.hint)
        card.addStretch(1)
        self.tiles = QWidget()
        tiles = QGridLayout(self.tiles)
        tiles.setContentsMargins(26, 0, 26, 0)
        tiles.setHorizontalSpacing(30)
        tiles.setVerticalSpacing(2)
        self.tile_captions = [_label("", "tileCaption") for _ in range(3)]
        self.waited = _label("", "tileValue")
        self.at_counter = _label("", "tileValue", wrap=True)  # "04:16 (dilayani 03:46)"
        self.reason = _label("", "reasonValue", wrap=True)
        tiles.addWidget(self.tile_captions[0], 0, 0)
        tiles.addWidget(self.waited, 1, 0)
        tiles.addWidget(self.tile_captions[1], 0, 1)
        tiles.addWidget(self.at_counter, 1, 1)
        tiles.setColumnStretch(1, 1)
        tiles.addWidget(self.tile_captions[2], 2, 0, 1, 2)
        tiles.addWidget(self.reason, 3, 0, 1, 2)
        tiles.setRowMinimumHeight(2, 30)
        tiles.setAlignment(self.tile_captions[2], Qt.AlignmentFlag.AlignBottom)
        card.addWidget(self.tiles)
        centre.addWidget(self.ticket_card, 1)

        # the officer's day
        self.day_card = QFrame()
        self.day_card.setObjectName("card")
        day = QHBoxLayout(self.day_card)
        day.setContentsMargins(20, 8, 20, 8)
        self.day_title = _label("", "cardTitle")
        day.addWidget(self.day_title)
        self.stat_values = [_label("", "statValue") for _ in range(3)]
        self.stat_captions = [_label("", "statCaption") for _ in range(3)]
        for val, cap in zip(self.stat_values, self.stat_captions, strict=True):
            box = QVBoxLayout()
            box.setSpacing(0)
            box.addWidget(val, 0, Qt.AlignmentFlag.AlignHCenter)
            box.addWidget(cap, 0, Qt.AlignmentFlag.AlignHCenter)
            day.addStretch(1)
            day.addLayout(box)
        day.addStretch(1)
        centre.addWidget(self.day_card)

        # waiting list
        list_card = QFrame()
        list_card.setObjectName("card")
        list_lay = QVBoxLayout(list_card)
        list_lay.setContentsMargins(14, 12, 14, 12)
        head = QHBoxLayout()
        self.list_title = _label("", "cardTitle")
        self.list_count = _label("", "cardTitle")
        head.addWidget(self.list_title, 1)
        head.addWidget(self.list_count)
        list_lay.addLayout(head)
        self.table = QTableWidget(0, 4)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(42)
        self.table.setShowGrid(False)
        self.table.setItemDelegateForColumn(2, LaneDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(0, 88)
        self.table.setColumnWidth(2, 160)
        self.table.setColumnWidth(3, 100)
        self.table.doubleClicked.connect(lambda _i: self.action_triggered.emit("call_ticket"))
        list_lay.addWidget(self.table, 1)
        self.empty_label = _label("", "hint", wrap=True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        list_lay.addWidget(self.empty_label, 1)
        right.addWidget(list_card, 1)

        # counts per service and lane
        self.counts_card = QFrame()
        self.counts_card.setObjectName("card")
        counts_lay = QVBoxLayout(self.counts_card)
        counts_lay.setContentsMargins(14, 10, 14, 10)
        counts_lay.setSpacing(6)
        self.counts_title = _label("", "cardTitle")
        counts_lay.addWidget(self.counts_title)
        self.counts_label = _label("", "countsText", wrap=True)
        self.counts_label.setTextFormat(Qt.TextFormat.RichText)
        counts_lay.addWidget(self.counts_label)
        right.addWidget(self.counts_card)

        # alerts
        self.alerts_card = QFrame()
        self.alerts_card.setObjectName("card")
        alerts_lay = QVBoxLayout(self.alerts_card)
        alerts_lay.setContentsMargins(14, 10, 14, 10)
        alerts_lay.setSpacing(6)
        self.alerts_title = _label("", "cardTitle")
        alerts_lay.addWidget(self.alerts_title)
        self.alert_labels = [_label("", "alertRow", wrap=True) for _ in range(MAX_ALERTS)]
        for label in self.alert_labels:
            alerts_lay.addWidget(label)
        self.no_alerts = _label("", "statCaption")
        alerts_lay.addWidget(self.no_alerts)
        right.addWidget(self.alerts_card)
        self._row_ids: list[str] = []

    # ------------------------------------------------------------------ rendering
    def selected_row(self) -> WaitingRow | None:
        selected = self.table.selectionModel().selectedRows()
        if not selected:
            return None
        index = selected[0].row()
        if index >= len(self._row_ids):
            return None
        wanted = self._row_ids[index]
        return next((r for r in self.desk.waiting_rows() if r.id == wanted), None)

    def show_view(self, view: DeskView) -> None:
        lang = view.lang
        colour = STATE_COLOURS.get(view.state, "#334155")
        self.strip.setStyleSheet(f"#stateStrip {{ background: {colour}; }}")
        self.state_label.setText(view.state_text)
        cur = view.current
        self.recalls_label.setText(t("console.recalls", lang, n=cur.recalls)
                                   if cur and cur.recalls else "")
        for cap, key in zip(self.tile_captions, ("waited", "at_counter", "reason"), strict=True):
            cap.setText(t(f"console.{key}", lang).upper())
        shown = cur
        if cur is None and view.state == "idle" and view.waiting:
            nxt = view.waiting[0]
            self.caption.setText(t("console.next_up", lang).upper())
            self._show_number(nxt.number, "#94a3b8", nxt.lane, nxt.lane_name, nxt.priority,
                              size=96)
            self.service_line.setText(nxt.service_name + (f" · {nxt.stage_name}"
                                                          if nxt.stage_name else ""))
            self.hint.setText(t("console.idle_hint", lang))
            self.hint.show()
            self.tiles.hide()
        elif shown is not None:
            self.caption.setText(t("console.current_title", lang).upper())
            self._show_number(shown.number, colour, shown.lane, shown.lane_name, shown.priority)
            svc = shown.service_name + (f" · {shown.stage_name}" if shown.stage_name else "")
            if shown.booked:
                svc += f" · {t('console.booked', lang)}"
            self.service_line.setText(svc)
            self.waited.setText(shown.waited_text)
            self.at_counter.setText(shown.at_counter_text)
            self.reason.setText(shown.reason_text)
            self.tiles.show()
            self.hint.hide()
        else:
            self.caption.setText("")
            self.number.setText("")
            self.lane_badge.hide()
            self.tiles.hide()
            self.service_line.setText("")
            if view.state == "paused":
                hint = t("console.paused_hint", lang)
                if view.pause_reason:
                    hint = t("console.paused_reason", lang, reason=view.pause_reason) + "\n" + hint
            else:
                hint = t("console.idle_empty", lang)
            self.hint.setText(hint)
            self.hint.show()

        for key, button in self.buttons.items():
            a = view.actions[key]
            button.show_action(a.label, a.shortcut, a.enabled, a.pending)

        self.day_title.setText(t("console.day_title", lang))
        for val, cap, (value, key) in zip(
                self.stat_values, self.stat_captions,
                ((str(view.served), "day_served"), (str(view.no_show), "day_no_show"),
                 (view.avg_service_text, "day_avg")), strict=True):
            val.setText(value)
            cap.setText(t(f"console.{key}", lang))

        self._show_waiting(view)
        self._show_counts(view)
        self._show_alerts(view)

    def _show_number(self, number: str, colour: str, lane: str, lane_name: str,
                     priority: bool, size: int = 140) -> None:
        self.number.setText(number)
        self.number.setStyleSheet(f"QLabel#bigNumber {{ color: {colour}; font-size: {size}px; }}")
        lane_bg = lane_colour(lane, priority)
        self.lane_badge.setText(("★ " if priority else "") + lane_name)
        self.lane_badge.setStyleSheet(
            f"QLabel {{ background: {lane_bg}; color: white; font-size: 21px;"
            "font-weight: bold; border-radius: 8px; padding: 5px 14px; }")
        self.lane_badge.show()

    def _show_waiting(self, view: DeskView) -> None:
        lang = view.lang
        self.list_title.setText(t("console.waiting_title", lang))
        self.list_count.setText(t("console.waiting_count", lang, n=len(view.waiting)))
        self.table.setHorizontalHeaderLabels(
            [t(f"console.col_{c}", lang) for c in ("number", "service", "lane", "waited")])
        ids = [r.id for r in view.waiting]
        selected = self.selected_row()
        if ids != self._row_ids:
            self.table.setRowCount(len(view.waiting))
        bold = QFont(FONT_FAMILY, 17)
        bold.setBold(True)
        for i, row in enumerate(view.waiting):
            number = QTableWidgetItem(row.number)
            number.setFont(bold)
            service_text = row.service_name
            if row.to_me:
                service_text = f"➜ {service_text} ({t('console.to_me', lang)})"
            service = QTableWidgetItem(service_text)
            service.setToolTip(f"{row.service_name} · {row.stage_name}")
            lane = QTableWidgetItem(("★ " if row.priority else "") + short_lane(row.lane_name))
            lane.setData(Qt.ItemDataRole.UserRole, lane_colour(row.lane, row.priority))
            waited = QTableWidgetItem(row.waited_text)
            waited.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if row.waited_s >= LONG_WAIT_S:
                waited.setForeground(QColor("#b91c1c"))
            for col, item in enumerate((number, service, lane, waited)):
                self.table.setItem(i, col, item)
        if ids != self._row_ids:
            self._row_ids = ids
            self.table.clearSelection()
            if selected and selected.id in ids:
                self.table.selectRow(ids.index(selected.id))
        self.table.setVisible(bool(ids))
        self.empty_label.setVisible(not ids)
        self.empty_label.setText(t("console.idle_empty", lang))

    def _show_counts(self, view: DeskView) -> None:
        self.counts_title.setText(t("console.counts_title", view.lang))
        by_service: dict[str, list[str]] = {}
        for row in view.counts:
            chip = (f"<span style='background:{lane_colour(row.lane, row.priority)};"
                    f"color:white;'>&nbsp;{escape(short_lane(row.lane_name, 14))}"
                    f" <b>{row.count}</b>&nbsp;</span>")
            by_service.setdefault(row.service_name, []).append(chip)
        html = "".join(f"<tr><td style='padding:2px 10px 2px 0'>{escape(svc)}</td>"
                       f"<td style='padding:2px 0'>{'&nbsp; '.join(chips)}</td></tr>"
                       for svc, chips in by_service.items())
        self.counts_label.setText(f"<table>{html}</table>")
        self.counts_card.setVisible(bool(view.counts))

    def _show_alerts(self, view: DeskView) -> None:
        self.alerts_title.setText(t("console.alerts_title", view.lang))
        alerts = view.alerts[:MAX_ALERTS]
        for label, alert in zip_longest(self.alert_labels, alerts):
            if label is None:
                break
            if alert is None:
                label.hide()
                continue
            bg, fg = (("#fee2e2", "#991b1b") if alert.severity == "error"
                      else ("#fef3c7", "#92400e"))
            label.setStyleSheet(f"QLabel {{ background: {bg}; color: {fg}; }}")
            label.setText("⚠  " + alert.text)
            label.show()
        self.no_alerts.setVisible(not alerts)
        self.no_alerts.setText(t("console.no_alerts", view.lang))



class ConsoleWindow(QMainWindow):
    """Top bar + banner + notice over the login or desk screen, plus the overlays."""

    def __init__(self, desk: Desk, clock_text: Callable[[], str] | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.clock_text = clock_text or (lambda: desk.now().astimezone(desk._tz())
                                         .strftime("%H:%M"))
        self.setStyleSheet(STYLE)
        self.setFont(QFont(FONT_FAMILY, 11))
        root = QWidget()
        root.setObjectName("root")
        self.setCentralWidget(root)
        lay = QVBoxLayout(root)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)

        top = QFrame()
        top.setObjectName("topbar")
        top.setFixedHeight(64)
        top_lay = QHBoxLayout(top)
        top_lay.setContentsMargins(20, 6, 20, 6)
        self.top_counter = _label("", "topCounter")
        self.top_office = _label("", "topOffice")
        self.top_officer = _label("", "topOfficer")
        self.conn_dot = _label("●")
        self.conn_text = _label("", "topOfficer")
        self.lang_button = QPushButton()
        self.lang_button.setObjectName("langButton")
        self.lang_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lang_button.clicked.connect(self.toggle_language)
        self.top_clock = _label("", "topClock")
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.top_counter)
        names.addWidget(self.top_office)
        top_lay.addLayout(names)
        top_lay.addStretch(1)
        top_lay.addWidget(self.top_officer)
        top_lay.addSpacing(20)
        top_lay.addWidget(self.conn_dot)
        top_lay.addWidget(self.conn_text)
        top_lay.addSpacing(20)
        top_lay.addWidget(self.lang_button)
        top_lay.addSpacing(16)
        top_lay.addWidget(self.top_clock)
        lay.addWidget(top)

        self.banner = QFrame()
        self.banner.setObjectName("banner")
        banner_lay = QHBoxLayout(self.banner)
        banner_lay.setContentsMargins(20, 10, 20, 10)
        self.banner_label = _label("", wrap=True)
        banner_lay.addWidget(self.banner_label)
        lay.addWidget(self.banner)

        self.notice = QFrame()
        self.notice.setObjectName("notice")
        notice_lay = QHBoxLayout(self.notice)
        notice_lay.setContentsMargins(20, 8, 20, 8)
        self.notice_label = _label("", wrap=True)
        notice_lay.addWidget(self.notice_label)
        notice_wrap = QVBoxLayout()
        notice_wrap.setContentsMargins(16, 10, 16, 0)
        notice_wrap.addWidget(self.notice)
        lay.addLayout(notice_wrap)

        self.stack = QStackedWidget()
        self.login_screen = LoginScreen(desk)
        self.desk_screen = DeskScreen(desk)
        self.stack.addWidget(self.login_screen)
        self.stack.addWidget(self.desk_screen)
        lay.addWidget(self.stack, 1)
        self.desk_screen.action_triggered.connect(self.trigger)

        self.transfer_dialog = TransferDialog(root, desk)
        self.pause_dialog = PauseDialog(root, desk)
        self.confirm_dialog = ConfirmCallDialog(root, desk)
        for dialog in self.dialogs:
            dialog.closed.connect(self._dialog_closed)

        self.shortcuts: list[QShortcut] = []
        for key, seq in (("call_next", "F1"), ("recall", "F2"), ("start_service", "F3"),
                         ("finish", "F4"), ("no_show", "F5"), ("transfer", "F6"),
                         ("pause", "F7"), ("call_ticket", "F8"), ("logout", "Ctrl+L"),
                         ("language", "F12")):
            shortcut = QShortcut(QKeySequence(seq), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda k=key: self.trigger(k))
            self.shortcuts.append(shortcut)

        desk.listeners.append(self.refresh)
        self.ticker = QTimer(self)
        self.ticker.timeout.connect(self.refresh)  # live "at counter" clock and waits
        self.ticker.start(1000)
        self._last_screen = ""
        self.refresh()

    @property
    def dialogs(self) -> tuple[Overlay, ...]:
        return (self.transfer_dialog, self.pause_dialog, self.confirm_dialog)

    def dialog_open(self) -> bool:
        return any(d.isVisible() for d in self.dialogs)

    def _dialog_closed(self) -> None:
        self.desk_screen.table.setFocus()
        self.refresh()

    def toggle_language(self) -> None:
        self.desk.set_lang("en" if self.desk.lang == "id" else "id")

    def trigger(self, key: str) -> None:
        """A button or shortcut: the desk decides; dialogs collect details first."""
        if key == "language":
            self.toggle_language()
            return
        if self.dialog_open() or self.stack.currentWidget() is not self.desk_screen:
            return
        desk = self.desk
        if key == "transfer":
            if desk.enabled("transfer"):
                self.transfer_dialog.open_for()
        elif key == "pause":
            if desk.state() == "paused":
                desk.resume()
            elif desk.enabled("pause"):
                self.pause_dialog.open_for()
        elif key == "call_ticket":
            if not desk.enabled("call_ticket"):
                return
            row = self.desk_screen.selected_row()
            if row is None:
                desk.notice = Notice("info", t("console.select_first", desk.lang))
                desk.changed()
                self.desk_screen.table.setFocus()
                return
            self.confirm_dialog.open_for(row)
        else:
            getattr(desk, key)()

    def refresh(self) -> None:
        view = self.desk.view()
        lang = view.lang
        self.setWindowTitle(f"{t('console.app_title', lang)} — {view.counter_name}".rstrip(" —"))
        self.top_counter.setText(view.counter_name or t("console.app_title", lang))
        self.top_office.setText(view.office_name)
        self.top_officer.setText(view.officer_name)
        online = view.connection == "online"
        self.conn_dot.setStyleSheet(f"color: {'#22c55e' if online else '#ef4444'};"
                                    "font-size: 22px;")
        self.conn_text.setText(t("console.online", lang) if online
                               else t("common.offline", lang))
        self.lang_button.setText(f"{t('common.lang_toggle', lang)}  F12")
        self.top_clock.setText(self.clock_text())
        self.banner.setVisible(view.banner is not None)
        self.banner_label.setText(view.banner or "")
        message = view.pending_text or (view.notice.text if view.notice else None)
        show_notice = bool(message) and not (view.screen == "login" and not view.pending_text)
        self.notice.setVisible(show_notice)
        if show_notice:
            error = view.notice is not None and view.notice.kind == "error" and \
                not view.pending_text
            bg, fg = (("#fee2e2", "#991b1b") if error else ("#dbeafe", "#1e3a8a"))
            self.notice.setStyleSheet(f"#notice {{ background: {bg}; }}"
                                      f"#notice QLabel {{ color: {fg}; }}")
            self.notice_label.setText(message or "")
        screen = self.desk_screen if view.screen == "desk" else self.login_screen
        for dialog in self.dialogs:  # F12 while a dialog is open: it follows
            if dialog.isVisible() and dialog.lang != lang:
                dialog.retranslate(lang)
        if view.screen == "login":
            for dialog in self.dialogs:
                dialog.hide()
            self.login_screen.show_view(view)
        else:
            self.desk_screen.show_view(view)
        if self.stack.currentWidget() is not screen:
            self.stack.setCurrentWidget(screen)
            if screen is self.login_screen:
                self.login_screen.officer.setFocus()
            else:
                self.desk_screen.table.setFocus()
