"""`antrean central init` and `antrean central report` against the real PostgreSQL."""

from __future__ import annotations

from datetime import date

import psycopg

from antrean.cli import main as cli_main
from central import schema
from central.shipper import Shipper
from config.office import Central
from reports.demo_day import simulate_days


def test_init_creates_the_partitioned_schema_once(postgres_server, capsys):
    url = postgres_server.new_database("cli_init")
    assert cli_main(["central", "init", url, "--months", "3"]) == 0
    assert cli_main(["central", "init", url, "--months", "3"]) == 0  # again: nothing to do
    assert f"central schema version {schema.LATEST}" in capsys.readouterr().out
    first = date.today().replace(day=1)
    with psycopg.connect(url, autocommit=True) as conn:
        assert schema.version(conn) == schema.LATEST
        parts = {r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'ticket_facts'")}
        assert f"ticket_facts_y{first:%Y}m{first:%m}" in parts and len(parts) == 3
        kinds = dict(conn.execute("SELECT relname, relkind::text FROM pg_class WHERE relname "
                                  "IN ('ticket_facts', 'day_aggregates')").fetchall())
        assert kinds == {"ticket_facts": "p", "day_aggregates": "p"}  # partitioned tables


def test_report_in_every_format(central_url, postgres_server, office, tmp_path, capsys):
    config = office.model_copy(update={"central": Central(url=central_url)})
    db = tmp_path / "antrean.db"
    simulate_days(config, db, date(2025, 3, 3), days=1, seed=5)
    shipper = Shipper(config, db, idle_s=3600).start()
    try:
        assert shipper.drained.wait(60), shipper.last_error
    finally:
        shipper.stop()
    for fmt in ("xlsx", "html", "pdf"):
        out = tmp_path / f"central.{fmt}"
        assert cli_main(["central", "report", central_url, "--from", "2025-03-01", "--to",
                         "2025-03-31", "--format", fmt, "--out", str(out), "--lang",
                         "en"]) == 0, capsys.readouterr().err
        assert out.stat().st_size > 1000
    assert (tmp_path / "central.pdf").read_bytes().startswith(b"%PDF")
    html = (tmp_path / "central.html").read_text(encoding="utf-8")
    assert config.office.name in html and "National" in html
    # a period the wrong way round, a database without the schema: one line, status 1
    assert cli_main(["central", "report", central_url, "--from", "2025-03-31", "--to",
                     "2025-03-01", "--format", "html", "--out", str(tmp_path / "x.html")]) == 1
    bare = postgres_server.url("postgres")
    assert cli_main(["central", "report", bare, "--from", "2025-03-01", "--to",
                     "2025-03-31", "--format", "html", "--out", str(tmp_path / "x.html")]) == 1
    err = capsys.readouterr().err
    assert "antrean central init" in err
