"""Supervisors, pairing devices and the events table, for tests against the real server."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from typing import Any

from antrean.demo_office import DEMO_SUPERVISOR
from tests.integration.ws_helpers import TIMEOUT, WsClient

SUPERVISOR, SUPERVISOR_PIN = DEMO_SUPERVISOR[0], DEMO_SUPERVISOR[2]
_ids = itertools.count(1)


def supervisor_hello(url: str, officer: str = SUPERVISOR, pin: str | None = SUPERVISOR_PIN,
                     device: str = "web-test") -> tuple[WsClient, dict[str, Any]]:
    """A console's hello; the client and the server's first answer."""
    client = WsClient(url)
    msg: dict[str, Any] = {"type": "hello", "protocol": 1, "role": "supervisor",
                           "device": device, "officer": officer, "last_seq": 0}
    if pin is not None:
        msg["pin"] = pin
    client.send(msg)
    reply = client.recv()
    if reply["type"] == "welcome":
        client.welcome = reply
    return client, reply


def supervisor(url: str, **kwargs: Any) -> WsClient:
    client, reply = supervisor_hello(url, **kwargs)
    assert reply["type"] == "welcome", reply
    return client


def pairing_request(url: str, role: str = "kiosk", device: str = "kiosk-baru"
                    ) -> tuple[WsClient, dict[str, Any]]:
    client = WsClient(url)
    client.send({"type": "hello", "protocol": 1, "role": role, "device": device,
                 "pairing": True, "last_seq": 0})
    return client, client.recv()


def stored_events(db_path: Path, name: str | None = None) -> list[tuple[str, str, str]]:
    """(actor, name, payload) of every stored event (of this name), in order."""
    conn = sqlite3.connect(db_path, timeout=TIMEOUT)
    try:
        rows = conn.execute("SELECT actor, name, payload FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()
    return [row for row in rows if name is None or row[1] == name]


def call(client: WsClient, command: str, args: dict[str, Any],
         cmd_id: str | None = None) -> dict[str, Any]:
    """A command whose arguments include `name` (which `WsClient.ok` takes for itself):
    its result."""
    cmd_id = cmd_id or f"{command}-{next(_ids)}"
    client.send({"type": "command", "id": cmd_id, "name": command, "args": args})
    return client.result_for(cmd_id)
