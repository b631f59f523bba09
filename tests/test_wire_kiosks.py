"""The benchmark's lean kiosks speak enough WebSocket to stay connected: a run longer than
the server's keepalive (a ping every 20 s, closed without a pong within 20 s) must not
lose them."""

from __future__ import annotations

import asyncio

from bench.wire_kiosks import WireKiosk, client_frame


class Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def close(self) -> None:
        pass


def server_frame(opcode: int, payload: bytes) -> bytes:  # unmasked, as a server sends
    return bytes([0x80 | opcode, len(payload)]) + payload


def test_a_kiosk_answers_the_servers_keepalive_ping_with_its_payload():
    loop = asyncio.new_event_loop()
    try:
        kiosk = WireKiosk("kiosk-1", "token", "informasi", loop.create_future(), "run")
        transport = Transport()
        kiosk.connection_made(transport)
        kiosk.data_received(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"
                            + server_frame(0x1, b'{"type":"welcome"}'))
        assert kiosk.welcomed
        sent = len(transport.written)
        kiosk.data_received(server_frame(0x9, b"beat"))
        assert transport.written[sent:] == [client_frame(0xA, b"beat")]
        # a final, masked pong (zero key), 4 bytes of payload
        assert transport.written[-1] == bytes([0x8A, 0x84, 0, 0, 0, 0]) + b"beat"
    finally:
        loop.close()
