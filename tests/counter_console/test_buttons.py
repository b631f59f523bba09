"""Physical call buttons end to end: bytes on a pty -> receiver thread -> GUI thread ->
desk -> real server."""

import os

import pytest

from counter_console.buttons import (
    DEFAULT_MAPPING,
    ButtonBridge,
    is_for_counter,
    mapping_from_env,
)
from tests.counter_console.test_console_qt import login_by_keyboard


@pytest.fixture
def pty_port():
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_press_next_calls_a_ticket(qtbot, live_server, kiosk, make_console, pty_port):
    kiosk.issue()
    kiosk.issue()
    console = make_console("console-3")
    login_by_keyboard(qtbot, console)
    master, port = pty_port
    bridge = ButtonBridge(console.desk, port, DEFAULT_MAPPING, read_timeout=0.05)
    handled = []
    bridge.handled.connect(lambda action, sent: handled.append((action, sent)))
    bridge.start()
    try:
        qtbot.waitUntil(lambda: bridge.connected, timeout=5000)
        qtbot.waitUntil(lambda: len(console.desk.waiting_list()) == 2, timeout=5000)
        os.write(master, b"BTN 3 NEXT\n")
        qtbot.waitUntil(lambda: console.desk.state() == "called", timeout=5000)
        assert console.desk.view().current.number == "A001"
        qtbot.waitUntil(lambda: not console.desk.pending, timeout=5000)
        os.write(master, b"BTN 2 NEXT\n")  # another desk's button: ignored here
        os.write(master, b"garbage \xff\n")
        os.write(master, b"K3\n")  # start service on a box wired to this desk
        qtbot.waitUntil(lambda: console.desk.state() == "serving", timeout=5000)
        assert ("call_next", False) in handled
        os.write(master, b"FINISH\r\n")
        qtbot.waitUntil(lambda: console.desk.state() == "idle", timeout=5000)
        os.write(master, b"NEXT\n")
        qtbot.waitUntil(lambda: console.desk.state() == "called", timeout=5000)
        assert console.desk.view().current.number == "A002"
    finally:
        bridge.stop()


def test_counter_matching_and_mapping():
    assert is_for_counter("", "loket-3")
    assert is_for_counter("3", "loket-3") and is_for_counter("03", "loket-3")
    assert is_for_counter("LOKET-3", "loket-3")
    assert not is_for_counter("2", "loket-3") and not is_for_counter("13", "loket-3")
    assert not is_for_counter("3", None)
    assert mapping_from_env({}) == DEFAULT_MAPPING
    assert mapping_from_env({"ANTREAN_BUTTON_MAP": "a=call_next, B=recall"}) == {
        "A": "call_next", "B": "recall"}
    with pytest.raises(ValueError):
        mapping_from_env({"ANTREAN_BUTTON_MAP": "A=launch_rocket"})
    with pytest.raises(ValueError):
        mapping_from_env({"ANTREAN_BUTTON_MAP": "nonsense"})
