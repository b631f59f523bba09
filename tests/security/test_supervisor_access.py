"""The supervisor's console (docs/security.md): its commands are refused from every other
role; a PIN, its hash or a device token is never in an event, another role's snapshot or
a log line; the lockout counts per remote address, whatever label the page sends; a
label cannot reach another device's kept results; pairing requests are limited and
expire."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
from datetime import timedelta

import pytest
from websockets.sync.client import connect

from protocol import messages as m
from server.hub import supervision
from server.store.sqlite import LOCKOUT_AFTER, Store
from tests.integration.supervisor_helpers import (
    SUPERVISOR_PIN,
    call,
    pairing_request,
    stored_events,
    supervisor,
    supervisor_hello,
)
from tests.integration.ws_helpers import TIMEOUT, WsClient, device, join

SUPERVISOR_ONLY = sorted(name for name, spec in m.COMMANDS.items()
                         if spec.roles == {m.Role.SUPERVISOR})
OTHER_ROLES = sorted(m.ROLES - {m.Role.SUPERVISOR})
SAMPLE = {"service": "paspor-baru", "lane": "reguler", "ticket": "A001", "kiosk": "kiosk-1",
          "reason": {"id": "x", "en": "x"}, "officer": "budi", "name": "kiosk-1",
          "code": "123456", "role": "kiosk", "days": [], "quota": 1}


def _client_of(server, role: str) -> WsClient:
    if role == "observer":
        return join(server.url, "observer")
    if role == "tablet":
        store = Store(server.db_path)
        token = store.add_device("tablet-1", "tablet", "loket-1")
        store.close()
        return join(server.url, "tablet", "tablet-1", token)
    name = {"kiosk": "kiosk-1", "counter": "console-1", "display": "board-1",
            "admin": "admin-1"}[role]
    return device(server, name)


def test_there_are_supervisor_commands_to_check():
    assert {"pause_issuing", "save_officer", "revoke_device", "reload_config", "audit",
            "approve_pairing", "set_holidays", "reprint"} <= set(SUPERVISOR_ONLY)


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_supervisor_command_is_forbidden_to_every_other_role(live_server, role):
    client = _client_of(live_server, role)
    if role == "counter":  # an officer logged in is still no supervisor
        client.ok("login", officer="siti", pin=SUPERVISOR_PIN, counter="loket-1")
    for name in SUPERVISOR_ONLY:
        args = {arg: SAMPLE[arg] for arg in m.COMMANDS[name].required}
        result = call(client, name, args)
        assert not result["ok"] and result["error"]["code"] == "forbidden", (name, result)
    assert stored_events(live_server.db_path, "device_revoked") == []


def test_no_pin_hash_or_token_in_events_other_snapshots_or_logs(live_server, caplog):
    caplog.set_level(logging.DEBUG)
    kiosk, admin = device(live_server, "kiosk-1"), device(live_server, "admin-1")
    console = device(live_server, "console-1")
    sup = supervisor(live_server.url)
    new_pin = "97531"
    assert call(sup, "save_officer", {"officer": "dewi", "name": "Dewi", "pin": new_pin,
                                      "supervisor": True})["ok"]
    waiting, reply = pairing_request(live_server.url)
    paired = call(sup, "approve_pairing", {"code": reply["code"], "name": "kiosk-9",
                                           "role": "kiosk"})
    assert paired["ok"]
    token = waiting.recv()["token"]
    supervisor(live_server.url, officer="dewi", pin=new_pin, device="web-2")
    console.ok("login", officer="dewi", pin=new_pin, counter="loket-1")  # at a counter too
    conn = sqlite3.connect(live_server.db_path)
    hashes = [h for (h,) in conn.execute("SELECT pin_hash FROM officers")]
    hashes += [h for (h,) in conn.execute("SELECT token_hash FROM devices")]
    conn.close()
    secrets = [SUPERVISOR_PIN, new_pin, token, *hashes]
    seen = [json.dumps(stored_events(live_server.db_path))]
    for client in (kiosk, admin, console, sup):
        client.ok("ping")
        seen.append(json.dumps(client.events))
        seen.append(json.dumps(client.welcome))
    # every line the server logged (the test's own clients log their frames: not those)
    seen += [record.getMessage() for record in caplog.records
             if not record.name.startswith("websockets.client")]
    assert any(record.name.startswith("antrean") for record in caplog.records)
    for secret in secrets:
        for text in seen:
            assert secret not in text
    assert "officers" not in kiosk.welcome["snapshot"]
    assert "devices" not in admin.welcome["snapshot"]  # only a supervisor's lists them


def test_the_lockout_counts_per_address_whatever_the_label(live_server):
    for i in range(LOCKOUT_AFTER):
        client, reply = supervisor_hello(live_server.url, pin="000000", device=f"web-{i}")
        assert reply["error"]["code"] in ("unauthorized", "locked_out")
    client, reply = supervisor_hello(live_server.url, device="web-fresh")  # the right PIN
    assert reply["type"] == "error" and reply["error"]["code"] == "locked_out"
    assert client.close_code() == m.POLICY_VIOLATION
    # a counter login of the same officer at a console is not locked by it
    console = device(live_server, "console-1")
    console.ok("login", officer="siti", pin=SUPERVISOR_PIN, counter="loket-1")


def test_a_label_does_not_reach_another_devices_kept_results(live_server):
    kiosk = device(live_server, "kiosk-1")
    issued = kiosk.ok("issue_ticket", cmd_id="same-id", service="paspor-baru", lane="reguler")
    sup = supervisor(live_server.url, device="kiosk-1")
    result = sup.command("reinstate", cmd_id="same-id", ticket="A001")
    assert result["ok"] is False and result["error"]["code"] == "invalid_state"
    assert issued["status_url"] not in json.dumps(result)


def _from_address(url: str, address: str) -> tuple[object, dict]:
    """A pairing request whose connection comes from `address` (a loopback address)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    sock = socket.create_connection((host, int(port)), timeout=TIMEOUT,
                                    source_address=(address, 0))
    ws = connect(url, sock=sock, open_timeout=TIMEOUT, compression=None, legacy=True)
    ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "kiosk", "device": "k",
                        "pairing": True}))
    return ws, json.loads(ws.recv(timeout=TIMEOUT))


def test_pairing_requests_are_limited_per_address_and_in_all(live_server):
    held = []
    for _ in range(supervision.PAIRING_PER_ADDRESS):
        held.append(pairing_request(live_server.url)[0])
    client, reply = pairing_request(live_server.url)
    assert reply["type"] == "error" and reply["error"]["code"] == "rate_limited"
    assert client.close_code() == m.POLICY_VIOLATION
    waiting = len(held)
    address = 2
    while waiting < supervision.PAIRING_MAX:
        ws, reply = _from_address(live_server.url, f"127.0.0.{address}")
        assert reply["type"] == "pairing", reply
        held.append(ws)
        waiting += 1
        if waiting % supervision.PAIRING_PER_ADDRESS == 0:
            address += 1
    ws, reply = _from_address(live_server.url, "127.0.0.99")
    assert reply["type"] == "error" and reply["error"]["code"] == "rate_limited"


def test_an_expired_code_is_closed_and_cannot_be_approved(live_server):
    sup = supervisor(live_server.url)
    waiting, reply = pairing_request(live_server.url)
    hub = live_server.thread.hub
    request = hub.supervision.pending[reply["code"].replace(" ", "")]
    request.expires_at -= supervision.PAIRING_TTL + timedelta(seconds=1)
    error = waiting.recv(timeout=TIMEOUT + 5)  # the next tick expires it
    assert error["type"] == "error" and error["error"]["code"] == "unauthorized"
    assert waiting.close_code() == m.POLICY_VIOLATION
    closed = sup.event("pairing_closed", timeout=TIMEOUT + 5)["data"]
    assert closed == {"code": reply["code"], "outcome": "expired"}
    late = call(sup, "approve_pairing", {"code": reply["code"], "name": "kiosk-9",
                                         "role": "kiosk"})
    assert late["error"]["code"] == "not_found"
