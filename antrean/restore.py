"""`antrean restore --from BACKUP --db FILE`: put a backup back in place of the database.

In this order, and stopping with one line at the first thing wrong:

1. The copy is checked where it lies: an SQLite file that passes `PRAGMA integrity_check`
   and is an Antrean database (its tables and its id).
2. The database's lock is taken (`server.app.hold_database`) and held to the end: while a
   server runs on the database nothing is touched (stop it first), and no server can start
   on it halfway through.
3. The copy is copied next to the database (SQLite's backup API, so a copy still in WAL
   mode comes whole) and checked again.
4. The database it replaces is not deleted: it and its `-wal`/`-shm` are renamed
   `FILE.before-restore-TIME` (and `-wal`, `-shm`), together — a `-wal` left beside the
   restored file would be replayed onto it.
5. The copy is renamed into place and the marker (`FILE.expected`) written with its id,
   so the server takes it as this office's database.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from antrean.cli import UserError
from server.app import DatabaseInUse, hold_database
from server.store.sqlite import StoreError, expected_marker, stored_database_id, write_marker

# what makes a file an Antrean database
REQUIRED_TABLES = frozenset({"meta", "events", "tickets", "counters", "devices", "officers"})


class RestoreError(Exception):
    """The restore did not happen; the message is one line saying why."""


@dataclass(frozen=True)
class Restored:
    db: Path
    database_id: str
    events: int  # the copy's last event seq
    kept: Path | None  # where the database it replaced was moved


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)


def check_copy(path: Path) -> tuple[str, int]:
    """The copy's database id and last event seq; RestoreError if it is damaged or not
    an Antrean database."""
    if not path.is_file():
        raise RestoreError(f"{path}: no such file")
    try:
        conn = _open_read_only(path)
        try:
            status = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if status != "ok":
                raise RestoreError(f"{path} is damaged (integrity check: {status}); "
                                   "restore another backup")
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = REQUIRED_TABLES - tables
            if missing:
                raise RestoreError(f"{path} is not an Antrean database (no table "
                                   f"{', '.join(sorted(missing))})")
            row = conn.execute("SELECT value FROM meta WHERE key = 'database_id'").fetchone()
            last = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise RestoreError(f"{path} is not a readable SQLite database ({exc})") from None
    if not row or not row[0]:
        raise RestoreError(f"{path} is not an Antrean database (it has no database id)")
    return row[0], int(last)


def _copy(source: Path, target: Path) -> None:
    """`source` into `target` through SQLite (whole, even from a WAL-mode file), then
    checked and flushed to disk."""
    target.unlink(missing_ok=True)
    src = _open_read_only(source)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            status = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if status != "ok":
                raise RestoreError(f"the copy of {source} failed its integrity check: {status}")
        finally:
            dst.close()
    finally:
        src.close()
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())


def _sync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _move_aside(db: Path) -> Path | None:
    """The database being replaced, and its -wal/-shm, renamed together."""
    if not db.exists():
        for suffix in ("-wal", "-shm"):  # never replayed onto the restored file
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = db.with_name(f"{db.name}.before-restore-{stamp}")
    for suffix in ("-wal", "-shm", ""):  # the database itself last
        part = Path(f"{db}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{kept}{suffix}"))
    return kept


def _same_owner(path: Path, like: os.stat_result) -> None:
    """As root, the restored files get the database's owner back (the server runs as its
    own user and must be able to write them)."""
    if os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.chown(path, like.st_uid, like.st_gid)


def restore(source: str | Path, db: str | Path) -> Restored:
    source, db = Path(source), Path(db)
    if source.absolute() == db.absolute():
        raise RestoreError("the backup and the database are the same file")
    if not db.parent.is_dir():
        raise RestoreError(f"{db.parent}: no such folder")
    database_id, events = check_copy(source)
    owner = (db if db.exists() else db.parent).stat()
    try:
        with hold_database(db):
            partial = db.with_name(f"{db.name}.restoring")
            try:
                _copy(source, partial)
                if stored_database_id(partial) != database_id:
                    raise RestoreError(f"{source} changed while it was being copied")
                kept = _move_aside(db)
                os.replace(partial, db)
            finally:
                partial.unlink(missing_ok=True)
            _sync_dir(db.parent)
            write_marker(db, database_id)
            for path in (db, expected_marker(db)):
                _same_owner(path, owner)
    except DatabaseInUse as exc:
        raise RestoreError(f"{exc}: stop the server first (sudo systemctl stop "
                           "antrean-server), then restore") from None
    except sqlite3.Error as exc:
        raise RestoreError(f"restore failed: {exc}") from None
    except (OSError, StoreError) as exc:
        raise RestoreError(f"restore failed: {getattr(exc, 'strerror', None) or exc}"
                           ) from None
    return Restored(db, database_id, events, kept)


def main(args: argparse.Namespace) -> int:
    """`antrean restore --from BACKUP --db FILE`."""
    try:
        done = restore(args.source, args.db)
    except RestoreError as exc:
        raise UserError(str(exc)) from None
    if done.kept:
        print(f"the database it replaced is kept as {done.kept}")
    print(f"restored {args.source} to {done.db} (database {done.database_id}, "
          f"{done.events} events); start the server")
    return 0
