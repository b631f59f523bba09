"""The load generator of `bench_issue`: N kiosks, each on its own connection, issuing one
ticket after another (each waits for its `ok` result, i.e. for the commit, before the
next).

A load generator must not be what it measures: on a two-core machine the `websockets`
asyncio client spends about as much CPU per message as the server does (a task switch,
futures and a message queue per frame), and every kiosk receives every ticket's event.
So the kiosks speak through websockets' Sans-I/O client protocol (`ClientProtocol`: the
library's own handshake, frame parser and serialiser, pings answered) over a plain
asyncio Protocol, and skip events by the start of their text.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

ISSUE = {"service": "informasi", "lane": "reguler"}


class Kiosk(asyncio.Protocol):
    def __init__(self, url: str, name: str, token: str, run_id: str) -> None:
        self.ws = ClientProtocol(parse_uri(url), max_size=None)  # welcomes can be large
        self.name, self.token, self.run_id = name, token, run_id
        self.transport: asyncio.Transport | None = None
        self.welcomed: asyncio.Future = asyncio.get_running_loop().create_future()
        self.on_result: Callable[[dict], None] | None = None
        self.sent = 0

    # ---- the wire, through the library's protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                self._send({"type": "hello", "protocol": 1, "role": "kiosk",
                            "device": self.name, "token": self.token})
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._text(event.data)
        self._flush()  # pongs the protocol queued, and what _text sent

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.welcomed.done():
            self.welcomed.set_exception(ConnectionError(f"{self.name}: connection lost"))

    def _flush(self) -> None:
        for data in self.ws.data_to_send():
            if data:
                self.transport.write(data)

    def _send(self, message: dict) -> None:
        self.ws.send_text(json.dumps(message).encode())

    # ---- the kiosk
    def _text(self, data: bytes) -> None:
        head = bytes(data[:40])
        if b'"type":"welcome"' in head:
            if not self.welcomed.done():
                self.welcomed.set_result(None)
        elif b'"type":"result"' in head and self.on_result is not None:
            self.on_result(json.loads(data))
        # a broadcast event: skipped, as a load generator need not read it

    def issue(self) -> str:
        self.sent += 1
        cid = f"{self.run_id}-{self.name}-{self.sent}"
        self._send({"type": "command", "id": cid, "name": "issue_ticket", "args": ISSUE})
        self._flush()
        return cid

    def close(self) -> None:
        self.ws.send_close()
        self._flush()
        self.transport.close()


class Fleet:
    """The kiosks, connected once; `round(seconds)` → (acknowledged issues/s, numbers)."""

    def __init__(self, port: int, tokens: dict[str, str]) -> None:
        self.port, self.tokens = port, tokens
        self.run_id = os.urandom(4).hex()  # ids must be new in every run: a re-send otherwise
        self.kiosks: list[Kiosk] = []

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        url = f"ws://127.0.0.1:{self.port}/ws"
        for name, token in self.tokens.items():
            _, kiosk = await loop.create_connection(
                lambda n=name, t=token: Kiosk(url, n, t, self.run_id), "127.0.0.1", self.port)
            await kiosk.welcomed
            self.kiosks.append(kiosk)

    async def round(self, seconds: float) -> tuple[float, list[str]]:
        loop = asyncio.get_running_loop()
        numbers: list[str] = []
        done = loop.create_future()
        start = last_ack = time.monotonic()
        end = start + seconds
        running = len(self.kiosks)

        def next_for(kiosk: Kiosk) -> Callable[[dict], None]:
            waiting = kiosk.issue()

            def on_result(msg: dict) -> None:
                nonlocal waiting, last_ack, running
                if msg.get("id") != waiting:
                    return
                if not msg["ok"]:
                    done.set_exception(AssertionError(msg)) if not done.done() else None
                    return
                numbers.append(msg["data"]["number"])
                last_ack = time.monotonic()
                if last_ack < end:
                    waiting = kiosk.issue()
                else:
                    running -= 1
                    if running == 0 and not done.done():
                        done.set_result(None)
            return on_result

        for kiosk in self.kiosks:
            kiosk.on_result = next_for(kiosk)
        await done
        return len(numbers) / (last_ack - start), numbers

    async def close(self) -> None:
        for kiosk in self.kiosks:
            kiosk.close()
