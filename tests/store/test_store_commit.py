"""The store's two-phase commit: the hub writes a group on its event loop
(`begin_commit`) and commits it on its commit thread (`finish_commit`). Real SQLite
throughout; failures are made by the database itself (a trigger, a deferred foreign key)."""

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


def committed_events(path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as other:  # what survives: another connection's view
        return other.execute("SELECT seq, name FROM events ORDER BY seq").fetchall()


def test_begin_on_one_thread_finish_on_another(tmp_path):
    store = Store(tmp_path / "a.db")
    ranges = store.begin_commit([part("ticket_issued", "ticket_called"), part("alert")])
    assert ranges == [(1, 2), (3, 3)]
    # written but not committed: nobody else sees it, and the seq has not moved
    assert committed_events(store.path) == []
    assert store.seq == 0
    errors: list[BaseException] = []

    def commit() -> None:
        try:
            store.finish_commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=commit)
    worker.start()
    worker.join(10)
    assert not errors
    assert store.seq == 3
    assert committed_events(store.path) == [(1, "ticket_issued"), (2, "ticket_called"),
                                            (3, "alert")]
    # the payload JSON is stored as encoded, non-ASCII kept
    assert store.events_since(0, 10, upto=3)[0][3] == {"n": 0, "teks": "antrean ✓"}
    # and the next group follows on
    assert store.commit_encoded([part("ticket_finished", result_id="r2")]) == [(4, 4)]
    store.close()


def test_a_failed_write_refuses_commits_until_the_hub_reloads(tmp_path):
    store = Store(tmp_path / "b.db")
    store.commit_encoded([part("ticket_issued")])
    store.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON command_results "
                       "WHEN NEW.id = 'doomed' BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
        store.begin_commit([part("ticket_called", result_id="doomed")])
    assert store.failed and not store.writer.in_transaction
    assert committed_events(store.path) == [(1, "ticket_issued")]
    # batches prepared on the lost state are refused, without blocking
    with pytest.raises(StoreError, match="earlier commit failed"):
        store.begin_commit([part("ticket_finished", result_id="r9")])
    store.clear_failure()
    assert store.commit_encoded([part("ticket_called", result_id="r3")]) == [(2, 2)]
    store.close()


def test_a_failed_commit_rolls_back_everything_of_the_group(tmp_path):
    store = Store(tmp_path / "c.db")
    # A deferred foreign key is only checked at COMMIT: the failure happens in
    # finish_commit, i.e. on the hub's commit thread, after every insert succeeded.
    store.conn.executescript("""
        CREATE TABLE parent(id INTEGER PRIMARY KEY);
        CREATE TABLE child(p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER late AFTER INSERT ON command_results WHEN NEW.id = 'doomed'
        BEGIN INSERT INTO child VALUES (42); END;
    """)
    store.begin_commit([part("ticket_issued"), part("ticket_called", result_id="doomed")])
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store.finish_commit()
    assert store.failed and store.seq == 0
    assert committed_events(store.path) == []
    assert store.write_lock.acquire(timeout=1)  # released although the commit failed
    store.write_lock.release()
    store.clear_failure()
    assert store.commit_encoded([part("ticket_issued", result_id="r4")]) == [(1, 1)]
    store.close()
