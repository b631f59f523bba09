"""The counter console's window: top bar (counter, officer, link, language, clock), the
offline banner and notices over the login or desk screen, the dialogs, and the keyboard
shortcuts. A key or button becomes a `Desk` intent here; dialogs collect details first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_console.desk import SHORTCUTS, Desk, Notice
from counter_console.dialogs import (
    CancelDialog,
    ConfirmCallDialog,
    Overlay,
    PauseDialog,
    ReinstateDialog,
    TransferDialog,
)
from counter_console.screens import DeskScreen, LoginScreen
from counter_console.style import FONT_FAMILY, STYLE, named_label
from i18n import t


class ConsoleWindow(QMainWindow):
    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
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
        self.top_counter = named_label("", "topCounter")
        self.top_office = named_label("", "topOffice")
        self.top_officer = named_label("", "topOfficer")
        self.conn_dot = named_label("●")
        self.conn_text = named_label("", "topOfficer")
        self.lang_button = QPushButton()
        self.lang_button.setObjectName("langButton")
        self.lang_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lang_button.clicked.connect(self.toggle_language)
        self.logout_button = QPushButton()
        self.logout_button.setObjectName("langButton")
        self.logout_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.logout_button.clicked.connect(lambda: self.trigger("logout"))
        self.top_clock = named_label("", "topClock")
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.top_counter)
        names.addWidget(self.top_office)
        top_lay.addLayout(names)
        top_lay.addStretch(1)
        top_lay.addWidget(self.top_officer)
        top_lay.addSpacing(10)
        top_lay.addWidget(self.logout_button)
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
        self.banner_label = named_label("", wrap=True)
        banner_lay.addWidget(self.banner_label)
        lay.addWidget(self.banner)

        self.notice = QFrame()
        self.notice.setObjectName("notice")
        notice_lay = QHBoxLayout(self.notice)
        notice_lay.setContentsMargins(20, 8, 20, 8)
        self.notice_label = named_label("", wrap=True)
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
        self.cancel_dialog = CancelDialog(root, desk)
        self.reinstate_dialog = ReinstateDialog(root, desk)
        for dialog in self.dialogs:
            dialog.closed.connect(self._dialog_closed)

        self.shortcuts: list[QShortcut] = []
        for key, seq in (*SHORTCUTS.items(), ("language", "F12")):  # the keys the buttons show
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
        return (self.transfer_dialog, self.pause_dialog, self.confirm_dialog,
                self.cancel_dialog, self.reinstate_dialog)

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
        elif key == "cancel":
            if not desk.enabled("cancel"):
                return
            row = self.desk_screen.selected_row()
            target = desk.cancel_target(row.id if row else None)
            if target is None:
                desk.notice = Notice("info", t("console.select_first", desk.lang))
                desk.changed()
                self.desk_screen.table.setFocus()
                return
            self.cancel_dialog.open_for(target["id"])
        elif key == "reinstate":
            if desk.enabled("reinstate"):
                self.reinstate_dialog.open_for()
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
        logout = view.actions["logout"]
        self.logout_button.setText(f"{logout.label}  {logout.shortcut}")
        self.logout_button.setAccessibleName(f"{logout.label} ({logout.shortcut})")
        self.logout_button.setVisible(view.screen == "desk")
        self.logout_button.setEnabled(logout.enabled)
        self.top_clock.setText(view.clock_text)
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
