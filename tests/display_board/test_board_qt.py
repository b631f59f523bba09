"""The real board (widgets, connection, voice, LEDs) against the real server (`live_server`)."""

from __future__ import annotations

import os
import select
import threading
import tty
from pathlib import Path

import pytest
from PySide6.QtGui import QFontDatabase
from PySide6.QtNetwork import QAbstractSocket

from antrean.gallery.board import WsClient
from display_board.app import BoardController
from display_board.screens import FONT_FAMILY, BoardScreen
from hardware.led_display import decode_frame
from voice.synth import Synthesizer


@pytest.fixture
def make_board(qtbot, live_server, tmp_path):
    made: list[BoardController] = []

    def make(**kw) -> BoardController:
        kw.setdefault("synthesizer", Synthesizer(cache_dir=tmp_path / "voice"))
        ctl = BoardController(live_server.url, **kw)
        qtbot.addWidget(ctl.screen)
        ctl.screen.resize(1366, 768)
        with qtbot.waitSignal(ctl.connection.welcomed, timeout=5000):
            ctl.start()
        made.append(ctl)
        return ctl

    yield make
    for ctl in made:
        ctl.stop()
        # Let Qt finish the close handshake, or the server's shutdown waits it out (10 s).
        qtbot.waitUntil(lambda c=ctl: c.connection._ws.state()
                        == QAbstractSocket.SocketState.UnconnectedState, timeout=3000)


def stop_server(qtbot, live_server) -> None:
    """Stop the server while Qt keeps running, so the board answers the close at once."""
    worker = threading.Thread(target=live_server.thread.stop)
    worker.start()
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=15000)


def officer(live_server, device="console-1", who=("budi", "1234"), counter="loket-1"):
    c = WsClient(live_server.url, "counter", device, live_server.tokens[device])
    c.ok("login", officer=who[0], pin=who[1], counter=counter)
    return c


def kiosk(live_server, n=1, service="paspor-baru"):
    k = WsClient(live_server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
    for _ in range(n):
        k.ok("issue_ticket", service=service, lane="reguler", lang="id")
    k.close()


def test_real_font_is_available(qapp) -> None:
    # Without fonts Qt silently draws boxes; the board names DejaVu Sans.
    assert FONT_FAMILY in QFontDatabase.families()


def test_call_is_shown_flashes_and_is_announced_once(qtbot, live_server, make_board) -> None:
    ctl = make_board(token=live_server.tokens["board-1"], device="board-1")
    kiosk(live_server, 2)
    console = officer(live_server)
    with qtbot.waitSignal(ctl.voice_ready, timeout=10000) as ready:
        console.ok("call_next", counter="loket-1")
    call, wav = ready.args
    assert call.number == "A001" and Path(wav).stat().st_size > 10_000
    assert [c.number for c in ctl.calls_announced] == ["A001"]
    view = ctl.screen.view
    assert view.latest.number == "A001" and view.latest.counter_name == "Loket 1"
    assert any(t.number == "A001" for t in view.counters)
    # The flash is QTimer-driven: it toggles, then ends steady.
    assert ctl.screen.flash_timer.isActive()
    seen: set[bool] = set()
    qtbot.waitUntil(lambda: seen.add(ctl.board.flash.on) or len(seen) == 2, timeout=3000)
    qtbot.waitUntil(lambda: not ctl.board.flash.active, timeout=10000)
    assert not ctl.screen.flash_timer.isActive() and not ctl.board.flash.on
    # Recall: announced again, exactly once more.
    with qtbot.waitSignal(ctl.announced, timeout=5000) as again:
        console.ok("recall", counter="loket-1")
    assert again.args[0].recall
    qtbot.waitUntil(lambda: ctl.board.latest.recall, timeout=5000)
    assert [(c.number, c.recall) for c in ctl.calls_announced] == [("A001", False),
                                                                  ("A001", True)]
    console.close()
    for name in ("board-1920", "board-portrait"):
        size = (1920, 1080) if name == "board-1920" else (1080, 1920)
        s = BoardScreen(ctl.board)
        qtbot.addWidget(s)
        s.resize(*size)
        assert not s.grab().isNull()


def test_restart_offline_mark_and_call_during_outage_announced_once(
        qtbot, live_server, make_board) -> None:
    ctl = make_board(voice=False)  # observer, no token
    kiosk(live_server, 3)
    console = officer(live_server)
    with qtbot.waitSignal(ctl.announced, timeout=5000):
        console.ok("call_next", counter="loket-1")
    console.close()
    states: list[str] = []
    ctl.connection.state_changed.connect(states.append)
    stop_server(qtbot, live_server)
    qtbot.waitUntil(lambda: not ctl.board.online, timeout=5000)
    assert not ctl.screen.view.online  # the offline mark is drawn
    assert ctl.screen.view.latest.number == "A001"  # last state kept
    # Let the board fail a few reconnects, so its next try is seconds away…
    qtbot.waitUntil(lambda: states.count("connecting") >= 2 and states[-1] == "offline",
                    timeout=10000)
    live_server.restart()
    console = officer(live_server, "console-2", ("sari", "5678"), "loket-2")
    console.ok("call_next", counter="loket-2")  # …and this call happens while it is away
    console.close()
    assert not ctl.board.online
    qtbot.waitUntil(lambda: ctl.board.online and ctl.board.latest.number == "A002",
                    timeout=15000)
    assert ctl.board.latest.counter_name == "Loket 2"
    assert [c.number for c in ctl.calls_announced] == ["A001", "A002"]
    assert ctl.screen.view.online
    # Another reconnect replays nothing new: nothing is announced twice.
    stop_server(qtbot, live_server)
    live_server.restart()
    with qtbot.waitSignal(ctl.connection.welcomed, timeout=15000):
        pass
    kiosk(live_server, 1)
    qtbot.waitUntil(lambda: len(ctl.board.model.waiting) == 2, timeout=5000)
    assert [c.number for c in ctl.calls_announced] == ["A001", "A002"]


def test_zone_board_ignores_other_floors(qtbot, live_server, make_board) -> None:
    ctl = make_board(zone="lantai-2", voice=False)
    assert [t.id for t in ctl.screen.view.counters] == ["loket-4"]
    kiosk(live_server, 1)
    console = officer(live_server)
    console.ok("call_next", counter="loket-1")
    kiosk(live_server, 1, "izin-tinggal")  # a later event proves the call was seen
    qtbot.waitUntil(lambda: [t["number"] for t in ctl.board.model.waiting] == ["E001"],
                    timeout=5000)
    assert ctl.calls_announced == [] and ctl.board.latest is None
    console.close()


def test_running_text_from_admin(qtbot, live_server, make_board) -> None:
    ctl = make_board(voice=False)
    admin = WsClient(live_server.url, "admin", "admin-1", live_server.tokens["admin-1"])
    admin.ok("set_announcement", text={"id": "Waspada calo!", "en": "Beware of brokers!"})
    admin.close()
    qtbot.waitUntil(lambda: ctl.screen.view.running_text.startswith("Waspada calo!"),
                    timeout=5000)


def test_led_display_over_pty(qtbot, live_server, make_board) -> None:
    master, slave = os.openpty()
    tty.setraw(master)
    try:
        ctl = make_board(voice=False, led_specs=[f"loket-1={os.ttyname(slave)}:3"])
        kiosk(live_server, 1)
        console = officer(live_server)
        console.ok("call_next", counter="loket-1")
        console.close()
        data = b""

        def frame_arrived() -> bool:
            nonlocal data
            while select.select([master], [], [], 0)[0]:
                data += os.read(master, 256)
            return b"A001" in data and data.endswith(b"\r\n")

        qtbot.waitUntil(frame_arrived, timeout=5000)
        frames = [f + b"\r\n" for f in data.split(b"\r\n") if f]
        assert decode_frame(frames[-1]) == (3, "A001   1")
        ctl.leds.stop()
    finally:
        os.close(master)
        os.close(slave)
