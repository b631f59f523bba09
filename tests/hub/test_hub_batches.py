"""The hub's batches, driven without sockets: the real hub, engine and SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime

from server.engine import Actor
from server.hub.clients import Client
from server.hub.websocket import Hub, Work
from server.store.sqlite import Store

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def issue(client: Client, cid: str) -> Work:
    return Work("command", client, {"type": "command", "id": cid, "name": "issue_ticket",
                                    "args": {"service": "informasi", "lane": "reguler"}},
                Actor("kiosk", client.device))


def test_a_welcome_in_a_batch_shows_everything_up_to_its_seq(tmp_path, open_office):
    # A board's hello and a kiosk's ticket land in one batch, the hello first. The
    # board's welcome says seq = the batch's last event and the board gets events only
    # from the next batch on: its snapshot must already hold the new ticket.
    store = Store(tmp_path / "a.db")
    hub = Hub(open_office, store, lambda: NOW)
    board = Client(ws=None, role="display", device="board-1")
    kiosk = Client(ws=None, role="kiosk", device="kiosk-1")
    prepared = hub._prepare([Work("hello", board, last_seq=0), issue(kiosk, "c1")])
    (first, last), = store.commit_encoded([prepared.encoded])
    (client, _last_seq, welcome), = prepared.welcomes
    assert client is board
    assert [tk["number"] for tk in welcome["snapshot"]["waiting"]] == ["F001"]
    assert (first, last) == (1, len(prepared.events))  # the seq the welcome will carry
    store.close()


def test_a_batch_stores_the_engine_meta_as_of_its_end(tmp_path, open_office):
    # A restart continues the numbering after every ticket the batch issued.
    store = Store(tmp_path / "a.db")
    hub = Hub(open_office, store, lambda: NOW)
    kiosk = Client(ws=None, role="kiosk", device="kiosk-1")
    prepared = hub._prepare([issue(kiosk, "a"), issue(kiosk, "b"), issue(kiosk, "c")])
    store.commit_encoded([prepared.encoded])
    store.close()
    reopened = Store(tmp_path / "a.db")
    after_restart = Hub(open_office, reopened, lambda: NOW)
    assert after_restart.engine.numbers == {"F": 3}
    assert after_restart.engine.issued == {"informasi/reguler": 3}
    reopened.close()


def test_a_re_sent_command_in_the_same_batch_is_answered_by_the_first(tmp_path, open_office):
    store = Store(tmp_path / "a.db")
    hub = Hub(open_office, store, lambda: NOW)
    kiosk = Client(ws=None, role="kiosk", device="kiosk-1")
    prepared = hub._prepare([issue(kiosk, "same"), issue(kiosk, "same")])
    (_, first), (_, second) = prepared.replies
    assert first == second
    assert [name for _at, _day, _actor, name, _data in prepared.events] == ["ticket_issued"]
    store.close()
