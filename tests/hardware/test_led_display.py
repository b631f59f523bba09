"""LED counter display frames, checked on the far side of a real pty."""

from __future__ import annotations

import os
import select
import tty

import pytest

from hardware.led_display import (
    DeviceError,
    DisplayBus,
    SerialCounterDisplay,
    SimulatedCounterDisplay,
    checksum,
    compose_text,
    decode_frame,
    encode_frame,
)

_pending: dict[int, bytes] = {}  # bytes read past the end of a frame, per master fd


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(master)
    yield master, os.ttyname(slave)
    _pending.pop(master, None)
    os.close(master)
    os.close(slave)


def read_frame(master: int) -> bytes:
    """Read one frame (up to CR LF) from the master side; fails instead of hanging."""
    data = _pending.pop(master, b"")
    while b"\r\n" not in data:
        ready, _, _ = select.select([master], [], [], 5)
        assert ready, f"no complete frame arrived; got {data!r}"
        data += os.read(master, 64)
    frame, rest = data.split(b"\r\n", 1)
    if rest:
        _pending[master] = rest  # the next frame already arrived in the same read
    return frame + b"\r\n"


def test_frame_layout_and_checksum():
    frame = encode_frame(3, "A012  L3")
    assert frame[:1] == b"\x02" and frame[1:3] == b"03" and frame[3:11] == b"A012  L3"
    assert frame[11] == 0x03 and frame.endswith(b"\r\n")
    body = frame[1:12]
    assert frame[12:14] == f"{checksum(body):02X}".encode()
    assert decode_frame(frame) == (3, "A012  L3")


def test_frame_pads_cuts_and_replaces_non_ascii():
    assert decode_frame(encode_frame(1, "A1")) == (1, "A1      ")
    assert decode_frame(encode_frame(1, "A0123456789")) == (1, "A0123456")
    assert decode_frame(encode_frame(1, "Ä1")) == (1, "?1      ")
    assert decode_frame(encode_frame(7, "B1", width=4)) == (7, "B1  ")


def test_bad_frames_are_rejected():
    frame = bytearray(encode_frame(3, "A012"))
    frame[5] ^= 0x01
    with pytest.raises(ValueError, match="checksum"):
        decode_frame(bytes(frame))
    with pytest.raises(ValueError):
        decode_frame(b"garbage\r\n")
    with pytest.raises(ValueError, match="0..99"):
        encode_frame(100, "A1")
    with pytest.raises(ValueError, match="0..99"):
        SerialCounterDisplay("loop://", address=-1)


@pytest.mark.parametrize(
    ("number", "label", "text"),
    [("A012", "3", "A012   3"), ("A012", "L3", "A012  L3"), ("A012", "Loket 3", "A012    "),
     ("B7", "", "B7      "), ("PAS1234", "3", "PAS1234 ")],
)
def test_compose_text(number, label, text):
    assert compose_text(number, label) == text


def test_show_and_clear_over_a_pty(pty_pair):
    master, path = pty_pair
    display = SerialCounterDisplay(path, address=12, baudrate=19200)
    try:
        display.show("A012", "3")
        assert decode_frame(read_frame(master)) == (12, "A012   3")
        display.clear()
        assert decode_frame(read_frame(master)) == (12, " " * 8)
    finally:
        display.close()


def test_two_displays_share_one_rs485_bus(pty_pair):
    master, path = pty_pair
    bus = DisplayBus(path)
    first = SerialCounterDisplay(path, address=1, bus=bus)
    second = SerialCounterDisplay(path, address=2, bus=bus)
    try:
        first.show("A001", "1")
        second.show("B001", "2")
        assert decode_frame(read_frame(master)) == (1, "A001   1")
        assert decode_frame(read_frame(master)) == (2, "B001   2")
    finally:
        bus.close()


def test_missing_port_raises_device_error_then_reconnects(pty_pair, tmp_path):
    master, path = pty_pair
    link = tmp_path / "ttyLED"  # e.g. a udev symlink for a USB-RS485 adapter not yet plugged in
    display = SerialCounterDisplay(str(link), address=4)
    with pytest.raises(DeviceError, match="ttyLED"):
        display.show("A012", "4")
    link.symlink_to(path)  # adapter plugged in
    display.show("A012", "4")
    assert decode_frame(read_frame(master)) == (4, "A012   4")
    display.close()


def test_write_failure_raises_device_error_and_next_show_reopens(pty_pair):
    master, path = pty_pair
    display = SerialCounterDisplay(path, address=5)
    display.show("A001")
    read_frame(master)
    display.bus._port.close()  # the port vanished under us (adapter unplugged)
    with pytest.raises(DeviceError, match="write failed"):
        display.show("A002")
    display.show("A003")
    assert decode_frame(read_frame(master)) == (5, "A003    ")
    display.close()


def test_simulated_display_records():
    display = SimulatedCounterDisplay(address=3)
    display.show("A012", "3")
    display.clear()
    assert display.history == ["A012   3", "        "]
    assert display.text == "        "
