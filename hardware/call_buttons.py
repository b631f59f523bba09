"""Physical call buttons: the button-box line protocol and a serial receiver thread.

Owns `parse_button_line` (pure) and `CallButtonReceiver`. A button box sends one ASCII line
per press (docs/hardware.md):

    BTN <counter> <key>\\n     e.g. "BTN 3 NEXT"  (box serving several counters)
    <key>\\n                   e.g. "K1"          (box wired to one counter)

`mapping` turns key codes into counter actions; everything else is ignored and logged.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping

import serial

from hardware.led_display import DeviceError
from hardware.serial_port import PortUnavailable, close_quietly, open_port

log = logging.getLogger(__name__)

ACTIONS = frozenset(
    {"call_next", "recall", "start_service", "finish", "no_show", "pause", "resume"}
)
MAX_LINE = 64  # longer "lines" are noise (wrong baud rate); drop them instead of buffering
_TOKEN = r"[A-Za-z0-9_\-]{1,16}"
_BTN_LINE = re.compile(rf"BTN\s+({_TOKEN})\s+({_TOKEN})", re.IGNORECASE)
_BARE_LINE = re.compile(_TOKEN)


def normalise_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """Upper-cased keys; ValueError on an action name we don't know (a config typo)."""
    result: dict[str, str] = {}
    for key, action in mapping.items():
        if action not in ACTIONS:
            raise ValueError(
                f"button {key!r}: unknown action {action!r}; expected one of {sorted(ACTIONS)}"
            )
        result[str(key).strip().upper()] = action
    return result


def parse_button_line(
    line: bytes, mapping: Mapping[str, str], default_counter: str = ""
) -> tuple[str, str] | None:
    """(counter, action) for one line from the box, or None for anything unusable.

    Bare key lines use `default_counter`; mapping keys are matched case-insensitively.
    Never raises on any input.
    """
    if len(line) > MAX_LINE:
        return None
    try:
        text = line.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    keys = {str(k).upper(): v for k, v in mapping.items()}
    m = _BTN_LINE.fullmatch(text)
    if m:
        counter, key = m[1], m[2].upper()
    elif _BARE_LINE.fullmatch(text) and text.upper() != "BTN":
        counter, key = default_counter, text.upper()
    else:
        return None
    action = keys.get(key)
    if action not in ACTIONS:
        return None
    return counter, action


class CallButtonReceiver:
    """Reads presses from a serial button box and calls `on_action(counter, action)`.

    Identical presses (same counter and action) within `debounce_ms` are one press: the
    boxes bounce and officers double-press. `clock` is injectable for tests.
    """

    def __init__(
        self,
        port_url: str,
        mapping: Mapping[str, str],
        on_action: Callable[[str, str], None],
        *,
        baudrate: int = 9600,
        default_counter: str = "",
        debounce_ms: int = 300,
        read_timeout: float = 0.2,
        reconnect_delay: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.port_url = port_url
        self.mapping = normalise_mapping(mapping)
        self.on_action = on_action
        self.baudrate = baudrate
        self.default_counter = default_counter
        self.debounce_s = debounce_ms / 1000
        self.read_timeout = read_timeout
        self.reconnect_delay = reconnect_delay
        self.clock = clock
        self._port: serial.SerialBase | None = None
        self._buffer = b""
        self._last: dict[tuple[str, str], float] = {}
        # Set while the port is open: the console can show "button box connected", and
        # callers can wait for it (opening discards bytes that arrived before).
        self.connected = threading.Event()

    def open(self) -> None:
        """Open the port now (poll_once() does it lazily); DeviceError if it can't."""
        self._open()

    def _open(self) -> serial.SerialBase:
        if self._port is None:
            try:
                self._port = open_port(self.port_url, baudrate=self.baudrate,
                                       timeout=self.read_timeout)
            except PortUnavailable as exc:
                raise DeviceError(f"call button port {self.port_url}: {exc}") from exc
            self.connected.set()
        return self._port

    def close(self) -> None:
        self.connected.clear()
        close_quietly(self._port)
        self._port = None
        self._buffer = b""

    def handle_line(self, line: bytes) -> tuple[str, str] | None:
        """Parse, debounce and dispatch one line; returns the dispatched press or None."""
        parsed = parse_button_line(line, self.mapping, self.default_counter)
        if parsed is None:
            if line.strip():
                log.warning("call buttons %s: ignored line %r", self.port_url, line[:MAX_LINE])
            return None
        now = self.clock()
        last = self._last.get(parsed)
        if last is not None and now - last < self.debounce_s:
            return None
        self._last[parsed] = now
        try:
            self.on_action(*parsed)
        except Exception:  # a failing handler must not stop the buttons of every counter
            log.exception("call buttons: handler failed for %s", parsed)
        return parsed

    def poll_once(self) -> list[tuple[str, str]]:
        """Read what arrived within one read timeout; dispatch complete lines.

        Raises DeviceError when the port can't be opened or read (it is closed, so the
        next call reconnects)."""
        port = self._open()
        try:
            chunk = port.read_until(b"\n")  # returns at a newline or after the timeout
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise DeviceError(f"call button port {self.port_url}: read failed: {exc}") from exc
        self._buffer += chunk
        pressed: list[tuple[str, str]] = []
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            result = self.handle_line(line)
            if result is not None:
                pressed.append(result)
        if len(self._buffer) > MAX_LINE:  # noise without newlines: drop, don't grow forever
            log.warning("call buttons %s: dropped %d bytes of noise", self.port_url,
                        len(self._buffer))
            self._buffer = b""
        return pressed

    def run(self, stop_event: threading.Event) -> None:
        """Poll until `stop_event` is set; waits out device errors and reconnects."""
        while not stop_event.is_set():
            try:
                self.poll_once()
            except DeviceError as exc:
                log.warning("%s; retrying in %.1f s", exc, self.reconnect_delay)
                stop_event.wait(self.reconnect_delay)
        self.close()

    def start(self, stop_event: threading.Event) -> threading.Thread:
        """Run in a daemon thread; set `stop_event` and join the thread to stop."""
        thread = threading.Thread(
            target=self.run, args=(stop_event,), name=f"call-buttons {self.port_url}", daemon=True
        )
        thread.start()
        return thread
