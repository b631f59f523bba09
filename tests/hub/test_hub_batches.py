"""The hub's batches, driven without sockets: the real hub, engine and SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime

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
