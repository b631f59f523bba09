"""Frames read straight off the bytes (`HubConnection._read_direct`) against the real
server, written byte by byte by a raw socket client: split anywhere, packed together,
mixed with pings and fragments, and breaking the rules. Whatever the framing, each
message is one message, in order, and a broken frame is failed as websockets fails it."""

from __future__ import annotations

import base64
import json
import os
import random
import socket
import struct
from typing import Any

import pytest
from ws_helpers import TIMEOUT, device

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


def client_frame(opcode: int, payload: bytes, *, fin: bool = True, masked: bool = True,
                 rsv: int = 0, claimed_length: int | None = None) -> bytes:
    """One client frame, masked with a random key unless told otherwise."""
    n = len(payload) if claimed_length is None else claimed_length
    first = (0x80 if fin else 0) | rsv << 4 | opcode
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head = struct.pack("!BB", first, mask_bit | n)
    elif n < 65536:
        head = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def command(cmd_id: str, name: str = "ping", **args: Any) -> bytes:
    return json.dumps({"type": "command", "id": cmd_id, "name": name,
                       "args": args}).encode()


class RawClient:
    """A WebSocket client that writes exactly the bytes a test gives it."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("ws://").split("/")[0].split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._read()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def _read(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the server closed the connection")
        return data

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.buf += self._read()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self) -> tuple[int, bytes]:
        """The next server frame: (opcode, payload)."""
        first, second = self._take(2)
        assert not second & 0x80  # a server never masks
        n = second & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8))[0]
        return first & 0x0F, self._take(n)

    def message(self) -> dict[str, Any]:
        """The next text message that is not an event (pongs are skipped)."""
        while True:
            opcode, payload = self.frame()
            if opcode == PONG:
                continue
            assert opcode == TEXT, (opcode, payload)
            msg = json.loads(payload)
            if msg["type"] != "event":
                return msg

    def close_code(self) -> int:
        """Read until the server's close frame; its code."""
        while True:
            opcode, payload = self.frame()
            if opcode == CLOSE:
                return struct.unpack("!H", payload[:2])[0]

    def send(self, data: bytes, pieces: int = 1, seed: int = 0) -> None:
        """Write `data` in `pieces` writes cut at random places."""
        cuts = sorted(random.Random(seed).sample(range(1, len(data)), pieces - 1))
        for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
            self.sock.sendall(data[start:end])

    def hello(self, live_server: Any, name: str = "kiosk-1") -> None:
        self.send(client_frame(TEXT, json.dumps({
            "type": "hello", "protocol": 1, "role": "kiosk", "device": name,
            "token": live_server.tokens[name]}).encode()))
        assert self.message()["type"] == "welcome"

    def close(self) -> None:
        self.sock.close()


def server_side(live_server: Any, name: str) -> Any:
    """The server's connection object for a device (read across threads: a flag only)."""
    (client,) = [c for c in live_server.thread.hub.clients if c.device == name]
    return client.ws


def test_commands_are_read_direct_once_the_hello_is_in(live_server):
    # Reading direct rests on how websockets' parser waits for a frame; if a new
    # websockets version waits differently, nothing is read direct: this test says so.
    kiosk = device(live_server, "kiosk-1")
    kiosk.ok("issue_ticket", service="informasi", lane="reguler")
    assert server_side(live_server, "kiosk-1")._direct
    kiosk.close()


@pytest.mark.parametrize("pieces", [1, 7, 300])
def test_frames_cut_anywhere_or_packed_together_are_each_one_message(live_server, pieces):
    raw = RawClient(live_server.url)
    raw.hello(live_server)
    issue = command("issue", "issue_ticket", service="informasi", lane="reguler")
    medium = command("medium", "ping", note="x" * 300)  # a 16-bit length
    huge = command("huge", "ping", note="x" * 70_000)  # a 64-bit length, over 64 KiB
    data = b"".join(client_frame(TEXT, p) for p in (issue, medium, huge, command("last")))
    raw.send(data, pieces=pieces, seed=pieces)
    got = [raw.message() for _ in range(4)]
    # a frame refused before it is a command is answered at once; results after commit
    (error,) = [msg for msg in got if msg["type"] == "error"]
    assert error["error"]["code"] == "bad_request" and "larger than" in error["error"]["message"]
    results = [msg for msg in got if msg["type"] == "result"]
    assert [r["id"] for r in results] == ["issue", "medium", "last"]
    assert all(r["ok"] for r in results) and results[0]["data"]["number"] == "F001"
    assert server_side(live_server, "kiosk-1")._direct
    raw.close()


def test_a_ping_between_commands_is_answered_and_reading_goes_on(live_server):
    raw = RawClient(live_server.url)
    raw.hello(live_server)
    raw.send(client_frame(TEXT, command("a")) + client_frame(PING, b"are you there")
             + client_frame(TEXT, command("b")))
    seen = []
    while len(seen) < 3:
        opcode, payload = raw.frame()
        if opcode == PONG:
            seen.append(("pong", payload))
        elif json.loads(payload)["type"] == "result":
            seen.append(("result", json.loads(payload)["id"]))
    # websockets answers the ping at once; results go out after their commit
    assert [x for x in seen if x[0] == "result"] == [("result", "a"), ("result", "b")]
    assert ("pong", b"are you there") in seen
    assert server_side(live_server, "kiosk-1")._direct  # back to reading direct
    raw.send(client_frame(TEXT, command("c")))
    assert raw.message()["id"] == "c"
    raw.close()


def test_a_fragmented_message_between_whole_ones(live_server):
    raw = RawClient(live_server.url)
    raw.hello(live_server)
    middle = command("middle")
    raw.send(client_frame(TEXT, command("before"))
             + client_frame(TEXT, middle[:9], fin=False)
             + client_frame(CONT, middle[9:20], fin=False)
             + client_frame(PING, b"")  # a control frame may come between fragments
             + client_frame(CONT, middle[20:])
             + client_frame(TEXT, command("after")), pieces=5, seed=3)
    ids = [raw.message()["id"] for _ in range(3)]
    assert ids == ["before", "middle", "after"]
    assert server_side(live_server, "kiosk-1")._direct
    raw.close()


@pytest.mark.parametrize(("broken", "code"), [
    (client_frame(TEXT, command("x"), masked=False), 1002),  # clients must mask
    (client_frame(TEXT, command("x"), rsv=4), 1002),  # RSV1 without an extension
    (client_frame(0x3, b"{}"), 1002),  # a reserved opcode
    (client_frame(CONT, b"{}"), 1002),  # a continuation of nothing
    (client_frame(TEXT, b"", claimed_length=2 * 1024 * 1024), 1009),  # over max_size
    (client_frame(TEXT, b'{"type": "ping\xff"}'), 1007),  # not UTF-8
])
def test_a_frame_that_breaks_the_rules_is_failed_after_what_came_before(live_server,
                                                                         broken, code):
    raw = RawClient(live_server.url)
    raw.hello(live_server)
    issue = command("fine", "issue_ticket", service="informasi", lane="reguler")
    never = command("never", "issue_ticket", service="informasi", lane="reguler")
    raw.send(client_frame(TEXT, issue) + broken + client_frame(TEXT, never))
    assert raw.close_code() == code  # at once: the result of "fine" is not waited for
    raw.close()
    kiosk = device(live_server, "kiosk-2")  # the server carries on
    # "fine" was taken (F001); what came after the broken frame never was
    assert kiosk.ok("issue_ticket", service="informasi", lane="reguler")["number"] == "F002"
    kiosk.close()


def test_a_close_frame_is_answered_with_a_close(live_server):
    raw = RawClient(live_server.url)
    raw.hello(live_server)
    issue = command("fine", "issue_ticket", service="informasi", lane="reguler")
    raw.send(client_frame(TEXT, issue) + client_frame(CLOSE, struct.pack("!H", 1000)))
    assert raw.close_code() == 1000
    raw.close()
    kiosk = device(live_server, "kiosk-2")
    assert kiosk.ok("issue_ticket", service="informasi", lane="reguler")["number"] == "F002"
    kiosk.close()


def test_a_short_broken_frame_alone_is_failed_at_once(live_server):
    # two bytes, unmasked, and nothing after them: no waiting for more bytes first
    raw = RawClient(live_server.url)
    raw.hello(live_server)
    raw.send(client_frame(TEXT, b"", masked=False))
    assert raw.close_code() == 1002
    raw.close()
