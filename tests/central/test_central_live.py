"""A real office server configured to ship to a central PostgreSQL that is down: the
hall keeps issuing, calling and finishing; once the centre is back, everything arrives."""

from __future__ import annotations

import logging
import threading
import time

import psycopg

from antrean.cli import main as cli_main
from antrean.demo_office import pair_demo_devices
from antrean.wiring import report_hooks
from central import outbox
from config.office import Central
from server.app import ServerThread
from tests.integration.ws_helpers import join


def _wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        threading.Event().wait(0.05)


def test_the_office_works_while_the_centre_is_down(tmp_path, open_office, central_url,
                                                    postgres_server, capsys, caplog):
    caplog.set_level(logging.INFO, logger="antrean.central")
    config = open_office.model_copy(update={
        "central": Central(url=central_url, batch_size=2, retry_max_seconds=0.2,
                           interval_seconds=0.2)})
    db = tmp_path / "antrean.db"
    tokens = pair_demo_devices(db)
    postgres_server.stop("fast")
    try:
        with ServerThread(config, db, reports=report_hooks()) as server:
            kiosk = join(server.url, "kiosk", "kiosk-1", tokens["kiosk-1"])
            console = join(server.url, "counter", "console-1", tokens["console-1"])
            console.ok("login", officer="budi", pin="1234", counter="loket-1")
            for _ in range(6):
                started = time.monotonic()
                kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
                console.ok("call_next", counter="loket-1")
                console.ok("start_service", counter="loket-1")
                console.ok("finish", counter="loket-1")
                # the commands are answered as fast as without a centre (no connect timeout)
                assert time.monotonic() - started < 5
            kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
            console.ok("call_next", counter="loket-1")
            console.ok("no_show", counter="loket-1")
            assert server.hub.store.health()["db"] == "ok"
            _wait_until(lambda: "cannot ship" in caplog.text)  # it tries, and fails
            # `antrean central status` shows what waits, while the server runs
            assert cli_main(["central", "status", "--db", str(db)]) == 0
            out = capsys.readouterr().out
            assert "facts pending: 7" in out
            postgres_server.start()

            def arrived() -> int:
                try:
                    with psycopg.connect(central_url, autocommit=True) as conn:
                        return conn.execute("SELECT count(*) FROM ticket_facts").fetchone()[0]
                except psycopg.OperationalError:
                    return 0
            _wait_until(lambda: arrived() == 7)
            kiosk.close()
            console.close()
    finally:
        if not (postgres_server.data / "postmaster.pid").exists():
            postgres_server.start()
    with psycopg.connect(central_url, autocommit=True) as conn:
        rows = conn.execute("SELECT office, outcome, first_visit, wait_s IS NOT NULL, "
                            "service_s IS NOT NULL FROM ticket_facts ORDER BY local_id"
                            ).fetchall()
    assert rows == [(config.office.id, "served", True, True, True)] * 6 + [
        (config.office.id, "no_show", True, True, False)]
    conn = outbox.connect(db)
    try:
        assert outbox.pending(conn).facts == 0
    finally:
        conn.close()
