"""The token a device gets by pairing with a code is a secret on the device too: it is
written to the credentials file readable by its owner only (0600, in a 0700 folder) and
appears nowhere else — not in a log line at any level, not on the pairing screen, not
in the connection's signals. Before pairing by a code existed, a device with no token
could not get one at all (the pairing hello went unanswered: these tests fail)."""

from __future__ import annotations

import logging
import stat

from PySide6.QtNetwork import QAbstractSocket

from display_board.app import BoardController
from office_client import credentials
from tests.integration.supervisor_helpers import call
from tests.integration.supervisor_helpers import supervisor as supervisor_console


def test_a_paired_token_goes_to_the_private_file_and_nowhere_else(
        qtbot, live_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    folder = tmp_path / "cfg"
    creds, path = credentials.resolve("display", live_server.url, None,
                                      token_required=False, directory=folder)
    board = BoardController(creds.server, device="board-hall-2", pair=True, voice=False,
                            credentials_path=path)
    conn = board.connection
    seen: list = []  # everything the connection told the app while pairing
    for signal in (conn.pairing_changed, conn.paired, conn.state_changed, conn.server_error,
                   conn.welcomed):
        signal.connect(seen.append)
    screens: list[list[str]] = []  # every pairing screen shown (connected after the screen)
    conn.pairing_changed.connect(
        lambda view: view is not None and screens.append(board.pairing_screen.texts.lines()))
    with qtbot.waitSignal(conn.pairing_changed, timeout=5000,
                          check_params_cb=lambda v: v is not None and v.code is not None):
        board.start()
    console = supervisor_console(live_server.url)
    try:
        with qtbot.waitSignal(conn.welcomed, timeout=10_000):
            result = call(console, "approve_pairing", {"code": conn.pairing_view().code,
                                                       "name": "papan-aula-2",
                                                       "role": "display"})
            assert result["ok"], result
    finally:
        console.close()
    token = conn.token
    assert token and credentials.load(path).token == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not board.pairing_screen.isVisible()
    assert any("Terdaftar sebagai papan-aula-2. Menyambung…" in lines for lines in screens)
    for lines in screens:
        assert all(token not in line for line in lines)
    for item in seen:
        assert token not in repr(item)
    logged = [record.getMessage() for record in caplog.records]
    assert any("papan-aula-2" in line for line in logged)  # the name is logged, …
    assert all(token not in line for line in logged)  # … the token never
    board.stop()
    qtbot.waitUntil(lambda: conn._ws.state() == QAbstractSocket.SocketState.UnconnectedState,
                    timeout=3000)
