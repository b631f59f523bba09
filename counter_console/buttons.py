"""Physical call buttons wired into the desk.

`hardware.call_buttons.CallButtonReceiver` reads the serial box on its own thread; this
module posts each press to the GUI thread with a Qt signal (the desk is not thread-safe)
and lets the desk decide, exactly as for a key press: a press while a command is pending
or offline does nothing, so a bouncing or double-pressed button never calls two tickets.

A box line names a counter (`BTN 3 NEXT`) or not (`NEXT`, a box wired to one desk). This
console acts only on presses for its own counter: a bare key, its id (`loket-3`), or its
number (`3`).

The key mapping is configuration: `DEFAULT_MAPPING`, or `ANTREAN_BUTTON_MAP` in the
environment as `KEY=action,KEY=action` (actions: call_next, recall, start_service,
finish, no_show, pause, resume).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Mapping

from PySide6.QtCore import QObject, Signal, Slot

from counter_console.desk import Desk
from hardware.call_buttons import CallButtonReceiver, normalise_mapping

log = logging.getLogger("antrean.console.buttons")

DEFAULT_MAPPING: dict[str, str] = {
    "NEXT": "call_next", "RECALL": "recall", "START": "start_service", "FINISH": "finish",
    "NOSHOW": "no_show", "PAUSE": "pause", "RESUME": "resume",
    "K1": "call_next", "K2": "recall", "K3": "start_service", "K4": "finish", "K5": "no_show",
}


def mapping_from_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """DEFAULT_MAPPING, or ANTREAN_BUTTON_MAP parsed; ValueError on a malformed entry."""
    raw = (env if env is not None else os.environ).get("ANTREAN_BUTTON_MAP", "").strip()
    if not raw:
        return dict(DEFAULT_MAPPING)
    pairs = {}
    for item in raw.split(","):
        key, sep, action = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"ANTREAN_BUTTON_MAP: expected KEY=action, got {item!r}")
        pairs[key.strip()] = action.strip()
    return normalise_mapping(pairs)


def is_for_counter(box_counter: str, counter_id: str | None) -> bool:
    if not counter_id:
        return False
    if box_counter in ("", counter_id):
        return True
    number = re.search(r"(\d+)$", counter_id)
    return box_counter.lower() == counter_id.lower() or (
        number is not None and box_counter.lstrip("0") == number.group(1).lstrip("0"))


class ButtonBridge(QObject):
    """Owns the receiver thread; `pressed` carries (box counter, action) to the GUI thread."""

    pressed = Signal(str, str)
    handled = Signal(str, bool)  # action, whether the desk sent a command

    def __init__(self, desk: Desk, port_url: str, mapping: Mapping[str, str] | None = None,
                 parent: QObject | None = None, **receiver_kwargs: object) -> None:
        super().__init__(parent)
        self.desk = desk
        self.receiver = CallButtonReceiver(port_url, mapping or DEFAULT_MAPPING,
                                           self.pressed.emit, **receiver_kwargs)
        # queued: emitted on the receiver thread, handled on the GUI thread
        self.pressed.connect(self._on_press)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = self.receiver.start(self._stop)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    @property
    def connected(self) -> bool:
        return self.receiver.connected.is_set()

    @Slot(str, str)
    def _on_press(self, box_counter: str, action: str) -> None:
        if not is_for_counter(box_counter, self.desk.counter_id):
            log.info("button %s for counter %r ignored at %s", action, box_counter,
                     self.desk.counter_id)
            self.handled.emit(action, False)
            return
        self.handled.emit(action, self.desk.press(action))
