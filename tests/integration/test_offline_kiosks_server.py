"""Kiosks issue through a LAN outage (issue 19), end to end: the real server as a process,
real kiosks (connection, flow, journal, controller, `file:` printer) as processes, a TCP
proxy the test controls between those kiosks and the server.

The link is cut; kiosk A (paspor-baru/reguler) and kiosk B (informasi/lansia) issue
offline while kiosk C, still connected, issues online in the same line as A; B is killed
with kill -9 while a ticket is being printed (its printer is a FIFO nobody reads), started
again, and issues more; the server is restarted; the link comes back. Then every ticket
printed is in its line exactly once, in issue order, no number given twice."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from ws_helpers import join

from antrean.demo_office import pair_demo_devices
from server.store.sqlite import Store
from tests.office_files import always_open_toml

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("offline_kiosk_driver.py")
TIMEOUT = 30.0
CLOCK_ACCURACY = timedelta(milliseconds=100)


def start_server(config: Path, db: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "antrean", "server", "--config", str(config), "--db", str(db),
         "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()  # printed once it accepts connections
    match = re.match(r"listening on ws://127\.0\.0\.1:(\d+)/ws", line)
    assert match, f"server did not start: {line!r}"
    return proc, int(match.group(1))


class Proxy:
    """127.0.0.1:<port> → the server; `cut()` drops every link and refuses new ones."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.port = 0
        self.links: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen()
        self.port = sock.getsockname()[1]
        self.listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def cut(self) -> None:
        assert self.listener is not None
        with self.lock:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self.listener.close()
            self.listener = None
            for link in self.links:
                try:
                    link.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                link.close()
            self.links.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self.lock:
                if self.listener is not listener:  # cut meanwhile
                    client.close()
                    return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.links += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Kiosk:
    """A kiosk process; `wait(pred)` reads its reports until one satisfies `pred`."""

    def __init__(self, name: str, token: str, url: str, state: Path, printer: str) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, str(DRIVER), "--server", url, "--device", name, "--token", token,
             "--state", str(state), "--printer", printer],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
                 "PYTHONUNBUFFERED": "1"})
        self.reports: queue.Queue[dict[str, Any]] = queue.Queue()
        self.printed: dict[str, bool] = {}
        self.seen: list[dict[str, Any]] = []  # every report (shown when a wait fails)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self.reports.put(json.loads(line))
            except ValueError:
                continue  # a library's stray print
        self.reports.put({"exited": True})

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait(self, pred, what: str) -> dict[str, Any]:
        while True:
            try:
                report = self.reports.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"{self.name}: no report of {what}; "
                                     f"last reports {self.seen[-8:]}") from None
            self.seen.append(report)
            if "printed" in report:
                self.printed[report["printed"]] = report["ok"]
            assert "exited" not in report, f"{self.name} exited while waiting for {what}"
            if pred(report):
                return report

    def issue(self, service: str, lane: str) -> dict[str, Any]:
        self.send(f"issue {service} {lane}")
        return self.wait(lambda r: "issued" in r or "refused" in r, "an issue")

    def issue_printed(self, service: str, lane: str) -> dict[str, Any]:
        report = self.issue(service, lane)
        assert "issued" in report, report
        ticket = report["issued"]
        if ticket["id"] not in self.printed:
            self.wait(lambda r: r.get("printed") == ticket["id"], "the print")
        assert self.printed[ticket["id"]], ticket
        return ticket

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.send("quit")
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def held(report: dict[str, Any], key: str, n: int) -> bool:
    return report.get("leased", {}).get(key, 0) >= n


def test_two_kiosks_issue_offline_one_killed_mid_print_all_in_line_once(tmp_path):
    config = always_open_toml(tmp_path)
    db = tmp_path / "antrean.db"
    pair_demo_devices(db)
    store = Store(db)
    tokens = {name: store.add_device(name, "kiosk") for name in ("kiosk-a", "kiosk-b",
                                                                   "kiosk-c")}
    store.close()
    server, port = start_server(config, db)
    proxy = Proxy(port)
    via_proxy = f"ws://127.0.0.1:{proxy.port}/ws"
    a = Kiosk("kiosk-a", tokens["kiosk-a"], via_proxy, tmp_path / "a",
              f"file:{tmp_path / 'a.prn'}")
    b = Kiosk("kiosk-b", tokens["kiosk-b"], via_proxy, tmp_path / "b",
              f"file:{tmp_path / 'b.prn'}")
    kiosks = [a, b]
    c = join(f"ws://127.0.0.1:{port}/ws", "kiosk", "kiosk-c", tokens["kiosk-c"])
    issued: list[dict[str, Any]] = []  # every ticket a person holds, in issue order
    try:
        a.wait(lambda r: held(r, "paspor-baru/reguler", 5), "its lease")
        b.wait(lambda r: held(r, "informasi/lansia", 5), "its lease")
        online = a.issue_printed("paspor-baru", "reguler")  # online: no lease used
        assert not online["offline"]
        issued.append(online)

        proxy.cut()
        for k in kiosks:
            k.wait(lambda r: r.get("issuing_offline") is True, "offline issuing")

        def c_issue() -> None:
            res = c.command("issue_ticket", service="paspor-baru", lane="reguler")
            assert res["ok"], res
            issued.append({**res["data"], "offline": False})

        issued.append(a.issue_printed("paspor-baru", "reguler"))
        c_issue()
        issued.append(b.issue_printed("informasi", "lansia"))
        issued.append(a.issue_printed("paspor-baru", "reguler"))
        c_issue()
        issued.append(b.issue_printed("informasi", "lansia"))
        assert all(t["offline"] for t in issued[1:] if t["id"].startswith("k_"))

        # kill -9 while the next ticket prints: the printer is a FIFO nobody reads.
        fifo = tmp_path / "stuck.prn"
        os.mkfifo(fifo)
        b.send(f"printer file:{fifo}")
        b.wait(lambda r: "printer" in r, "the printer swap")
        stuck = b.issue("informasi", "lansia")["issued"]  # journaled, print under way
        b.proc.send_signal(signal.SIGKILL)
        b.proc.wait(10)
        assert stuck["id"] not in b.printed
        issued.append(stuck)  # nobody holds it, but it was journaled: it joins once

        b = Kiosk("kiosk-b", tokens["kiosk-b"], via_proxy, tmp_path / "b",
                  f"file:{tmp_path / 'b.prn'}")
        kiosks = [a, b]
        b.wait(lambda r: r.get("unsynced") == 3, "its journal after the restart")
        b.wait(lambda r: r.get("issuing_offline") is True, "offline issuing after restart")
        issued.append(b.issue_printed("informasi", "lansia"))
        c_issue()
        issued.append(a.issue_printed("paspor-baru", "reguler"))

        # The server restarts meanwhile (the leases are persisted), then the link returns.
        c.close()
        server.send_signal(signal.SIGTERM)
        server.wait(20)
        server, port = start_server(config, db)
        proxy.upstream = port
        proxy.restore()
        for k in kiosks:
            k.wait(lambda r: r.get("state") == "online", "the link back")
            k.wait(lambda r: r.get("unsynced") == 0, "the sync")

        staff = join(f"ws://127.0.0.1:{port}/ws", "kiosk", "kiosk-c", tokens["kiosk-c"])
        waiting = staff.welcome["snapshot"]["waiting"]
        staff.close()
        # The QR printed offline opens the ticket's status page now.
        pages = {}
        for t in issued:
            if t.get("offline"):
                token = t["status_url"].rsplit("/t/", 1)[1]
                with urlopen(f"http://127.0.0.1:{port}/t/{token}.json", timeout=10) as r:
                    pages[t["number"]] = json.load(r)
    finally:
        for k in kiosks:
            k.stop()
        proxy.cut()
        server.send_signal(signal.SIGTERM)
        server.wait(20)

    numbers = [t["number"] for t in waiting]
    assert len(numbers) == len(set(numbers)), "a number was given twice"
    by_number = {t["number"]: t for t in waiting}
    for t in issued:
        assert t["number"] in by_number, f"{t['number']} is not in line"
        held_ticket = by_number[t["number"]]
        assert held_ticket["service"] == t["service"] and held_ticket["lane"] == t["lane"]
        if t.get("offline"):
            assert pages[t["number"]]["number"] == t["number"]
    assert len(waiting) == len(issued)  # nothing else in line, nothing twice
    # Each ticket joins its line by its issue time: the kiosk's clock corrected by the
    # server's time (ping, half the round trip), the server's own for kiosk C.
    for service, lane in (("paspor-baru", "reguler"), ("informasi", "lansia")):
        mine = [t for t in issued if (t["service"], t["lane"]) == (service, lane)]
        line = [t["number"] for t in waiting if (t["service"], t["lane"]) == (service, lane)]
        by_time = sorted(mine, key=lambda t: datetime.fromisoformat(t["issued_at"]))
        assert line == [t["number"] for t in by_time], (service, lane)
        # ... which is the order they were issued in, up to the kiosks' clock accuracy
        # (tickets issued a few milliseconds apart by two clocks may trade places).
        for i, t in enumerate(mine):
            for later in mine[i + 1:]:
                lag = datetime.fromisoformat(t["issued_at"]) - datetime.fromisoformat(
                    later["issued_at"])
                assert lag < CLOCK_ACCURACY, (t, later)
