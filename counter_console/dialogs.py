"""The counter console's dialogs (transfer, pause, confirm a call out of order, cancel a
ticket, take back a no-show): overlays
inside the window, not separate windows, so keyboard focus stays in one place and a
screenshot shows them. They collect details for the `Desk`, which decides."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_console.desk import CANCEL_PRESETS, PAUSE_PRESETS, Desk, WaitingRow
from counter_console.style import named_label
from i18n import t


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
        self.title = named_label("", "dialogTitle", wrap=True)
        self.text = named_label("", "hint", wrap=True)
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
        caption.setBuddy(widget)  # the caption names the field for a screen reader
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
        self.position = QComboBox()  # the end of the new line, or its front
        self.captions = [QLabel() for _ in range(5)]
        for row, widget in enumerate((self.service, self.stage, self.counter, self.position,
                                      self.note)):
            self.card_parts.add_field(row, self.captions[row], widget)
        # a priority applicant stays in a priority lane unless the officer unticks it
        self.keep_priority = QCheckBox()
        self.keep_priority.setObjectName("dialogCheck")
        self.card_parts.fields.addWidget(self.keep_priority, 5, 1)
        self.service.currentIndexChanged.connect(self._service_changed)
        self.accepted.connect(self._accept)
        self.card_parts.text.hide()

    def open_for(self) -> None:
        self.keep_priority.setChecked(True)
        self.open_fresh(self.desk.lang, (self.service, self.note, self.position), self.service)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        keep = (self.service.currentData(), self.stage.currentData(),
                self.counter.currentData())
        front = self.position.currentData() is True
        opts = self.desk.transfer_options()
        self._opts = opts
        ticket = self.desk.current_ticket or {}
        self.card_parts.title.setText(t("console.transfer_title", lang,
                                        number=ticket.get("number", "")))
        for label, key in zip(self.captions, ("transfer_service", "transfer_stage",
                                              "transfer_counter", "transfer_position",
                                              "transfer_note"), strict=True):
            label.setText(t(f"console.{key}", lang))
        self.position.clear()
        self.position.addItem(t("console.transfer_back", lang), False)
        self.position.addItem(t("console.transfer_front", lang), True)
        self.position.setCurrentIndex(1 if front else 0)
        self.keep_priority.setText(t("console.transfer_keep_priority", lang,
                                     lane=opts.lane_name))
        self.keep_priority.setVisible(opts.priority)
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
                              self.counter.currentData(), self.note.text(),
                              front=self.position.currentData() is True,
                              keep_priority=self.keep_priority.isChecked()
                              or not self.keep_priority.isVisible()):
            self.close_dialog()


class ReasonDialog(Overlay):
    """A preset reason and the officer's words (a pause, a cancel): `PRESETS` are the
    console's text keys; a subclass says the title and what accepting does."""

    PRESETS: tuple[str, ...] = ()
    CAPTIONS: tuple[str, str] = ("", "")  # the two fields' text keys

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
        self.accepted.connect(self._accept)

    def open_fresh_reason(self) -> None:
        self.open_fresh(self.desk.lang, (self.reason, self.text), self.reason)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        for caption, key in zip(self.captions, self.CAPTIONS, strict=True):
            caption.setText(t(f"console.{key}", lang))
        self.card_parts.set_buttons(lang)
        keep = self.reason.currentData()
        self.reason.clear()
        for preset in self.PRESETS:
            self.reason.addItem(t(f"console.{preset}", lang), preset)
        self.reason.setCurrentIndex(max(0, self.reason.findData(keep)))

    def _accept(self) -> None:
        raise NotImplementedError


class PauseDialog(ReasonDialog):
    PRESETS = PAUSE_PRESETS
    CAPTIONS = ("pause_reason", "pause_text")

    def __init__(self, parent: QWidget, desk: Desk) -> None:
        super().__init__(parent, desk)
        self.card_parts.text.hide()

    def open_for(self) -> None:
        self.open_fresh_reason()

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.card_parts.title.setText(t("console.pause_title", lang))

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


class CancelDialog(ReasonDialog):
    """Cancel the current ticket (or the selected waiting one), with a reason."""

    PRESETS = CANCEL_PRESETS
    CAPTIONS = ("cancel_reason", "cancel_more")

    def __init__(self, parent: QWidget, desk: Desk) -> None:
        super().__init__(parent, desk)
        self.ticket_id = ""

    def open_for(self, ticket_id: str) -> None:
        self.ticket_id = ticket_id
        self.open_fresh_reason()

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        ticket = self.desk.cancel_target(self.ticket_id) or {"id": self.ticket_id}
        view = self.desk.ticket_view(ticket)
        self.card_parts.title.setText(t("console.cancel_title", lang, number=view.number))
        self.card_parts.text.setText(t("console.cancel_text", lang, service=view.service_name,
                                       lane=view.lane_name))

    def _accept(self) -> None:
        if self.desk.cancel(self.ticket_id, self.reason.currentData(), self.text.text()):
            self.close_dialog()


class ReinstateDialog(Overlay):
    """A no-show who came back: choose their number; back to their place in line, and
    called here at once if the desk is free."""

    def __init__(self, parent: QWidget, desk: Desk) -> None:
        super().__init__(parent)
        self.desk = desk
        self.card_parts = DialogCard(self)
        self.ticket = QComboBox()
        self.caption = QLabel()
        self.card_parts.add_field(0, self.caption, self.ticket)
        self.call_now = QCheckBox()
        self.call_now.setObjectName("dialogCheck")
        self.card_parts.fields.addWidget(self.call_now, 1, 1)
        self.accepted.connect(self._accept)

    def open_for(self) -> None:
        self.call_now.setChecked(self.desk.state() == "idle")
        self.open_fresh(self.desk.lang, (self.ticket,), self.ticket)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.card_parts.title.setText(t("console.reinstate_title", lang))
        minutes = self.desk.policy("reinstate")
        self.card_parts.text.setText(t("console.reinstate_text", lang,
                                       minutes=f"{minutes:g}"))
        self.caption.setText(t("console.reinstate_ticket", lang))
        self.call_now.setText(t("console.reinstate_call_now", lang))
        self.call_now.setEnabled(self.desk.state() == "idle")
        self.card_parts.set_buttons(lang)
        keep = self.ticket.currentData()
        self.ticket.clear()
        for row in self.desk.no_show_rows():
            lane = f" · ★ {row.lane_name}" if row.priority else ""  # regular: said by none
            self.ticket.addItem(f"{row.number} · {row.service_name}{lane} · {row.no_show_text}",
                                row.id)
        self.ticket.setCurrentIndex(max(0, self.ticket.findData(keep)))

    def _accept(self) -> None:
        ticket_id = self.ticket.currentData()
        if ticket_id and self.desk.reinstate(ticket_id, self.call_now.isChecked()
                                             and self.call_now.isEnabled()):
            self.close_dialog()
