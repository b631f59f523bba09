"""`antrean backup` under load and `antrean restore`: nothing acknowledged before the backup
is lost, the restored database is served (its marker agrees), numbering continues, and a
restore refuses while a server holds the database."""

from __future__ import annotations

import sqlite3
import threading

from antrean.cli import main
from server.app import ServerThread
from tests.integration.ws_helpers import device, join

ISSUE = {"service": "paspor-baru", "lane": "reguler"}


class Issuing:
    """Kiosks issuing tickets as fast as they are answered, in threads, until stopped."""

    def __init__(self, kiosks) -> None:
        self.acknowledged: list[dict] = []
        self.lock = threading.Condition()
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(k,)) for k in kiosks]

    def _run(self, kiosk) -> None:
        try:
            while not self.stop.is_set():
                ticket = kiosk.ok("issue_ticket", **ISSUE)
                with self.lock:
                    self.acknowledged.append(ticket)
                    self.lock.notify_all()
        except BaseException as exc:  # surfaced by the test
            self.errors.append(exc)
            with self.lock:
                self.lock.notify_all()

    def wait_for(self, count: int) -> list[dict]:
        with self.lock:
            assert self.lock.wait_for(lambda: len(self.acknowledged) >= count or self.errors,
                                      timeout=60)
            assert not self.errors, self.errors
            return list(self.acknowledged)

    def __enter__(self) -> Issuing:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        assert not self.errors, self.errors


def numbers(tickets) -> set[str]:
    return {t["number"] for t in tickets}


def test_restore_a_backup_taken_under_load_and_serve_it(live_server, tmp_path, open_office,
                                                        capsys):
    db, backup = live_server.db_path, tmp_path / "backups" / "antrean-nightly.db"
    kiosks = [device(live_server, "kiosk-1"), device(live_server, "kiosk-2")]
    with Issuing(kiosks) as load:
        before = load.wait_for(30)  # all acknowledged before the backup begins
        assert main(["backup", "--db", str(db), "--out", str(backup)]) == 0
        after = load.wait_for(len(load.wait_for(0)) + 20)  # the load went on throughout
    everything = load.acknowledged
    assert len(everything) >= len(after) > len(before)

    # A running server holds the database: restore refuses and touches nothing.
    capsys.readouterr()
    assert main(["restore", "--from", str(backup), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "server is running" in err and "Traceback" not in err and err.count("\n") == 1
    live_server.thread.stop()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == len(everything)

    assert main(["restore", "--from", str(backup), "--db", str(db)]) == 0
    assert "restored" in capsys.readouterr().out
    assert list(db.parent.glob("antrean.db.before-restore-*"))  # the replaced one, kept

    # The restored database is served as this office's (no --create needed) ...
    with ServerThread(open_office, db) as server:
        admin = join(server.url, "admin", "admin-1", live_server.tokens["admin-1"])
        served = admin.welcome["snapshot"]["waiting"]
        # ... with every ticket acknowledged before the backup, and nothing invented
        assert numbers(before) <= numbers(served) <= numbers(everything)
        by_id = {t["id"]: t["number"] for t in everything}
        assert all(by_id[t["id"]] == t["number"] for t in served)
        # ... and numbering continues after the last ticket in the backup
        last = max(int(n[1:]) for n in numbers(served))
        kiosk = join(server.url, "kiosk", "kiosk-1", live_server.tokens["kiosk-1"])
        assert kiosk.ok("issue_ticket", **ISSUE)["number"] == f"A{last + 1:03d}"


def test_restore_checks_the_copy_first(tmp_path, capsys):
    db = tmp_path / "antrean.db"
    assert main(["backup", "--db", str(db), "--out", str(tmp_path / "x.db")]) == 1
    from server.store.sqlite import Store
    Store(db).close()
    original = db.read_bytes()

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    damaged = tmp_path / "damaged.db"
    assert main(["backup", "--db", str(db), "--out", str(damaged)]) == 0
    data = bytearray(damaged.read_bytes())
    page = 4096
    data[page * 2:page * 3] = b"\x07" * page  # a page of the copy overwritten
    damaged.write_bytes(bytes(data))
    capsys.readouterr()
    for copy, reason in ((tmp_path / "missing.db", "no such file"),
                         (garbage, "not a readable SQLite database"),
                         (other, "not an Antrean database"),
                         (damaged, "")):
        assert main(["restore", "--from", str(copy), "--db", str(db)]) == 1, copy
        err = capsys.readouterr().err
        assert reason in err and err.count("\n") == 1 and "Traceback" not in err, err
        assert db.read_bytes() == original  # untouched
    assert main(["restore", "--from", str(db), "--db", str(db)]) == 1
    assert "same file" in capsys.readouterr().err


def test_a_second_server_on_the_same_database_is_refused(live_server, capsys):
    """The lock that makes restore wait also keeps two servers off one database."""
    assert main(["server", "--db", str(live_server.db_path), "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "already running" in err and err.count("\n") == 1
    assert device(live_server, "kiosk-1").ok("issue_ticket", **ISSUE)["number"] == "A001"
