"""Online backup: a consistent copy of the live database while the server writes.

SQLite's backup API copies the pages inside one read transaction (`pages=-1`, one step),
so the copy is a snapshot of one committed state — in WAL mode the server's writer is
never blocked. The copy is written next to the target, switched to a single-file journal
mode, checked with `PRAGMA integrity_check`, then renamed into place: a failed backup
never leaves a half-written file under the target's name.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class BackupError(Exception):
    pass


def backup(db_path: str | Path, out: str | Path) -> Path:
    src_path, out = Path(db_path), Path(out)
    if not src_path.is_file():
        raise BackupError(f"{src_path}: no such database")
    if out.resolve() == src_path.resolve():
        raise BackupError("the backup must be a different file")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"{src_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                src.backup(dst, pages=-1)
                dst.execute("PRAGMA journal_mode=DELETE")
                status = dst.execute("PRAGMA integrity_check").fetchone()[0]
                if status != "ok":
                    raise BackupError(f"the copy failed its integrity check: {status}")
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(tmp, out)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"backup failed: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
