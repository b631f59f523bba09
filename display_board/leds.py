"""The board's LED counter displays: each counter's current number pushed to its display.

Owns the `--led COUNTER=PORT[:ADDRESS]` syntax and `LedPusher`, which watches the office
model and sends a frame (through `hardware.led_display`) only when a counter's number
changed. Serial writes can block up to the port's write timeout, so they run on one worker
thread, never in the GUI thread; a failing display logs a warning and is retried on the
next change or periodic refresh (a display that lost power shows the number again).
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardware.led_display import CounterDisplay, DeviceError, DisplayBus, SerialCounterDisplay

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^(?P<port>.+):(?P<addr>\d{1,2})$")


class LedSpecError(ValueError):
    """A `--led` value that cannot be understood (the message says why)."""


@dataclass(frozen=True)
class LedTarget:
    counter: str
    port: str
    address: int = 1


def parse_led_spec(spec: str) -> LedTarget:
    """"loket-1=/dev/ttyUSB0:3" → LedTarget("loket-1", "/dev/ttyUSB0", 3).

    The address is a trailing ":N" of one or two digits (0..99); a longer number is part of
    the port (e.g. "rfc2217://10.0.0.5:4001"). Without it the address is 1."""
    counter, sep, port = spec.partition("=")
    counter, port = counter.strip(), port.strip()
    if not sep or not counter or not port:
        raise LedSpecError(f"--led {spec!r}: expected COUNTER=PORT[:ADDRESS]")
    address = 1
    match = _ADDRESS.match(port)
    if match and not match.group("port").endswith(":"):
        port, address = match.group("port"), int(match.group("addr"))
    return LedTarget(counter, port, address)


def counter_short_label(name: str) -> str:
    """What fits beside the number on an 8-character display: the counter's number."""
    digits = re.findall(r"\d+", name or "")
    return digits[-1] if digits else ""


def open_displays(specs: list[str], baudrate: int = 9600) -> dict[str, CounterDisplay]:
    """Displays by counter id; displays on the same port share one bus (RS-485)."""
    buses: dict[str, DisplayBus] = {}
    out: dict[str, CounterDisplay] = {}
    for spec in specs:
        target = parse_led_spec(spec)
        bus = buses.setdefault(target.port, DisplayBus(target.port, baudrate))
        out[target.counter] = SerialCounterDisplay(target.port, target.address, bus=bus)
    return out


class LedPusher:
    """Sends each counter's current number to its display when it changes."""

    def __init__(self, displays: dict[str, CounterDisplay],
                 on_warning: Callable[[str], None] | None = None) -> None:
        self.displays = displays
        self.on_warning = on_warning
        self.sent: dict[str, tuple[str, str]] = {}  # counter -> (number, label) last shown
        self._jobs: queue.Queue[tuple[str, str, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.frames_sent = 0

    def start(self) -> None:
        if self._thread is None and self.displays:
            self._thread = threading.Thread(target=self._run, name="led-pusher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=5)
            self._thread = None
        for display in self.displays.values():
            try:
                display.close()
            except Exception:  # closing a dead port must not stop the board
                log.debug("closing LED display failed", exc_info=True)

    def update(self, counters: dict[str, dict[str, Any]], force: bool = False) -> int:
        """Queue a frame for every display whose counter's number changed; returns how many."""
        queued = 0
        for cid in self.displays:
            counter = counters.get(cid) or {}
            ticket = counter.get("ticket") or {}
            number = str(ticket.get("number") or "") if counter.get("status") != "closed" \
                else ""
            wanted = (number, counter_short_label(str(counter.get("name") or cid)))
            if not force and self.sent.get(cid) == wanted:
                continue
            self.sent[cid] = wanted
            self._jobs.put((cid, *wanted))
            queued += 1
        if queued and self._thread is None:
            self.start()
        return queued

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            cid, number, label = job
            display = self.displays[cid]
            try:
                if number:
                    display.show(number, label)
                else:
                    display.clear()
                self.frames_sent += 1
            except (DeviceError, OSError, ValueError) as exc:
                self.sent.pop(cid, None)  # retried on the next update
                log.warning("LED display of %s: %s", cid, exc)
                if self.on_warning:
                    self.on_warning(f"LED {cid}: {exc}")
