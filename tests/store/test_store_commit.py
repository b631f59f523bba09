"""The store's commit: every part of a group in one transaction, durable when
`commit_encoded` returns, all or nothing. Real SQLite throughout; failures are made by
the database itself (a trigger, a size limit it enforces)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from server.engine.model import Changes
from server.store.sqlite import Store, StoreError, encode_part

AT, DAY = "2026-11-23T08:00:00.000+07:00", "2026-11-23"


def part(*names: str, result_id: str = "r1"):
    events = [(AT, DAY, "kiosk-1", name, {"n": i, "teks": "antrean ✓"})
              for i, name in enumerate(names)]
    return encode_part(events, Changes(), [("kiosk-1", result_id, AT, '{"ok":true}')])


def committed(path) -> tuple[list[tuple[int, str]], list[str]]:
    """What survives: another connection's view of the events and the results."""
    with sqlite3.connect(path) as other:
        return (other.execute("SELECT seq, name FROM events ORDER BY seq").fetchall(),
                [r for (r,) in other.execute("SELECT id FROM command_results ORDER BY rowid")])


def test_a_group_is_committed_whole_with_each_parts_seq_range(tmp_path):
    store = Store(tmp_path / "a.db")
    ranges: list = []
    # the hub commits on a thread: the connection must not be tied to the one that made it
    worker = threading.Thread(target=lambda: ranges.extend(store.commit_encoded(
        [part("ticket_issued", "ticket_called"), part(result_id="r2"), part("alert")])))
    worker.start()
    worker.join(10)
    assert ranges == [(1, 2), (3, 2), (3, 3)]  # a part without events: an empty range
    assert store.seq == 3
    assert committed(store.path) == ([(1, "ticket_issued"), (2, "ticket_called"),
                                      (3, "alert")], ["r1", "r2", "r1"])
    # the payload JSON is stored as encoded, non-ASCII kept
    assert store.events_since(0, 10)[0][3] == {"n": 0, "teks": "antrean ✓"}
    assert store.commit_encoded([part("ticket_finished", result_id="r3")]) == [(4, 4)]
    assert store.health()["last_commit"]["ok"] is True
    store.close()


def test_a_failed_write_refuses_commits_until_the_hub_reloads(tmp_path):
    store = Store(tmp_path / "b.db")
    store.commit_encoded([part("ticket_issued")])
    store.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON command_results "
                       "WHEN NEW.id = 'doomed' BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
        store.commit_encoded([part("ticket_called"), part("alert", result_id="doomed")])
    assert store.failed and not store.writer.in_transaction and store.seq == 1
    assert committed(store.path) == ([(1, "ticket_issued")], ["r1"])  # nothing of the group
    health = store.health()
    assert health["db"] == "error" and "disk says no" in health["reason"]
    # batches prepared on the lost state are refused
    with pytest.raises(StoreError, match="earlier commit failed"):
        store.commit_encoded([part("ticket_finished", result_id="r9")])
    store.clear_failure()
    assert store.commit_encoded([part("ticket_called", result_id="r3")]) == [(2, 2)]
    assert store.health()["db"] == "ok"
    store.close()


def test_a_commit_that_needs_more_room_than_there_is_leaves_nothing(tmp_path):
    store = Store(tmp_path / "c.db")
    store.commit_encoded([part("ticket_issued")])
    store.limit_pages(1)  # as a full disk: SQLITE_FULL as soon as the file must grow
    big = encode_part([(AT, DAY, "kiosk-1", "alert", {"pad": "x" * 4000})] * 50, Changes(), [])
    with pytest.raises(sqlite3.OperationalError, match="full"):
        store.commit_encoded([part("ticket_called", result_id="r2"), big])
    assert store.failed and store.seq == 1
    assert committed(store.path) == ([(1, "ticket_issued")], ["r1"])
    assert "full" in store.health()["reason"]
    store.limit_pages(None)
    store.clear_failure()
    assert store.commit_encoded([part("ticket_called", result_id="r2"), big]) == [(2, 2),
                                                                                  (3, 52)]
    store.close()
