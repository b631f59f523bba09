"""The counter console's login and desk screens: thin views of `Desk.view()` that turn
clicks into intents (`DeskScreen.action_triggered`, handled by the window) and decide
nothing. The desk screen: action buttons with key caps, the current ticket, the officer's
day, the waiting list, counts per service and lane, alerts."""

from __future__ import annotations

from html import escape
from itertools import zip_longest

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_console.desk import Desk, DeskView, WaitingRow
from counter_console.style import (
    FONT_FAMILY,
    STATE_COLOURS,
    lane_colour,
    named_label,
    repolish,
)
from i18n import t

MAX_ALERTS = 4
LONG_WAIT_S = 45 * 60  # the office's regular wait cap: such waits show in red


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
        self.chip = named_label("", "keyChip")
        self.text_label = named_label("", "actionLabel", wrap=True)
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
            repolish(self)


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
        self.title = named_label("", "loginTitle")
        self.subtitle = named_label("", "loginSub", wrap=True)
        self.officer_caption = named_label("", "fieldLabel")
        self.officer = QLineEdit()
        self.officer.setMaxLength(64)
        self.pin_caption = named_label("", "fieldLabel")
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        self.counter_caption = named_label("", "fieldLabel")
        self.counter = QComboBox()
        self.bound = named_label("", "tileValue")
        self.error = named_label("", "loginError", wrap=True)
        self.button = QPushButton()
        self.button.setObjectName("dialogButton")
        self.button.setProperty("primary", True)
        for w in (self.title, self.subtitle, self.officer_caption, self.officer,
                  self.pin_caption, self.pin, self.counter_caption, self.counter, self.bound,
                  self.error):
            lay.addWidget(w)
        lay.addSpacing(8)
        lay.addWidget(self.button)
        # the captions name their fields for a screen reader
        for caption, field in ((self.officer_caption, self.officer), (self.pin_caption, self.pin),
                               (self.counter_caption, self.counter)):
            caption.setBuddy(field)
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


LANE_MIN_PX, LANE_MAX_PX = 190, 380  # the waiting list's lane column


class LaneDelegate(QStyledItemDelegate):
    """Draws the lane cell as a coloured pill (priority lanes marked with a star). A long
    lane name ("Ibu hamil, menyusui & anak balita") wraps onto a second line, and the row
    grows to hold it (`sizeHint`): a lane is never cut short."""

    PAD_X, PAD_Y = 9, 5
    FLAGS = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap

    @staticmethod
    def lane_font() -> QFont:
        font = QFont(FONT_FAMILY, 12)
        font.setBold(True)
        return font

    def text_box(self, text: str, width: int) -> QRect:
        """Where the wrapped text sits inside a pill at most `width` pixels wide."""
        metrics = QFontMetrics(self.lane_font())
        return metrics.boundingRect(QRect(0, 0, max(1, width - 2 * self.PAD_X), 10_000),
                                    int(self.FLAGS), text)

    def sizeHint(self, option: QStyleOptionViewItem, index: object) -> QSize:
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        width = option.rect.width() or 160
        box = self.text_box(text, width - 8)
        return QSize(width, box.height() + 2 * self.PAD_Y + 12)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: object) -> None:
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, QColor("#fde68a"))
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        colour = index.data(Qt.ItemDataRole.UserRole) or "#64748b"
        cell = option.rect.adjusted(4, 6, -4, -6)
        box = self.text_box(text, cell.width())
        width = min(cell.width(), box.width() + 2 * self.PAD_X)
        height = min(cell.height(), box.height() + 2 * self.PAD_Y)
        pill = QRect(cell.left(), cell.top() + (cell.height() - height) // 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self.lane_font())
        painter.setBrush(QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(pill, 8, 8)
        painter.setPen(QColor("white"))
        painter.drawText(pill, int(self.FLAGS), text)
        painter.restore()


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
                  "no_show": "danger", "cancel": "danger"}
        for key in ("call_next", "recall", "start_service", "finish", "no_show", None,
                    "transfer", "pause", "call_ticket", "cancel", "reinstate"):
            # (logging out is in the window's top bar, beside the officer's name)
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
        self.state_label = named_label("", wrap=True)  # long states wrap, never cut
        self.recalls_label = named_label()
        strip_lay.addWidget(self.state_label, 1)
        strip_lay.addWidget(self.recalls_label)
        card.addWidget(self.strip)
        card.addStretch(1)
        self.caption = named_label("", "tileCaption")
        self.caption.setContentsMargins(26, 0, 26, 0)
        card.addWidget(self.caption)
        self.number = named_label("", "bigNumber")
        self.number.setContentsMargins(22, 0, 22, 0)
        card.addWidget(self.number)
        badge_row = QHBoxLayout()
        badge_row.setContentsMargins(26, 0, 26, 0)
        self.lane_badge = named_label()
        badge_row.addWidget(self.lane_badge)
        badge_row.addStretch(1)
        card.addLayout(badge_row)
        self.service_line = named_label("", "serviceLine", wrap=True)
        self.service_line.setContentsMargins(26, 0, 26, 0)
        card.addWidget(self.service_line)
        self.hint = named_label("", "hint", wrap=True)
        self.hint.setContentsMargins(26, 6, 26, 0)
        card.addWidget(self.hint)
        card.addStretch(1)
        self.tiles = QWidget()
        tiles = QGridLayout(self.tiles)
        tiles.setContentsMargins(26, 0, 26, 0)
        tiles.setHorizontalSpacing(30)
        tiles.setVerticalSpacing(2)
        self.tile_captions = [named_label("", "tileCaption") for _ in range(3)]
        self.waited = named_label("", "tileValue")
        self.at_counter = named_label("", "counterTimes", wrap=True)  # 2 lines when serving
        self.reason = named_label("", "reasonValue", wrap=True)
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
        self.day_title = named_label("", "cardTitle")
        day.addWidget(self.day_title)
        self.stat_values = [named_label("", "statValue") for _ in range(3)]
        self.stat_captions = [named_label("", "statCaption") for _ in range(3)]
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
        self.list_title = named_label("", "cardTitle")
        self.list_count = named_label("", "cardTitle")
        head.addWidget(self.list_title, 1)
        head.addWidget(self.list_count)
        list_lay.addLayout(head)
        self.table = QTableWidget(0, 4)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # long service and lane names wrap (the row grows) rather than being cut short
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(42)
        self.table.verticalHeader().setMinimumSectionSize(42)
        self.table.setShowGrid(False)
        self.table.setItemDelegateForColumn(2, LaneDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(0, 88)
        self.table.setColumnWidth(2, LANE_MIN_PX)
        self.table.setColumnWidth(3, 96)
        # a service name too long for its column wraps: never "Passport Replacem…"
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.doubleClicked.connect(lambda _i: self.action_triggered.emit("call_ticket"))
        list_lay.addWidget(self.table, 1)
        self.empty_label = named_label("", "hint", wrap=True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        list_lay.addWidget(self.empty_label, 1)
        right.addWidget(list_card, 1)

        # counts per service and lane
        self.counts_card = QFrame()
        self.counts_card.setObjectName("card")
        counts_lay = QVBoxLayout(self.counts_card)
        counts_lay.setContentsMargins(14, 10, 14, 10)
        counts_lay.setSpacing(6)
        self.counts_title = named_label("", "cardTitle")
        counts_lay.addWidget(self.counts_title)
        self.counts_label = named_label("", "countsText", wrap=True)
        self.counts_label.setTextFormat(Qt.TextFormat.RichText)
        counts_lay.addWidget(self.counts_label)
        right.addWidget(self.counts_card)

        # alerts
        self.alerts_card = QFrame()
        self.alerts_card.setObjectName("card")
        alerts_lay = QVBoxLayout(self.alerts_card)
        alerts_lay.setContentsMargins(14, 10, 14, 10)
        alerts_lay.setSpacing(6)
        self.alerts_title = named_label("", "cardTitle")
        alerts_lay.addWidget(self.alerts_title)
        self.alert_labels = [named_label("", "alertRow", wrap=True) for _ in range(MAX_ALERTS)]
        for label in self.alert_labels:
            alerts_lay.addWidget(label)
        self.no_alerts = named_label("", "statCaption")
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
            # a called ticket: when it becomes a no-show by itself
            self.hint.setText(shown.auto_no_show_text)
            self.hint.setVisible(bool(shown.auto_no_show_text))
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
        self.table.setAccessibleName(t("console.waiting_title", lang))  # for a screen reader
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
            lane = QTableWidgetItem(("★ " if row.priority else "") + row.lane_name)
            lane.setData(Qt.ItemDataRole.UserRole, lane_colour(row.lane, row.priority))
            waited = QTableWidgetItem(row.waited_text)
            waited.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if row.waited_s >= LONG_WAIT_S:
                waited.setForeground(QColor("#b91c1c"))
            for col, item in enumerate((number, service, lane, waited)):
                self.table.setItem(i, col, item)
        # a wide screen gives the lane more room (one line), a narrow one wraps it
        lane_w = max(LANE_MIN_PX, min(LANE_MAX_PX, int(self.table.viewport().width() * 0.36)))
        if self.table.columnWidth(2) != lane_w:
            self.table.setColumnWidth(2, lane_w)
        self.table.resizeRowsToContents()
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
                    f"color:white;'>&nbsp;{escape(row.lane_name).replace(' ', '&nbsp;')}"
                    f"&nbsp;<b>{row.count}</b>&nbsp;</span>")
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
