"""`cups:QUEUE` against a real CUPS daemon: the test starts its own `cupsd -f` on a private
socket, with a raw queue whose device is a TCP listener the test runs (a JetDirect printer
stand-in). The bytes that reach the "printer" must be the ticket's job, byte for byte."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from hw_samples import make_ticket

from hardware.printer import CupsTicketPrinter, PrinterError, open_printer

TIMEOUT = 30.0
QUEUE = "antrean-kiosk"


class RawPrinter:
    """A TCP listener on 127.0.0.1 that keeps what each connection sent (one job each)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self.arrived = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            with conn:
                conn.settimeout(TIMEOUT)
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            with self.arrived:
                self.jobs.append(data)
                self.arrived.notify_all()

    def wait_for_jobs(self, count: int) -> list[bytes]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.jobs) >= count, TIMEOUT), \
                f"the printer got {len(self.jobs)} job(s), not {count}"
            return list(self.jobs)

    def close(self) -> None:
        self.sock.close()


class Cups:
    """A private cupsd in the foreground, on its own socket, every file in `root`; its
    tools talk to it through CUPS_SERVER. Its log goes to its stderr, which tells when it
    accepts connections."""

    READY = "Resuming new connection processing"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket = root / "cups.sock"
        for sub in ("spool", "spool/tmp", "cache", "state"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        for name in ("raw.types", "raw.convs"):  # the raw pass-through CUPS ships
            if Path("/etc/cups", name).exists():
                shutil.copy(Path("/etc/cups", name), root / name)
        # only this socket, and anyone on it may administer (a test's own daemon)
        (root / "cupsd.conf").write_text(
            f"Listen {self.socket}\nBrowsing No\nLogLevel info\nWebInterface No\n"
            "DefaultAuthType None\n<Location />\n  Order allow,deny\n  Allow all\n"
            "</Location>\n<Policy default>\n  <Limit All>\n    Order deny,allow\n"
            "  </Limit>\n</Policy>\n")
        (root / "cups-files.conf").write_text(
            f"ServerRoot {root}\nRequestRoot {root}/spool\nTempDir {root}/spool/tmp\n"
            f"CacheDir {root}/cache\nStateDir {root}/state\nPrintcap {root}/printcap\n"
            "ErrorLog stderr\nAccessLog stderr\nPageLog stderr\nSystemGroup root\n"
            "FileDevice No\n")
        self.env = {**os.environ, "CUPS_SERVER": str(self.socket), "LC_ALL": "C"}
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [shutil.which("cupsd") or "/usr/sbin/cupsd", "-f", "-c", str(root / "cupsd.conf"),
             "-s", str(root / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace")
        threading.Thread(target=self._read_log, daemon=True).start()
        if not self.ready.wait(TIMEOUT) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError(f"cupsd did not start: {self.log()}")

    def _read_log(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)
            if self.READY in line:
                self.ready.set()
        self.ready.set()  # it exited: the caller sees that

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(list(argv), env=self.env, capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"{argv}: {done.stderr}{self.log()}")
        return done

    def log(self) -> str:
        return "".join(self.lines[-40:])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def cups(monkeypatch):
    if shutil.which("cupsd") is None or shutil.which("lp") is None:
        pytest.skip("CUPS is not installed (`python3 dev.py test` installs it)")
    # under /tmp, not pytest's 0700 folder: CUPS runs its backends as user lp
    root = Path(tempfile.mkdtemp(prefix="antrean-cups-"))
    os.chmod(root, 0o755)
    daemon = Cups(root)
    monkeypatch.setenv("CUPS_SERVER", str(daemon.socket))  # for the printer's `lp`
    yield daemon
    daemon.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def raw_printer():
    printer = RawPrinter()
    yield printer
    printer.close()


def add_raw_queue(cups: Cups, printer: RawPrinter, name: str = QUEUE) -> None:
    cups.run("lpadmin", "-p", name, "-E", "-v", f"socket://127.0.0.1:{printer.port}",
             "-m", "raw")


def test_a_ticket_through_cups_arrives_byte_for_byte(cups, raw_printer):
    add_raw_queue(cups, raw_printer)
    printer = open_printer(f"cups:{QUEUE}", "TM-T88V")
    assert isinstance(printer, CupsTicketPrinter)
    first, second = make_ticket(number="A012"), make_ticket(number="B007")
    printer.print_ticket(first)
    printer.print_ticket(second)
    jobs = raw_printer.wait_for_jobs(2)
    assert sorted(jobs) == sorted([printer.render(first), printer.render(second)]), \
        cups.log()
    assert jobs[0].startswith(b"\x1b@")  # ESC @: an ESC/POS job, not a CUPS banner page
    assert printer.status().state == "unknown"  # CUPS cannot tell the paper's state


def test_a_missing_queue_is_offline_not_a_crash(cups):
    printer = open_printer("cups:no-such-queue")
    assert printer.status().state == "offline"
    with pytest.raises(PrinterError) as info:
        printer.print_ticket(make_ticket())
    assert info.value.status == "offline" and "no-such-queue" in str(info.value)


def test_a_stopped_queue_is_offline_and_nothing_is_queued(cups, raw_printer):
    add_raw_queue(cups, raw_printer)
    cups.run("cupsdisable", "-r", "jammed", QUEUE)
    printer = open_printer(f"cups:{QUEUE}")
    status = printer.status()
    assert status.state == "offline" and "jammed" in status.detail
    with pytest.raises(PrinterError) as info:  # the kiosk shows the number instead
        printer.print_ticket(make_ticket())
    assert info.value.status == "offline"
    assert cups.run("lpstat", "-o", QUEUE, check=False).stdout == ""  # no job left waiting
