"""The `antrean` command line: devices, officers, usage errors, and the server's start
and clean stop (cli.md: exit 0 ok, 2 bad usage, 1 failure with a one-line reason)."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from antrean.cli import main
from server.store.sqlite import Store

ROOT = Path(__file__).resolve().parents[2]


def antrean(*argv: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "antrean", *argv], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout)


def test_device_add_prints_the_token_last_and_keeps_only_its_hash(tmp_path, capsys):
    db = tmp_path / "a.db"
    assert main(["device", "add", "kiosk-lobi", "--role", "kiosk", "--db", str(db)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    token = out[-1]
    assert len(token) >= 24 and " " not in token
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT * FROM devices").fetchall()
        dump = "\n".join(conn.iterdump())
    assert len(rows) == 1
    assert token not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump


def test_device_tokens_can_be_passed_as_option_values(tmp_path):
    # 1 random URL-safe token in 64 starts with "-", which argparse would take for an
    # option in `--token VALUE`: tokens never start with it
    store = Store(tmp_path / "a.db")
    tokens = [store.add_device(f"k{i}", "kiosk") for i in range(400)]
    store.close()
    assert not [tk for tk in tokens if tk.startswith("-")]
    assert len(set(tokens)) == 400 and all(len(tk) == 32 for tk in tokens)


def test_device_list_and_revoke(tmp_path, capsys):
    db = str(tmp_path / "a.db")
    main(["device", "add", "k1", "--role", "kiosk", "--db", db])
    main(["device", "add", "c3", "--role", "counter", "--counter", "loket-3", "--db", db])
    capsys.readouterr()
    assert main(["device", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert re.search(r"^c3\tcounter\tactive\t.*counter=loket-3$", listing, re.M)
    assert re.search(r"^k1\tkiosk\tactive\t", listing, re.M)
    assert main(["device", "revoke", "k1", "--db", db]) == 0
    assert "revoked" in capsys.readouterr().out
    main(["device", "list", "--db", db])
    assert re.search(r"^k1\tkiosk\trevoked ", capsys.readouterr().out, re.M)
    assert main(["device", "revoke", "k1", "--db", db]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "k1" in err


def test_device_add_checks_the_counter(tmp_path, capsys):
    code = main(["device", "add", "c9", "--role", "counter", "--counter", "loket-9",
                 "--db", str(tmp_path / "a.db")])
    assert code == 1
    assert "loket-9" in capsys.readouterr().err


def test_a_survey_tablet_is_paired_to_one_counter(tmp_path, capsys):
    db = str(tmp_path / "a.db")
    assert main(["device", "add", "tab", "--role", "tablet", "--db", db]) == 1
    assert "--counter" in capsys.readouterr().err
    assert main(["device", "add", "tab", "--role", "tablet", "--counter", "loket-9",
                 "--db", db]) == 1
    assert "loket-9" in capsys.readouterr().err
    assert main(["device", "add", "tab", "--role", "tablet", "--counter", "loket-1",
                 "--db", db]) == 0
    capsys.readouterr()
    main(["device", "list", "--db", db])
    assert re.search(r"^tab\ttablet\tactive\t.*counter=loket-1$", capsys.readouterr().out,
                     re.M)


def test_officer_add(tmp_path, capsys):
    db = str(tmp_path / "a.db")
    assert main(["officer", "add", "budi", "--name", "Budi Santoso", "--pin", "1234",
                 "--db", db]) == 0
    assert "budi" in capsys.readouterr().out
    with sqlite3.connect(db) as conn:
        pin_hash, = conn.execute("SELECT pin_hash FROM officers").fetchone()
    assert "1234" not in pin_hash


@pytest.mark.parametrize("pin", ["12", "abcd", "1234567890123"])
def test_officer_add_with_a_bad_pin_fails_in_one_line(tmp_path, pin):
    res = antrean("officer", "add", "budi", "--name", "Budi", "--pin", pin, "--db",
                  str(tmp_path / "a.db"))
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "PIN" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("argv", [[], ["fly"], ["device"], ["device", "add", "x"],
                                  ["device", "add", "x", "--role", "wizard"],
                                  ["server", "--port", "eighty"]])
def test_bad_usage_exits_2(argv):
    res = antrean(*argv)
    assert res.returncode == 2
    assert "usage:" in res.stderr and "Traceback" not in res.stderr


def test_unusable_database_is_one_line(tmp_path):
    bad = tmp_path / "not.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    res = antrean("device", "list", "--db", str(bad))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr and str(bad) in res.stderr


def test_server_with_a_broken_config_names_file_and_line(tmp_path):
    text = (ROOT / "config" / "office.example.toml").read_text(encoding="utf-8")
    broken = text.replace('prefix = "C"', 'prefix = "c3"')
    path = tmp_path / "office.toml"
    path.write_text(broken, encoding="utf-8")
    line = next(i for i, ln in enumerate(broken.splitlines(), 1) if 'prefix = "c3"' in ln)
    res = antrean("server", "--config", str(path), "--db", str(tmp_path / "a.db"),
                  "--port", "0", "--host", "127.0.0.1")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert re.search(rf"^antrean: {re.escape(str(path))}:{line}: services\.2\.prefix: ",
                     res.stderr, re.M), res.stderr
    assert res.stdout == ""


def test_server_missing_config_file(tmp_path):
    res = antrean("server", "--config", str(tmp_path / "nope.toml"), "--port", "0")
    assert res.returncode == 1 and "nope.toml" in res.stderr
    assert "Traceback" not in res.stderr


def test_server_prints_where_it_listens_and_stops_on_sigterm(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "antrean", "server", "--db",
                             str(tmp_path / "a.db"), "--host", "127.0.0.1", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        assert re.fullmatch(r"listening on ws://127\.0\.0\.1:\d+/ws\n", line), line
        assert not line.endswith(":0/ws\n")  # the real port, not 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert (tmp_path / "a.db").exists()
