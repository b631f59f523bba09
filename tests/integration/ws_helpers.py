"""A plain synchronous WebSocket client for tests against the real server.

Every receive has a timeout, so a broken server fails a test instead of hanging it.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

TIMEOUT = 10.0
_ids = itertools.count(1)


class WsClient:
    def __init__(self, url: str) -> None:
        self.ws: ClientConnection = connect(url, open_timeout=TIMEOUT, close_timeout=2,
                                            compression=None, max_size=None, legacy=True)
        self.events: list[dict[str, Any]] = []
        self.others: list[dict[str, Any]] = []
        self.welcome: dict[str, Any] | None = None

    # ---------------------------------------------------------------- raw
    def send(self, message: dict[str, Any] | str | bytes) -> None:
        self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=timeout))

    def raw_result(self, timeout: float = TIMEOUT) -> str:
        """The next result frame exactly as sent (events in between are kept)."""
        while True:
            text = self.ws.recv(timeout=timeout)
            msg = json.loads(text)
            if msg["type"] == "result":
                return text
            (self.events if msg["type"] == "event" else self.others).append(msg)

    def close(self) -> None:
        self.ws.close()

    def close_code(self, timeout: float = TIMEOUT) -> int | None:
        """Read until the server closes; the close code it sent."""
        try:
            while True:
                self.ws.recv(timeout=timeout)
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None

    # ---------------------------------------------------------------- protocol
    def hello(self, role: str, device: str | None = None, token: str | None = None,
              last_seq: int = 0, session: str | None = None) -> dict[str, Any]:
        msg: dict[str, Any] = {"type": "hello", "protocol": 1, "role": role,
                               "last_seq": last_seq}
        if device:
            msg["device"] = device
        if token:
            msg["token"] = token
        if session:
            msg["session"] = session
        self.send(msg)
        reply = self.recv()
        if reply["type"] == "welcome":
            self.welcome = reply
        return reply

    def command(self, name: str, cmd_id: str | None = None, **args: Any) -> dict[str, Any]:
        """Send a command and return its result; events met on the way are kept."""
        cmd_id = cmd_id or f"c{next(_ids)}"
        self.send({"type": "command", "id": cmd_id, "name": name, "args": args})
        return self.result_for(cmd_id)

    def result_for(self, cmd_id: str) -> dict[str, Any]:
        while True:
            msg = self.recv()
            if msg["type"] == "result" and msg.get("id") == cmd_id:
                return msg
            (self.events if msg["type"] == "event" else self.others).append(msg)

    def ok(self, name: str, **args: Any) -> Any:
        res = self.command(name, **args)
        assert res["ok"], res
        return res["data"]

    def refused(self, name: str, code: str, **args: Any) -> str:
        res = self.command(name, **args)
        assert not res["ok"] and res["error"]["code"] == code, res
        return res["error"]["message"]

    def event(self, name: str | None = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next event (of this name), from those already read or the socket."""
        for i, ev in enumerate(self.events):
            if name is None or ev["name"] == name:
                return self.events.pop(i)
        while True:
            msg = self.recv(timeout)
            if msg["type"] == "event":
                if name is None or msg["name"] == name:
                    return msg
                self.events.append(msg)
            else:
                self.others.append(msg)


class Clock:
    """A server's clock that only the test moves (`ServerThread(..., clock=Clock(t))`;
    `clock.now += timedelta(...)`)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def join(url: str, role: str, device: str | None = None, token: str | None = None,
         last_seq: int = 0) -> WsClient:
    client = WsClient(url)
    reply = client.hello(role, device, token, last_seq)
    assert reply["type"] == "welcome", reply
    return client


def device(server: Any, name: str) -> WsClient:
    """A paired demo device of the live server, welcomed."""
    role = {"kiosk": "kiosk", "console": "counter", "board": "display",
            "admin": "admin"}[name.split("-")[0]]
    return join(server.url, role, name, server.tokens[name])
