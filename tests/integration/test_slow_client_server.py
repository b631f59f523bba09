"""A client that stops reading is dropped; it never slows the others, who miss nothing."""

import json
import socket

from websockets.sync.client import connect

from antrean.demo_office import pair_demo_devices
from config.office import ServerLimits
from server.app import ServerThread


def _stalled_client(port: int) -> socket.socket:
    """A WebSocket client that says hello and then never reads again (tiny window)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 b"Sec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert b" 101 " in head
    hello = json.dumps({"type": "hello", "protocol": 1, "role": "observer"}).encode()
    sock.sendall(_masked_text(hello))
    return sock


def _masked_text(payload: bytes) -> bytes:
    mask = b"\x01\x02\x03\x04"
    n = len(payload)
    header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                              bytes([0x80 | 126]) + n.to_bytes(2, "big"))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def test_stalled_client_is_dropped_and_others_get_every_event(tmp_path, open_office):
    config = open_office.model_copy(update={"server": ServerLimits(commands_per_second=10_000,
                                                                   command_burst=10_000)})
    db = tmp_path / "a.db"
    tokens = pair_demo_devices(db)
    with ServerThread(config, db) as server:
        server.hub.slow_client_limit = 64 * 1024
        stalled = _stalled_client(server.port)
        # the board reads (and answers pings) all along; its messages wait in its own queue
        with connect(server.url) as admin, connect(server.url, max_queue=None) as board:
            admin.send(json.dumps({"type": "hello", "role": "admin", "device": "admin-1",
                                   "token": tokens["admin-1"]}))
            assert json.loads(admin.recv(timeout=10))["type"] == "welcome"
            board.send(json.dumps({"type": "hello", "role": "observer"}))
            first = json.loads(board.recv(timeout=10))["seq"]
            text = "Waspada calo! " * 35  # ~500 characters: each event about 1.1 KB
            sent = 0
            while len(server.hub.clients) > 2:  # until the stalled client is dropped
                assert sent < 5000, "the stalled client was never dropped"
                sent += 1
                admin.send(json.dumps({"type": "command", "id": f"a{sent}",
                                       "name": "set_announcement",
                                       "args": {"text": {"id": text, "en": str(sent)}}}))
                while json.loads(admin.recv(timeout=10)).get("type") != "result":
                    pass
            # the board kept up and saw every event in order, without a gap
            seqs = []
            while len(seqs) < sent:
                msg = json.loads(board.recv(timeout=10))
                if msg["type"] == "event":
                    seqs.append(msg["seq"])
            assert seqs == list(range(first + 1, first + sent + 1))
        stalled.close()
