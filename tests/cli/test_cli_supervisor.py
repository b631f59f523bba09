"""The command line's officers and supervisors (`officer add --supervisor`, `officer list`,
`officer set`) and `device approve`'s refusals; the approval that reaches a running
server is tested against it (tests/integration/test_supervisor_server.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from antrean.cli import main
from server.store.sqlite import Store


def _officer_rows(db: str) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        return {row[0]: row[1:] for row in conn.execute(
            "SELECT id, name, supervisor, disabled, pin_hash FROM officers")}


def test_officer_add_supervisor_list_and_set(tmp_path, capsys):
    db = str(tmp_path / "a.db")
    assert main(["officer", "add", "siti", "--name", "Siti", "--pin", "482916",
                 "--supervisor", "--db", db]) == 0
    assert main(["officer", "add", "budi", "--name", "Budi", "--pin", "1234", "--db", db]) == 0
    assert "as a supervisor" in capsys.readouterr().out
    assert main(["officer", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert "siti\tSiti\tsupervisor\n" in listing and "budi\tBudi\t-\n" in listing
    assert "482916" not in listing and "1234" not in listing
    before = _officer_rows(db)["budi"][3]
    assert main(["officer", "set", "budi", "--pin", "5678", "--disable", "--supervisor",
                 "--db", db]) == 0
    name, supervisor, disabled, pin_hash = _officer_rows(db)["budi"]
    assert (name, supervisor, disabled) == ("Budi", 1, 1) and pin_hash != before
    store = Store(db)
    assert store.verify_officer("budi", "5678", datetime.now(UTC), "d")[0] == "bad"  # disabled
    store.close()
    assert main(["officer", "set", "budi", "--enable", "--no-supervisor", "--name", "Budi S",
                 "--db", db]) == 0
    assert _officer_rows(db)["budi"][:3] == ("Budi S", 0, 0)
    store = Store(db)
    assert store.verify_officer("budi", "5678", datetime.now(UTC), "d")[0] == "ok"
    store.close()


def test_officer_set_unlocks_a_locked_officer(tmp_path, capsys):
    db = str(tmp_path / "a.db")
    main(["officer", "add", "budi", "--name", "Budi", "--pin", "1234", "--db", db])
    store = Store(db)
    now = datetime.now(UTC)
    for _ in range(5):
        store.verify_officer("budi", "0000", now, "console-1")
    assert store.verify_officer("budi", "1234", now, "console-1")[0] == "locked"
    assert store.officer_info("budi", now)["locked"] is True
    store.close()
    assert main(["officer", "set", "budi", "--unlock", "--db", db]) == 0
    assert "unlocked" in capsys.readouterr().out
    store = Store(db)
    assert store.verify_officer("budi", "1234", now, "console-1")[0] == "ok"
    store.close()


@pytest.mark.parametrize("argv", [
    ["officer", "set", "nobody", "--pin", "1234"],
    ["officer", "set", "budi", "--pin", "12"],
    ["device", "approve", "12345", "--name", "k", "--role", "kiosk"],
    ["device", "approve", "123 456", "--name", "t", "--role", "tablet"],
])
def test_mistakes_are_one_line_refusals(tmp_path, capsys, argv):
    db = str(tmp_path / "a.db")
    main(["officer", "add", "budi", "--name", "Budi", "--pin", "1234", "--db", db])
    capsys.readouterr()
    assert main([*argv, "--db", db]) == 1
    err = capsys.readouterr().err
    assert err.startswith("antrean: ") and err.count("\n") == 1


def test_device_approve_without_a_server_says_so_and_keeps_the_approval(tmp_path, capsys):
    db = str(tmp_path / "a.db")
    assert main(["device", "approve", "483 912", "--name", "kiosk-9", "--role", "kiosk",
                 "--wait", "0", "--db", db]) == 1
    assert "not answered" in capsys.readouterr().err
    store = Store(db)
    assert [(r["code"], r["name"], r["role"]) for r in store.pending_pairing_approvals()] == [
        ("483912", "kiosk-9", "kiosk")]
    store.close()


def test_a_supervisor_cannot_be_paired_as_a_device(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["device", "add", "web", "--role", "supervisor", "--db", str(tmp_path / "a.db")])
    assert exc.value.code == 2
