"""A lean load generator for `bench_issue`: N kiosks speaking the wire protocol straight
over asyncio Protocols, with no task or future per message.

A load generator must not be what it measures: on a two-core machine the `websockets`
client spends about as much CPU per round trip as the server does, so a benchmark driven
by it would report the client's speed. This one does the minimum the protocol asks of a
kiosk: the WebSocket upgrade, masked text frames (RFC 6455, a zero masking key), `hello`,
then `issue_ticket`, waiting for each command's `ok` result before sending the next. The
events broadcast meanwhile are received and skipped by their frame header alone.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time


def client_text_frame(payload: bytes) -> bytes:
    """A final, masked text frame; the zero key leaves the payload bytes as they are."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x81, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x81, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
    return head + b"\0\0\0\0" + payload


class WireKiosk(asyncio.Protocol):
    def __init__(self, name: str, token: str, service: str, end: float,
                 done: asyncio.Future, run_id: str) -> None:
        self.name, self.token, self.service, self.end, self.done = name, token, service, end, done
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
        if not self.done.done():
            self.done.set_result(None)

    def _send(self, message: dict) -> None:
        self.transport.write(client_text_frame(json.dumps(message).encode()))

    def _next(self) -> None:
        if time.monotonic() >= self.end:
            self.transport.close()
            return
        self.sent += 1
        cid = f"{self.run_id}-{self.name}-{self.sent}"
        self.marker = f'"id":"{cid}"'.encode()
        self._send({"type": "command", "id": cid, "name": "issue_ticket",
                    "args": {"service": self.service, "lane": "reguler"}})

    def _fail(self, error: str) -> None:
        self.error = error
        self.transport.close()

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
            if opcode != 0x1:
                continue  # pings are answered by nobody: the run is far shorter than 20 s
            if not self.welcomed:
                self.welcomed = True
                self._next()
            elif buf.startswith(b'{"type":"result"', start) and \
                    buf.find(self.marker, start, pos) >= 0:
                msg = json.loads(bytes(buf[start:pos]))
                if not msg["ok"]:
                    self._fail(f"issue refused: {msg}")
                    return
                self.numbers.append(msg["data"]["number"])
                self._next()
        del buf[:pos]


async def run(host: str, port: int, tokens: dict[str, str], seconds: float,
              service: str = "informasi") -> tuple[int, list[str]]:
    """Issue tickets from every kiosk for `seconds`; (acknowledged count, numbers)."""
    loop = asyncio.get_running_loop()
    end = time.monotonic() + seconds
    run_id = os.urandom(4).hex()
    kiosks = []
    for name, token in tokens.items():
        done = loop.create_future()
        _, kiosk = await loop.create_connection(
            lambda n=name, t=token, d=done: WireKiosk(n, t, service, end, d, run_id), host, port)
        kiosks.append(kiosk)
    await asyncio.gather(*(k.done for k in kiosks))
    errors = [k.error for k in kiosks if k.error]
    if errors:
        raise RuntimeError(errors[0])
    numbers = [n for k in kiosks for n in k.numbers]
    return len(numbers), numbers
