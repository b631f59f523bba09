"""One unauthenticated client must not stall the queue or grow the server's memory: every
frame counts against its rate, one resync is answered at a time, and every write to it
respects the slow-client limit (bytes sent and not yet acknowledged).

The attacker is a plain socket with a tiny receive window that never reads; its frames are
made by websockets' own Sans-I/O client protocol (no hand-built frames)."""

from __future__ import annotations

import json
import socket

from websockets.client import ClientProtocol
from websockets.frames import Frame
from websockets.uri import parse_uri

from tests.integration.ws_helpers import device

RESYNCS = 3000


def open_attacker(port: int) -> tuple[socket.socket, ClientProtocol]:
    protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}/ws"), max_size=None)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    protocol.send_request(protocol.connect())
    sock.sendall(b"".join(protocol.data_to_send()))
    while protocol.handshake_exc is None and not protocol.events_received() and \
            protocol.state.name == "CONNECTING":
        protocol.receive_data(sock.recv(4096))
    assert protocol.state.name == "OPEN"
    return sock, protocol


def read_until(sock: socket.socket, protocol: ClientProtocol, result_id: str | None = None
               ) -> list[Frame]:
    """What the server sent: up to the result `result_id`, or until it closed."""
    sock.settimeout(30)
    frames: list[Frame] = []
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            protocol.receive_eof()
            frames += protocol.events_received()
            break
        protocol.receive_data(data)
        new = protocol.events_received()
        frames += new
        if result_id and any(f.opcode.name == "TEXT" and f"\"id\":\"{result_id}\""
                             in f.data.decode() for f in new):
            break
    return frames


def test_a_resync_flood_from_a_client_that_never_reads(live_server):
    kiosk, other = device(live_server, "kiosk-1"), device(live_server, "kiosk-2")
    for _ in range(75):  # a busy morning: every welcome carries a large snapshot
        kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
        other.ok("issue_ticket", service="paspor-baru", lane="reguler")
    hub = live_server.thread.hub

    sock, protocol = open_attacker(live_server.thread.port)
    protocol.send_text(json.dumps({"type": "hello", "protocol": 1,
                                   "role": "observer"}).encode())
    for _ in range(RESYNCS):
        protocol.send_text(json.dumps({"type": "resync", "last_seq": 0}).encode())
    # its last frame: whatever the answer, it comes after everything else
    protocol.send_text(json.dumps({"type": "command", "id": "end", "name": "ping"}).encode())
    sock.sendall(b"".join(protocol.data_to_send()))

    # The queue goes on for everyone else meanwhile
    for _ in range(20):
        assert other.ok("ping")
    number = other.ok("issue_ticket", service="paspor-baru", lane="reguler")["number"]
    assert number == "A151"

    frames = read_until(sock, protocol, "end")
    texts = [json.loads(f.data) for f in frames if f.opcode.name == "TEXT"]
    welcomes = [m for m in texts if m["type"] == "welcome"]
    limited = [m for m in texts if m.get("error", {}).get("code") == "rate_limited"]
    # a resync weighs as ten frames against a burst of 100: a handful of snapshots, never
    # thousands; the rest was refused, or ignored while an answer was on its way
    assert 1 <= len(welcomes) <= 15, len(welcomes)
    assert len(limited) >= RESYNCS - 200
    assert sum(len(f.data) for f in frames) <= hub.slow_client_limit
    sock.close()
    kiosk.close()
    other.close()


def test_a_client_that_stops_reading_is_dropped_at_the_limit(live_server):
    # Replies count as much as events: a client asking for answers it never reads is
    # cut off once its unacknowledged bytes pass the limit, not kept growing.
    hub = live_server.thread.hub
    hub.slow_client_limit = 32 * 1024
    sock, protocol = open_attacker(live_server.thread.port)
    protocol.send_text(json.dumps({"type": "hello", "protocol": 1,
                                   "role": "observer"}).encode())
    sock.sendall(b"".join(protocol.data_to_send()))
    admin = device(live_server, "admin-1")
    text = "Waspada calo! " * 35  # ~0.5 KB in each event, to every client
    for i in range(99):
        admin.ok("set_announcement", text={"id": text, "en": str(i)})
    frames = read_until(sock, protocol)
    closes = [f for f in frames if f.opcode.name == "CLOSE"]
    assert closes and closes[0].data[:2] == (1013).to_bytes(2, "big")  # try again later
    assert sum(len(f.data) for f in frames) <= 32 * 1024 + 512 * 1024
    admin.close()


def test_every_frame_counts_against_the_rate(live_server):
    # Not only commands: bad frames and resyncs spend the same allowance.
    board = device(live_server, "board-1")
    for _ in range(60):
        board.send({"type": "resync", "last_seq": 0})
    replies = []
    while len(replies) < 60:
        msg = board.recv()
        if msg["type"] in ("welcome", "error"):
            replies.append(msg)
        if msg.get("error", {}).get("code") == "rate_limited":
            break
    assert any(m.get("error", {}).get("code") == "rate_limited" for m in replies)
    board.close()
