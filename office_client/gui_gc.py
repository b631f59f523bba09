"""Garbage collection on the GUI thread only.

Python's cyclic GC runs in whichever thread happens to allocate when a threshold is
crossed. If that is a worker thread (voice synthesis, printer status, serial buttons)
and the garbage holds Qt objects, their C++ destructors run off the GUI thread and Qt
crashes. The apps therefore turn automatic collection off and collect from a GUI-thread
timer instead.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

_timer: QTimer | None = None


def install(parent: QObject | None = None, interval_ms: int = 2000) -> QTimer:
    global _timer
    gc.disable()
    if _timer is None:
        _timer = QTimer(parent)
        _timer.timeout.connect(lambda: gc.collect())
        _timer.start(interval_ms)
    return _timer
