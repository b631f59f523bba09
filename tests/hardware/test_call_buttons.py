"""Call-button line parsing (exhaustive + random garbage) and the receiver over a pty."""

from __future__ import annotations

import os
import threading
import tty

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.call_buttons import (
    ACTIONS,
    CallButtonReceiver,
    normalise_mapping,
    parse_button_line,
)
from hardware.led_display import DeviceError

MAPPING = {
    "NEXT": "call_next",
    "RECALL": "recall",
    "START": "start_service",
    "DONE": "finish",
    "NOSHOW": "no_show",
    "PAUSE": "pause",
    "RESUME": "resume",
    "K1": "call_next",
    "K2": "recall",
}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"BTN 3 NEXT\n", ("3", "call_next")),
        (b"BTN 3 NEXT\r\n", ("3", "call_next")),
        (b"btn 12 recall", ("12", "recall")),
        (b"BTN  A-2\tDONE \n", ("A-2", "finish")),
        (b"BTN 3 NOSHOW", ("3", "no_show")),
        (b"BTN 3 PAUSE", ("3", "pause")),
        (b"BTN 3 RESUME", ("3", "resume")),
        (b"BTN 3 START", ("3", "start_service")),
        (b"K1\n", ("7", "call_next")),
        (b"k2", ("7", "recall")),
        (b"BTN 3 K2", ("3", "recall")),
        (b"", None),
        (b"\n", None),
        (b"BTN", None),
        (b"BTN 3", None),
        (b"BTN 3 NEXT EXTRA", None),
        (b"BTN 3 FIRE", None),
        (b"K9", None),
        (b"NEXT NOW", None),
        (b"BTN \xff NEXT", None),
        (b"\x00\x01\x02", None),
        (b"BTN " + b"9" * 17 + b" NEXT", None),
        (b"K1" + b" " * 70, None),
    ],
)
def test_parse_button_line(line, expected):
    assert parse_button_line(line, MAPPING, default_counter="7") == expected


@given(st.binary(max_size=200))
def test_random_bytes_never_raise(line):
    result = parse_button_line(line, MAPPING, default_counter="1")
    assert result is None or result[1] in ACTIONS


@given(
    st.from_regex(r"[A-Za-z0-9_\-]{1,16}", fullmatch=True),
    st.sampled_from(sorted(MAPPING)),
    st.sampled_from(["\n", "\r\n", ""]),
)
def test_every_well_formed_btn_line_maps(counter, key, ending):
    line = f"BTN {counter} {key.lower()}{ending}".encode()
    assert parse_button_line(line, MAPPING) == (counter, MAPPING[key])


def test_mapping_with_unknown_action_is_a_config_error():
    with pytest.raises(ValueError, match="call_nxt"):
        normalise_mapping({"K1": "call_nxt"})
    assert normalise_mapping({"k1": "recall"}) == {"K1": "recall"}


def test_debounce_with_injected_clock():
    now = [100.0]
    seen: list[tuple[str, str]] = []
    receiver = CallButtonReceiver(
        "loop://", MAPPING, lambda c, a: seen.append((c, a)), debounce_ms=300,
        clock=lambda: now[0],
    )
    assert receiver.handle_line(b"BTN 3 NEXT") == ("3", "call_next")
    now[0] += 0.1
    assert receiver.handle_line(b"BTN 3 NEXT") is None  # bounce
    assert receiver.handle_line(b"BTN 4 NEXT") == ("4", "call_next")  # other counter
    assert receiver.handle_line(b"BTN 3 RECALL") == ("3", "recall")  # other key
    now[0] += 0.25  # 0.35 s after the first press
    assert receiver.handle_line(b"BTN 3 NEXT") == ("3", "call_next")
    assert seen == [("3", "call_next"), ("4", "call_next"), ("3", "recall"), ("3", "call_next")]


def test_failing_handler_does_not_stop_dispatch():
    def boom(counter: str, action: str) -> None:
        raise RuntimeError("server unreachable")

    receiver = CallButtonReceiver("loop://", MAPPING, boom)
    assert receiver.handle_line(b"BTN 3 NEXT") == ("3", "call_next")
    assert receiver.handle_line(b"BTN 3 DONE") == ("3", "finish")


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(master)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


class Collector:
    """on_action target that wakes the test once `count` presses arrived."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.presses: list[tuple[str, str]] = []
        self.done = threading.Event()

    def __call__(self, counter: str, action: str) -> None:
        self.presses.append((counter, action))
        if len(self.presses) >= self.count:
            self.done.set()


def test_receiver_thread_over_a_pty(pty_pair):
    master, path = pty_pair
    got = Collector(4)
    receiver = CallButtonReceiver(
        path, MAPPING, got, default_counter="2", debounce_ms=60_000, read_timeout=0.05
    )
    stop = threading.Event()
    thread = receiver.start(stop)
    try:
        assert receiver.connected.wait(5)
        os.write(master, b"BTN 3 NEXT\n\xff\xfegarbage\nBTN 3 NEXT\n")  # noise + a bounce
        os.write(master, b"K2\r\nBTN 5 DO")  # a line split across reads
        os.write(master, b"NE\nHELLO WORLD\nBTN 3 PAUSE\n")
        assert got.done.wait(5), got.presses
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert got.presses == [("3", "call_next"), ("2", "recall"), ("5", "finish"), ("3", "pause")]


def test_poll_once_reassembles_partial_lines(pty_pair):
    master, path = pty_pair
    got = Collector(1)
    receiver = CallButtonReceiver(path, MAPPING, got, read_timeout=0.05)
    try:
        receiver.open()
        os.write(master, b"BTN 9 RES")
        assert receiver.poll_once() == []  # read timeout with half a line
        os.write(master, b"UME\n")
        assert receiver.poll_once() == [("9", "resume")]
    finally:
        receiver.close()


def test_noise_without_newlines_is_dropped(pty_pair):
    master, path = pty_pair
    receiver = CallButtonReceiver(path, MAPPING, Collector(1), read_timeout=0.05)
    try:
        receiver.open()
        os.write(master, b"\x55" * 100)  # wrong baud rate looks like this
        assert receiver.poll_once() == []
        os.write(master, b"\nBTN 1 NEXT\n")
        presses = receiver.poll_once()
        presses += receiver.poll_once()
        assert presses == [("1", "call_next")]
    finally:
        receiver.close()


def test_missing_port_raises_then_run_reconnects(pty_pair, tmp_path):
    master, path = pty_pair
    link = tmp_path / "ttyButtons"
    got = Collector(1)
    receiver = CallButtonReceiver(
        str(link), MAPPING, got, read_timeout=0.05, reconnect_delay=0.05
    )
    with pytest.raises(DeviceError, match="ttyButtons"):
        receiver.poll_once()
    stop = threading.Event()
    thread = receiver.start(stop)  # keeps retrying while the box is unplugged
    try:
        link.symlink_to(path)  # box plugged in
        assert receiver.connected.wait(5)
        os.write(master, b"BTN 1 NEXT\n")
        assert got.done.wait(5)
    finally:
        stop.set()
        thread.join(5)
    assert got.presses == [("1", "call_next")]
