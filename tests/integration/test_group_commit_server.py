"""Group commit: commands from many kiosks at once share transactions, and every
acknowledged ticket is in the database with a number of its own."""

from __future__ import annotations

import sqlite3
import threading

from ws_helpers import device

KIOSKS, EACH = 8, 30


def test_concurrent_kiosks_share_commits(live_server):
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    commits_before = live_server.thread.hub.commits

    def kiosk(i: int) -> None:
        try:
            client = device(live_server, f"kiosk-{1 + i % 2}")
            for n in range(EACH):
                ticket = client.ok("issue_ticket", service="informasi", lane="reguler",
                                   cmd_id=f"k{i}-{n}")
                with lock:
                    numbers.append(ticket["number"])
            client.close()
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(KIOSKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    assert len(numbers) == len(set(numbers)) == KIOSKS * EACH
    commits = live_server.thread.hub.commits - commits_before
    # one transaction per ticket would be 240 (plus the hellos' empty batches, which
    # commit nothing); 8 kiosks issuing at once must have shared many
    assert commits <= 0.9 * KIOSKS * EACH, commits
    with sqlite3.connect(live_server.db_path) as conn:
        stored = {row[0] for row in conn.execute("SELECT number FROM tickets")}
    assert set(numbers) <= stored
