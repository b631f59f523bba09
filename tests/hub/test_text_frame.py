"""The hub builds its server text frames itself (once per message, shared by every
client): byte for byte what websockets' own serializer makes, at every length boundary."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from server.hub.websocket import text_frame


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 70_000])
def test_text_frame_is_what_websockets_serializes(length):
    payload = bytes(i % 251 for i in range(length))
    assert text_frame(payload) == Frame(Opcode.TEXT, payload).serialize(mask=False,
                                                                         extensions=[])
