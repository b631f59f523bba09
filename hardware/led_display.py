"""LED counter displays (RS-485 / RS-232) above each counter: framing, bus, adapters.

Owns the `CounterDisplay` interface, the Antrean LED line protocol (docs/hardware.md):

    STX  AA  TEXT  ETX  CK CK  CR LF
    0x02 "03" "A012  L3" 0x03 "0D" "\r\n"

AA = display address 00..99 (several displays share one RS-485 pair), TEXT = exactly
`width` printable ASCII characters, CK = XOR of every byte from the first address digit
through ETX, as two upper-case hex digits (so the checksum can never look like STX/ETX).
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import serial

from hardware.serial_port import PortUnavailable, close_quietly, open_port

log = logging.getLogger(__name__)

STX, ETX = 0x02, 0x03
DEFAULT_WIDTH = 8
DEFAULT_BAUDRATE = 9600


class DeviceError(Exception):
    """A serial device could not be used; the next call tries to reconnect."""


def _ascii(text: str) -> str:
    # Segment/matrix LED controllers only know printable ASCII.
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)


def compose_text(number: str, counter_label: str = "", width: int = DEFAULT_WIDTH) -> str:
    """The `width` characters shown: number left, counter label right when both fit."""
    number, label = _ascii(number.strip()), _ascii(counter_label.strip())
    if label and len(number) + 1 + len(label) <= width:
        return number.ljust(width - len(label)) + label
    return number[:width].ljust(width)


def checksum(body: bytes) -> int:
    value = 0
    for byte in body:
        value ^= byte
    return value


def encode_frame(address: int, text: str, width: int = DEFAULT_WIDTH) -> bytes:
    """One complete frame for display `address` showing `text` (padded/cut to `width`)."""
    if not 0 <= address <= 99:
        raise ValueError(f"display address must be 0..99, not {address}")
    body = f"{address:02d}{_ascii(text)[:width]:<{width}}".encode("ascii") + bytes([ETX])
    return bytes([STX]) + body + f"{checksum(body):02X}\r\n".encode("ascii")


def decode_frame(frame: bytes) -> tuple[int, str]:
    """(address, text) of a frame; ValueError if it is malformed or the checksum is wrong.
    Used by tests and by technicians sniffing the bus."""
    frame = frame.rstrip(b"\r\n")
    if len(frame) < 6 or frame[0] != STX or frame[-3] != ETX:
        raise ValueError("not an LED frame")
    body, check = frame[1:-2], frame[-2:]
    if f"{checksum(body):02X}".encode("ascii") != check:
        raise ValueError("LED frame checksum mismatch")
    return int(body[:2].decode("ascii")), body[2:-1].decode("ascii")


class CounterDisplay(ABC):
    """What the counter console drives; implementations must never block for long."""

    @abstractmethod
    def show(self, number: str, counter_label: str = "") -> None: ...

    @abstractmethod
    def clear(self) -> None: ...

    def close(self) -> None:
        """Release the port (a later show() reopens it)."""
        return None  # nothing to release by default


class DisplayBus:
    """One serial port shared by all displays wired to it (RS-485 is a multi-drop bus)."""

    def __init__(
        self, port_url: str, baudrate: int = DEFAULT_BAUDRATE, write_timeout: float = 1.0
    ) -> None:
        self.port_url = port_url
        self.baudrate = baudrate
        self.write_timeout = write_timeout
        self._port: serial.SerialBase | None = None
        self._lock = threading.Lock()  # frames from two displays must not interleave

    def send(self, frame: bytes) -> None:
        with self._lock:
            if self._port is None:
                try:
                    self._port = open_port(self.port_url, baudrate=self.baudrate,
                                           write_timeout=self.write_timeout)
                except PortUnavailable as exc:
                    raise DeviceError(f"LED display port {self.port_url}: {exc}") from exc
            try:
                self._port.write(frame)
                self._port.flush()
            except (serial.SerialException, OSError) as exc:
                self._close_locked()
                raise DeviceError(f"LED display port {self.port_url}: write failed: {exc}") from exc

    def _close_locked(self) -> None:
        close_quietly(self._port)
        self._port = None

    def close(self) -> None:
        with self._lock:
            self._close_locked()


class SerialCounterDisplay(CounterDisplay):
    """A display at `address` on a serial line (own port, or a shared `bus`)."""

    def __init__(
        self,
        port_url: str,
        address: int = 1,
        baudrate: int = DEFAULT_BAUDRATE,
        *,
        width: int = DEFAULT_WIDTH,
        bus: DisplayBus | None = None,
    ) -> None:
        if not 0 <= address <= 99:
            raise ValueError(f"display address must be 0..99, not {address}")
        self.address = address
        self.width = width
        self.bus = bus or DisplayBus(port_url, baudrate)

    def show(self, number: str, counter_label: str = "") -> None:
        """Raises DeviceError (never anything else) when the display can't be reached."""
        self.bus.send(encode_frame(self.address, compose_text(number, counter_label, self.width),
                                   self.width))

    def clear(self) -> None:
        self.bus.send(encode_frame(self.address, "", self.width))

    def close(self) -> None:
        self.bus.close()


@dataclass
class SimulatedCounterDisplay(CounterDisplay):
    """Records what a display would show (demo mode, tests, a counter without hardware)."""

    address: int = 1
    width: int = DEFAULT_WIDTH
    text: str = ""
    history: list[str] = field(default_factory=list)

    def show(self, number: str, counter_label: str = "") -> None:
        self.text = compose_text(number, counter_label, self.width)
        self.history.append(self.text)

    def clear(self) -> None:
        self.text = " " * self.width
        self.history.append(self.text)
