"""Opening and closing serial ports, shared by the printer, LED displays and call buttons.

Every device here opens lazily through `serial.serial_for_url` (so `loop://` and pty
paths work in tests), turns any failure to open into one error the caller words for its
device, and closes quietly: a port that vanished (unplugged adapter) must not raise
again while we are already handling its failure.
"""

from __future__ import annotations

from typing import Any

import serial


class PortUnavailable(Exception):
    """The port could not be opened (missing, busy, bad settings)."""


def open_port(url: str, **settings: Any) -> serial.SerialBase:
    try:
        return serial.serial_for_url(url, **settings)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PortUnavailable(str(exc)) from exc


def close_quietly(port: serial.SerialBase | None) -> None:
    if port is None:
        return
    try:
        port.close()
    except (serial.SerialException, OSError):
        pass
