"""`kill -9` during concurrent issuing: every acknowledged ticket survives, no number is
issued twice, numbering continues, and a command re-sent after the crash is answered
once (from the durable result table if it had committed)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from websockets.exceptions import ConnectionClosed
from ws_helpers import join

from antrean.demo_office import pair_demo_devices
from server.store.sqlite import Store
from tests.office_files import always_open_toml

ROOT = Path(__file__).resolve().parents[2]
KIOSKS = 6




def start_server(config: Path, db: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "antrean", "server", "--config", str(config), "--db", str(db),
         "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()  # the server prints it once it accepts connections
    match = re.match(r"listening on (ws://\S+)", line)
    assert match, f"server did not start: {line!r}"
    return proc, match.group(1)


def test_kill_9_during_concurrent_issuing(tmp_path):
    config = always_open_toml(tmp_path)
    db = tmp_path / "antrean.db"
    tokens = pair_demo_devices(db)
    store = Store(db)
    for i in range(3, KIOSKS + 1):
        tokens[f"kiosk-{i}"] = store.add_device(f"kiosk-{i}", "kiosk")
    store.close()

    proc, url = start_server(config, db)
    acked: dict[str, str] = {}  # ticket id -> number, for every ok result received
    pending: dict[int, tuple[str, dict]] = {}  # kiosk -> the command sent, not answered
    lock = threading.Lock()
    enough = threading.Event()
    failures: list[BaseException] = []

    def kiosk(n: int) -> None:
        try:
            client = join(url, "kiosk", f"kiosk-{n}", tokens[f"kiosk-{n}"])
            i = 0
            while True:
                i += 1
                cmd_id = f"k{n}-{i}"
                args = {"service": "informasi" if i % 3 else "paspor-baru",
                        "lane": "reguler" if i % 4 else "lansia"}
                with lock:
                    pending[n] = (cmd_id, args)
                res = client.command("issue_ticket", cmd_id=cmd_id, **args)
                assert res["ok"], res
                with lock:
                    acked[res["data"]["id"]] = res["data"]["number"]
                    del pending[n]
                    if len(acked) >= 150:
                        enough.set()
        except (ConnectionClosed, OSError):
            return  # the server died under us: expected
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(1, KIOSKS + 1)]
    for t in threads:
        t.start()
    assert enough.wait(60), "kiosks did not get going"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    for t in threads:
        t.join(30)
    assert not failures, failures
    assert len(acked) >= 150

    proc, url = start_server(config, db)
    try:
        admin = join(url, "admin", "admin-1", tokens["admin-1"])
        waiting = {tk["id"]: tk["number"] for tk in admin.welcome["snapshot"]["waiting"]}
        missing = set(acked) - set(waiting)
        assert not missing, f"acknowledged tickets lost: {sorted(missing)[:5]}"
        assert all(waiting[tid] == number for tid, number in acked.items())
        assert len(set(waiting.values())) == len(waiting)

        # the in-flight commands, re-sent with the same id, are answered once
        for n, (cmd_id, args) in sorted(pending.items()):
            client = join(url, "kiosk", f"kiosk-{n}", tokens[f"kiosk-{n}"])
            res = client.command("issue_ticket", cmd_id=cmd_id, **args)
            assert res["ok"], res
            again = client.command("issue_ticket", cmd_id=cmd_id, **args)
            assert again == res
            client.close()

        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT number FROM tickets").fetchall()
        numbers = [r[0] for r in rows]
        assert len(numbers) == len(set(numbers)), "a number was issued twice"
        assert set(acked.values()) <= set(numbers)
        assert len(numbers) <= len(acked) + len(pending) + KIOSKS

        # numbering continues after the highest number ever issued
        kiosk1 = join(url, "kiosk", "kiosk-1", tokens["kiosk-1"])
        fresh = kiosk1.ok("issue_ticket", service="informasi", lane="reguler")["number"]
        top = max(int(n[1:]) for n in numbers if n.startswith("F"))
        assert fresh == f"F{top + 1:03d}"
        kiosk1.close()
        admin.close()
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
