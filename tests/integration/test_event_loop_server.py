"""The server runs on uvloop where it is installed, and on the standard asyncio loop when
told to (ANTREAN_EVENT_LOOP=asyncio, or where uvloop does not exist): the same protocol
either way."""

from __future__ import annotations

import pytest
from ws_helpers import join

from antrean.demo_office import pair_demo_devices
from server.app import ServerThread, loop_name


@pytest.mark.parametrize("loop_name", ["uvloop", "asyncio"])
def test_the_server_speaks_the_protocol_on_either_loop(tmp_path, open_office, monkeypatch,
                                                       loop_name):
    pytest.importorskip(loop_name)
    monkeypatch.setenv("ANTREAN_EVENT_LOOP", loop_name)
    tokens = pair_demo_devices(tmp_path / "a.db")
    server = ServerThread(open_office, tmp_path / "a.db").start()
    try:
        assert type(server._loop).__module__.split(".")[0] == loop_name
        board = join(server.url, "observer")
        kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
        ticket = kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
        assert board.event("ticket_issued")["data"]["ticket"]["number"] == ticket["number"]
        kiosk.close()
        board.close()
    finally:
        server.stop()


def test_tls_and_the_opt_out_choose_the_standard_loop(monkeypatch):
    pytest.importorskip("uvloop")
    monkeypatch.delenv("ANTREAN_EVENT_LOOP", raising=False)
    assert loop_name() == "uvloop"
    assert loop_name(tls=True) == "asyncio"
    monkeypatch.setenv("ANTREAN_EVENT_LOOP", "asyncio")
    assert loop_name() == "asyncio"
