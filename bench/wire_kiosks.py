"""A lean load generator for `bench_issue`: N kiosks speaking the wire protocol straight
over asyncio Protocols, with no task or future per message.

A load generator must not be what it measures: on a two-core machine the `websockets`
client spends about as much CPU per round trip as the server does, so a benchmark driven
by it would report the client's speed. This one does the minimum the protocol asks of a
kiosk: the WebSocket upgrade, masked text frames (RFC 6455, a zero masking key), `hello`,
then `issue_ticket`, waiting for each command's `ok` result before sending the next. The
events broadcast meanwhile are received and skipped by their frame header alone.

The kiosks connect once and then issue in timed rounds, as a kiosk connects once in the
morning: a welcome (a snapshot of everything waiting, thousands of tickets in a
benchmark's backlog) is not part of issuing a ticket, and it must not be counted in a
round, nor still be streaming out while one runs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A final, masked frame; the zero key leaves the payload bytes as they are."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + b"\0\0\0\0" + payload


class WireKiosk(asyncio.Protocol):
    def __init__(self, name: str, token: str, service: str, welcomed: asyncio.Future,
                 run_id: str) -> None:
        self.name, self.token, self.service = name, token, service
        self.on_welcome = welcomed
        self.round_done: asyncio.Future | None = None
        self.end = 0.0  # of the current round
        self.last_ack = 0.0
        self.run_id = run_id  # command ids must be new in every run: a re-used id is a re-send
        self.buf = bytearray()
        self.upgraded = False
        self.welcomed = False
        self.sent = 0
        self.numbers: list[str] = []
        self.marker = b""
        self.transport: asyncio.Transport | None = None
        self.error: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((  # type: ignore[attr-defined]
            "GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())

    def connection_lost(self, exc: Exception | None) -> None:
        if self.error is None and (self.round_done is None or not self.round_done.done()):
            self.error = f"connection lost: {exc}"
        for future in (self.on_welcome, self.round_done):
            if future is not None and not future.done():
                future.set_result(None)

    def start_round(self, end: float, done: asyncio.Future) -> None:
        self.end, self.round_done = end, done
        self.numbers = []
        self._next()

    def _send(self, message: dict) -> None:
        self.transport.write(client_frame(0x1, json.dumps(message).encode()))

    def _next(self) -> None:
        if time.monotonic() >= self.end:
            self.round_done.set_result(None)
            return
        self.sent += 1
        cid = f"{self.run_id}-{self.name}-{self.sent}"
        self.marker = f'"id":"{cid}"'.encode()
        self._send({"type": "command", "id": cid, "name": "issue_ticket",
                    "args": {"service": self.service, "lane": "reguler"}})

    def _fail(self, error: str) -> None:
        self.error = error
        self.transport.close()
        if not self.on_welcome.done():
            self.on_welcome.set_result(None)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self._fail(f"upgrade refused: {bytes(buf[:80])!r}")
                return
            del buf[:end + 4]
            self.upgraded = True
            self._send({"type": "hello", "protocol": 1, "role": "kiosk", "device": self.name,
                        "token": self.token})
        pos = 0
        while len(buf) - pos >= 2:
            length, head = buf[pos + 1] & 0x7F, 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if len(buf) - pos < head + length:
                break
            opcode = buf[pos] & 0x0F
            start, pos = pos + head, pos + head + length
            if opcode == 0x9:  # the server's keepalive ping: a pong, or it closes us
                self.transport.write(client_frame(0xA, bytes(buf[start:pos])))
                continue
            if opcode != 0x1:
                continue
            if not self.welcomed:
                self.welcomed = True
                self.on_welcome.set_result(None)
            elif buf.startswith(b'{"type":"result"', start) and \
                    buf.find(self.marker, start, pos) >= 0:
                msg = json.loads(bytes(buf[start:pos]))
                if not msg["ok"]:
                    self._fail(f"issue refused: {msg}")
                    return
                self.numbers.append(msg["data"]["number"])
                self.last_ack = time.monotonic()
                self._next()
        del buf[:pos]


class Fleet:
    """N kiosks, connected and welcomed once, issuing in timed rounds."""

    def __init__(self, host: str, port: int, tokens: dict[str, str],
                 service: str = "informasi") -> None:
        self.host, self.port, self.tokens, self.service = host, port, tokens, service
        self.kiosks: list[WireKiosk] = []

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        run_id = os.urandom(4).hex()
        for name, token in self.tokens.items():
            welcomed = loop.create_future()
            _, kiosk = await loop.create_connection(
                lambda n=name, t=token, w=welcomed: WireKiosk(n, t, self.service, w, run_id),
                self.host, self.port)
            self.kiosks.append(kiosk)
        await asyncio.gather(*(k.on_welcome for k in self.kiosks))
        self._raise_errors()

    async def round(self, seconds: float) -> tuple[float, list[str]]:
        """Issue from every kiosk for `seconds`: (acknowledged tickets per second, numbers)."""
        loop = asyncio.get_running_loop()
        start = time.monotonic()
        done = []
        for k in self.kiosks:
            k.last_ack = start
            done.append(loop.create_future())
            k.start_round(start + seconds, done[-1])
        await asyncio.gather(*done)
        self._raise_errors()
        numbers = [n for k in self.kiosks for n in k.numbers]
        return len(numbers) / (max(k.last_ack for k in self.kiosks) - start), numbers

    def close(self) -> None:
        for k in self.kiosks:
            k.transport.close()

    def _raise_errors(self) -> None:
        errors = [k.error for k in self.kiosks if k.error]
        if errors:
            raise RuntimeError(errors[0])
