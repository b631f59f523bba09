"""The hub's batches, driven without sockets: the real hub, engine and SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

from websockets.protocol import State

from server.engine import Actor
from server.hub.websocket import Client, Hub, Work
from server.store.sqlite import Store


def test_a_welcome_in_a_batch_shows_everything_up_to_its_seq(tmp_path, open_office):
    # A board's hello and a kiosk's ticket land in one batch, the hello first. The
    # board's welcome says seq = the batch's last event and the board gets broadcasts
    # only from the next batch on: its snapshot must already hold the new ticket.
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    store = Store(tmp_path / "a.db")
    hub = Hub(open_office, store, lambda: now)
    board = Client(ws=None, role="display", device="board-1")
    kiosk = Client(ws=None, role="kiosk", device="kiosk-1")
    issue = {"type": "command", "id": "c1", "name": "issue_ticket",
             "args": {"service": "informasi", "lane": "reguler"}}
    prepared = hub._prepare([Work("hello", board, last_seq=0),
                             Work("command", kiosk, issue, Actor("kiosk", "kiosk-1"))])
    ranges, _ = hub._begin_commit([prepared])
    hub._finish_commit(ranges)
    (client, _last_seq, welcome), = prepared.hellos
    assert client is board
    waiting = [tk["number"] for tk in welcome["snapshot"]["waiting"]]
    assert waiting == ["F001"]
    assert ranges == [(1, len(prepared.events))]  # the seq the welcome will carry
    store.close()


class RecordingTransport:
    """Where the hub's frames for one client go: each write kept as it was made."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))


def connected(role: str, device: str, live: bool = False) -> Client:
    ws = SimpleNamespace(protocol=SimpleNamespace(state=State.OPEN), send_in_progress=None,
                         transport=RecordingTransport(), remote_address=None)
    return Client(ws=ws, role=role, device=device, live=live)


def messages(write: bytes) -> list[dict]:
    """The messages in one write of unmasked server text frames."""
    out, pos = [], 0
    while pos < len(write):
        assert write[pos] == 0x81  # FIN + text
        length, pos = write[pos + 1] & 0x7F, pos + 2
        if length == 126:
            length, pos = int.from_bytes(write[pos:pos + 2], "big"), pos + 2
        elif length == 127:
            length, pos = int.from_bytes(write[pos:pos + 8], "big"), pos + 8
        out.append(json.loads(write[pos:pos + length]))
        pos += length
    return out


def test_a_group_reaches_each_client_in_one_write_in_batch_order(tmp_path, open_office):
    # One commit (a group) holds two batches: first a board's hello and kiosk A's
    # ticket, then kiosk B's ticket. Each client must get the whole group in ONE write,
    # in the order the batches happened: the board its welcome (seq = end of batch 1),
    # then batch 2's events; the kiosks every event in seq order, and their results.
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    store = Store(tmp_path / "a.db")
    hub = Hub(open_office, store, lambda: now)
    board = connected("display", "board-1")
    kiosk_a = connected("kiosk", "kiosk-a", live=True)
    kiosk_b = connected("kiosk", "kiosk-b", live=True)
    hub.clients.update({kiosk_a, kiosk_b})

    def issue(cid: str) -> dict:
        return {"type": "command", "id": cid, "name": "issue_ticket",
                "args": {"service": "informasi", "lane": "reguler"}}

    first = hub._prepare([Work("hello", board, last_seq=0),
                          Work("command", kiosk_a, issue("a1"), Actor("kiosk", "kiosk-a"))])
    second = hub._prepare([Work("command", kiosk_b, issue("b1"), Actor("kiosk", "kiosk-b"))])
    ranges, _ = hub._begin_commit([first, second])
    hub._finish_commit(ranges)
    hub._deliver([first, second], ranges)
    (end_of_first, _), (_, last) = ranges[0], ranges[1]

    (board_write,) = board.ws.transport.writes
    welcome, *board_events = messages(board_write)
    assert welcome["type"] == "welcome" and welcome["seq"] == end_of_first
    assert [e["seq"] for e in board_events] == list(range(end_of_first + 1, last + 1))
    for kiosk, own in ((kiosk_a, "a1"), (kiosk_b, "b1")):
        (write,) = kiosk.ws.transport.writes
        got = messages(write)
        assert [e["seq"] for e in got if e["type"] == "event"] == list(range(1, last + 1))
        (result,) = [r for r in got if r["type"] == "result"]
        assert result["id"] == own and result["ok"]
    # kiosk A's result follows its own batch's events, before batch 2's
    got_a = messages(kiosk_a.ws.transport.writes[0])
    at = next(i for i, r in enumerate(got_a) if r["type"] == "result")
    assert got_a[at - 1]["seq"] == end_of_first and got_a[at + 1]["seq"] == end_of_first + 1
    store.close()


def test_a_group_stores_the_engine_meta_as_of_its_last_batch(tmp_path, open_office):
    # The meta record (ticket numbers, quotas used, ...) is exported once per group, at
    # its commit: it must be the state after the group's LAST batch, so a restart
    # continues the numbering after every ticket the group issued.
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    store = Store(tmp_path / "a.db")
    hub = Hub(open_office, store, lambda: now)
    kiosk = Client(ws=None, role="kiosk", device="kiosk-1")

    def issue(cid: str) -> Work:
        return Work("command", kiosk, {"type": "command", "id": cid, "name": "issue_ticket",
                                       "args": {"service": "informasi", "lane": "reguler"}},
                    Actor("kiosk", "kiosk-1"))

    group = [hub._prepare([issue("a")]), hub._prepare([issue("b"), issue("c")])]
    ranges, wrote = hub._begin_commit(group)
    hub._finish_commit(ranges)
    assert wrote
    store.close()
    reopened = Store(tmp_path / "a.db")
    after_restart = Hub(open_office, reopened, lambda: now)
    assert after_restart.engine.numbers == {"F": 3}
    assert after_restart.engine.issued == {"informasi/reguler": 3}
    reopened.close()
