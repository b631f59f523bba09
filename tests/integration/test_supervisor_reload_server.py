"""`reload_config` against the real server on a TOML file: a good file reaches every
client (a fresh welcome) without a restart or a lost ticket; a bad one is refused naming
its file, line and key, and changes nothing; nor does one that would orphan a ticket."""

from __future__ import annotations

import pytest
from supervisor_helpers import supervisor
from ws_helpers import join

from antrean.demo_office import pair_demo_devices
from antrean.wiring import report_hooks
from config import office as office_config
from server.app import ServerThread
from tests.office_files import always_open_toml

ISSUE = {"service": "paspor-baru", "lane": "reguler"}
NAME = 'name = { id = "Paspor Baru", en = "New Passport" }'


@pytest.fixture
def office_file_server(tmp_path):
    path = always_open_toml(tmp_path)
    db = tmp_path / "antrean.db"
    tokens = pair_demo_devices(db)
    server = ServerThread(office_config.load(path), db, reports=report_hooks()).start()
    yield server, path, tokens
    server.stop()


def _service(snapshot: dict, sid: str) -> dict | None:
    return next((s for s in snapshot["services"] if s["id"] == sid), None)


def test_a_good_file_reaches_every_client_and_keeps_the_tickets(office_file_server):
    server, path, tokens = office_file_server
    kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
    board = join(server.url, "display", "board-1", tokens["board-1"])
    sup = supervisor(server.url)
    kiosk.ok("issue_ticket", **ISSUE)
    text = path.read_text(encoding="utf-8")
    assert text.count(NAME) == 1
    path.write_text(text.replace(NAME, 'name = { id = "Paspor Elektronik", '
                                       'en = "E-Passport" }'), encoding="utf-8")
    assert sup.ok("reload_config") == {}
    assert board.event("config_reloaded")["data"] == {}
    for client in (kiosk, board, sup):
        welcome = next(m for m in iter(client.recv, None) if m["type"] == "welcome")
        service = _service(welcome["snapshot"], "paspor-baru")
        assert service["name"] == {"id": "Paspor Elektronik", "en": "E-Passport"}
        assert service["waiting"] == 1
    assert "officers" in welcome["snapshot"]  # the supervisor's is a supervisor's again
    assert kiosk.ok("issue_ticket", **ISSUE)["number"] == "A002"


def test_a_bad_file_is_named_and_changes_nothing(office_file_server):
    server, path, _tokens = office_file_server
    sup = supervisor(server.url)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(NAME, NAME + "\nprefix_typo = 1"), encoding="utf-8")
    message = sup.refused("reload_config", "bad_request")
    line = text.splitlines().index(NAME) + 2
    assert f"{path}:{line}" in message and "prefix_typo" in message
    assert sup.ok("ping")


def test_a_file_that_would_orphan_a_waiting_ticket_is_refused(office_file_server):
    server, path, tokens = office_file_server
    kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
    sup = supervisor(server.url)
    kiosk.ok("issue_ticket", service="paspor-baru", lane="lansia")
    config = office_config.load(path)
    lanes = config.service("paspor-baru").lanes
    assert "lansia" in lanes
    text = path.read_text(encoding="utf-8")
    lanes_line = next(line for line in text.splitlines()[text.splitlines().index(NAME):]
                      if line.startswith("lanes"))
    quota_line = next(line for line in text.splitlines()[text.splitlines().index(NAME):]
                      if line.startswith("quota"))
    path.write_text(text.replace(lanes_line, 'lanes = ["reguler"]', 1)
                    .replace(quota_line, "quota = { reguler = 200 }", 1), encoding="utf-8")
    message = sup.refused("reload_config", "bad_request")
    assert "lansia" in message and "A001" in message
    assert kiosk.ok("issue_ticket", service="paspor-baru", lane="lansia")["number"] == "A002"
