"""Online backup: a consistent copy while a writer thread keeps committing."""

import argparse
import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from antrean import report as cli
from antrean.cli import UserError
from server.engine.model import Changes
from server.store.backup import BackupError, backup
from server.store.sqlite import Store, encode_part


def test_backup_while_a_writer_commits(tmp_path):
    db = tmp_path / "live.db"
    store = Store(db, synchronous="NORMAL")
    stop = threading.Event()
    written = [0]
    started = threading.Event()

    def writer():
        n = 0
        while not stop.is_set() and n < 200_000:
            at = datetime.now(UTC).isoformat()
            batch = [(at, "2025-03-03", "w", "ticket_issued", {"n": n + i, "pad": "x" * 200})
                     for i in range(20)]
            store.commit_encoded([encode_part(batch, Changes(), [])])
            n += 20
            written[0] = n
            if n >= 2000:
                started.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert started.wait(30)
        copies = [backup(db, tmp_path / f"copy{i}.db") for i in range(3)]
    finally:
        stop.set()
        thread.join(30)
        store.close()
    assert written[0] > 2000
    for copy in copies:
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count, top = conn.execute("SELECT count(*), max(seq) FROM events").fetchone()
        # a snapshot of one committed state: whole batches, no gaps
        assert count == top and count % 20 == 0 and count >= 2000
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        conn.close()
        assert not copy.with_name(copy.name + ".partial").exists()


def test_backup_errors(tmp_path):
    with pytest.raises(BackupError):
        backup(tmp_path / "missing.db", tmp_path / "out.db")
    db = tmp_path / "a.db"
    Store(db).close()
    with pytest.raises(BackupError):
        backup(db, db)


def test_backup_cli(tmp_path, capsys):
    db = tmp_path / "a.db"
    Store(db).close()
    out = tmp_path / "sub" / "b.db"
    assert cli.backup_main(argparse.Namespace(db=str(db), out=str(out))) == 0
    assert out.is_file() and "backup written" in capsys.readouterr().out
    with pytest.raises(UserError):
        cli.backup_main(argparse.Namespace(db=str(tmp_path / "x.db"), out=str(out)))
