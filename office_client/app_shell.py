"""What each Qt app (kiosk, counter console, display board) does around its window.

`AppShell` starts Qt (one QApplication, the app's font, checked to be installed), sends
Qt's messages to Python logging, shows the window full screen (or windowed when asked or
offscreen), quits on SIGINT/SIGTERM, starts and stops the app's connection around the
event loop, and keeps the cyclic GC on the GUI thread: run by a worker thread (voice,
printer status, serial buttons) it may destroy Qt objects there, and Qt crashes.
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
from collections.abc import Callable

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from office_client.connection import OfficeConnection

log = logging.getLogger("antrean.app")
qt_log = logging.getLogger("antrean.qt")
_QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING}


def _qt_message(mode: QtMsgType, _context: object, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(mode, logging.ERROR), "%s", message)


class AppShell:
    """One app's Qt process: build it, `show` the window, then `run` until quit."""

    def __init__(self, name: str, font_family: str) -> None:
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.app.setApplicationName(name)
        qInstallMessageHandler(_qt_message)
        if not QFontDatabase.hasFamily(font_family):
            log.warning("font %r is not installed: texts will not look or fit as designed "
                        "(Debian: fonts-dejavu-core)", font_family)
        self.app.setFont(QFont(font_family))
        gc.disable()  # collected only on the GUI thread, by this timer
        self.gc_timer = QTimer(self.app)
        self.gc_timer.timeout.connect(lambda: gc.collect())
        self.gc_timer.start(2000)
        self.windows: list[QWidget] = []

    def show(self, window: QWidget, *, windowed: bool, size: tuple[int, int]) -> None:
        self.windows.append(window)
        if windowed or QGuiApplication.platformName() == "offscreen":
            window.resize(*size)
            window.show()
        else:
            window.showFullScreen()

    def run(self, connection: OfficeConnection, stop: Callable[[], object] = lambda: None,
            start: Callable[[], object] | None = None) -> int:
        """Start the connection (or `start()`), run the event loop; however it ends, stop
        the connection, then `stop()` the app's other parts."""
        connection.state_changed.connect(lambda state: log.info("connection %s", state))
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.app.quit())
        # Python sees a signal only when the interpreter runs: wake it while Qt waits.
        tick = QTimer()
        tick.timeout.connect(lambda: None)
        tick.start(250)
        log.info("%s started (Qt platform %s)", self.app.applicationName(),
                 QGuiApplication.platformName())
        (start or connection.start)()
        try:
            return int(self.app.exec())
        finally:
            connection.stop()
            stop()
            tick.stop()
            # Tear Qt objects down while the interpreter is still whole: left to Python's
            # finalizer, PySide may crash on exit.
            for window in self.windows:
                window.close()
                window.deleteLater()
            self.app.processEvents()
