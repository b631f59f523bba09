"""The central database's URL may carry a password (`[central] url`, the `antrean central`
commands' URL argument): no log line, status, error or config message ever repeats it.
(Attack: whoever reads the office's logs or a technician's screen learns the centre's
password.)"""

from __future__ import annotations

import logging
import re
import threading
import time

import pytest

from antrean.cli import main as cli_main
from config import office as office_config
from config.office import Central

pytest.importorskip("psycopg")

PASSWORD = "Rahasia-Pusat-7731"
URL = f"postgresql://kanim_bogor:{PASSWORD}@/antrean?host=/nonexistent-antrean&port=1"


def with_url(toml, url: str) -> None:
    """The office file with `[central] url` set (the example has it commented out)."""
    text = toml.read_text(encoding="utf-8")
    text, n = re.subn(r'(?m)^# url = "postgresql://.*$', f'url = "{url}"', text)
    assert n == 1
    toml.write_text(text, encoding="utf-8")


def test_the_shipper_never_logs_the_password(tmp_path, office, caplog):
    from central.shipper import Shipper
    from server.store.sqlite import Store
    db = tmp_path / "antrean.db"
    Store(db).close()
    config = office.model_copy(update={"central": Central(url=URL, retry_max_seconds=0.1)})
    caplog.set_level(logging.DEBUG)
    # a fact to ship, so that it has to reach the centre
    import sqlite3
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO outbox_facts(visit, day, service, lane, first_visit, outcome) "
                 "VALUES ('t_20250303_A001@x', '2025-03-03', 'paspor-baru', 'reguler', 1, "
                 "'served')")
    conn.commit()
    conn.close()
    shipper = Shipper(config, db, idle_s=3600).start()
    try:
        deadline = time.monotonic() + 30
        while shipper.rounds_failed < 2:
            assert time.monotonic() < deadline, "the shipper never tried"
            threading.Event().wait(0.02)
    finally:
        shipper.stop()
    assert "cannot ship" in caplog.text and "kanim_bogor@" in caplog.text
    assert PASSWORD not in caplog.text
    assert PASSWORD not in (shipper.last_error or "")


@pytest.mark.parametrize("argv", [
    ["central", "init", URL],
    ["central", "report", URL, "--from", "2025-03-01", "--to", "2025-03-31",
     "--format", "html", "--out", "central.html"],
])
def test_the_commands_never_print_the_password(argv, tmp_path, monkeypatch, capsys, caplog):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    assert cli_main(argv) == 1
    out = capsys.readouterr()
    assert "cannot reach the central database kanim_bogor@" in out.err
    assert len(out.err.strip().splitlines()) == 1
    assert PASSWORD not in out.err + out.out + caplog.text


def test_status_shows_where_not_the_password(tmp_path, capsys):
    from tests.office_files import always_open_toml
    toml = always_open_toml(tmp_path)
    with_url(toml, URL)
    from server.store.sqlite import Store
    Store(tmp_path / "antrean.db").close()
    assert cli_main(["central", "status", "--db", str(tmp_path / "antrean.db"),
                     "--config", str(toml)]) == 0
    out = capsys.readouterr().out
    assert "central: kanim_bogor@/nonexistent-antrean:1/antrean" in out
    assert "facts pending: 0" in out
    assert PASSWORD not in out


def test_a_bad_url_in_the_office_file_is_not_repeated(tmp_path):
    from tests.office_files import always_open_toml
    toml = always_open_toml(tmp_path)
    with_url(toml, f"mysql://kanim:{PASSWORD}@db/antrean")
    with pytest.raises(office_config.ConfigError) as err:
        office_config.load(toml)
    assert "central.url" in str(err.value) and PASSWORD not in str(err.value)
