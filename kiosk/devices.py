"""Kiosk peripherals off the GUI thread: the ticket printer worker and the serial scanner.

A printer status query can block (three short reads, ~0.3 s each on a silent printer) and
a print job to a serial printer takes seconds, so both run on one worker thread; being one
thread also serialises them (a TicketPrinter is not thread-safe).

Results come back through a plain `queue.Queue` that the GUI thread drains from a QTimer,
not through Qt signals: PySide6 6.12 corrupts reference counts when a signal is emitted
from a non-GUI thread (a "bool_dealloc"/"none_dealloc" abort after a few thousand
emissions, even with @Slot-decorated receivers), so no Qt object is touched off the GUI
thread here.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass

from hardware.printer import PrinterError, TicketPrinter
from hardware.ticket_layout import PrintableTicket

log = logging.getLogger("antrean.kiosk.devices")


@dataclass(frozen=True)
class Printed:
    ticket_id: str
    ok: bool
    status: str
    detail: str
    ms: float  # request → bytes handed to the printer (or failure)


@dataclass(frozen=True)
class StatusChecked:
    status: str
    detail: str


PrinterResult = Printed | StatusChecked


class PrinterWorker:
    """One thread doing every printer call; `request_*` return at once, `poll()` collects."""

    def __init__(self, printer: TicketPrinter) -> None:
        self.printer = printer
        self._jobs: queue.Queue[tuple | None] = queue.Queue()
        self._results: queue.Queue[PrinterResult] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="kiosk-printer", daemon=True)
        self._thread.start()

    def set_printer(self, printer: TicketPrinter) -> None:
        """Swap the printer; jobs already queued go to the new one."""
        self._jobs.put(("swap", printer))

    def request_print(self, ticket_id: str, ticket: PrintableTicket) -> None:
        self._jobs.put(("print", ticket_id, ticket, time.monotonic()))

    def request_status(self) -> None:
        self._jobs.put(("status",))

    def poll(self) -> list[PrinterResult]:
        out: list[PrinterResult] = []
        while True:
            try:
                out.append(self._results.get_nowait())
            except queue.Empty:
                return out

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join(5)
        try:
            self.printer.close()
        except Exception:  # closing a vanished device must not block shutdown
            pass

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if job[0] == "swap":
                self.printer = job[1]
            elif job[0] == "print":
                self._results.put(self._print(*job[1:]))
            elif job[0] == "status":
                self._results.put(self._status())

    def _print(self, ticket_id: str, ticket: PrintableTicket, requested: float) -> Printed:
        try:
            self.printer.print_ticket(ticket)
        except PrinterError as exc:
            log.warning("ticket %s not printed: %s", ticket_id, exc)
            return Printed(ticket_id, False, exc.status, str(exc), _ms(requested))
        except Exception as exc:  # a driver bug must not kill the worker thread
            log.exception("ticket %s not printed", ticket_id)
            return Printed(ticket_id, False, "unknown", f"{type(exc).__name__}: {exc}",
                           _ms(requested))
        return Printed(ticket_id, True, "ok", "", _ms(requested))

    def _status(self) -> StatusChecked:
        try:
            status = self.printer.status()
        except Exception as exc:  # never "fine" when we could not ask
            return StatusChecked("unknown", f"{type(exc).__name__}: {exc}")
        return StatusChecked(status.state, status.detail)


def _ms(since: float) -> float:
    return (time.monotonic() - since) * 1000


class ScannerReader:
    """Reads booking codes, one per line, from a serial QR/barcode scanner in a thread.

    Codes are queued; the GUI thread collects them with `poll()`. A missing
    or failing port is retried every `retry_s` seconds (scanners get unplugged).
    """

    def __init__(self, url: str, baudrate: int = 9600, retry_s: float = 2.0) -> None:
        self.url, self.baudrate, self.retry_s = url, baudrate, retry_s
        self.codes: queue.Queue[str] = queue.Queue()
        self.stop_event = threading.Event()
        self.connected = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="kiosk-scanner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self._thread:
            self._thread.join(2)

    def poll(self) -> list[str]:
        out: list[str] = []
        while not self.codes.empty():
            out.append(self.codes.get_nowait())
        return out

    def run(self) -> None:
        import serial

        while not self.stop_event.is_set():
            try:
                port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.2)
            except (serial.SerialException, OSError, ValueError) as exc:
                log.info("scanner %s not available: %s", self.url, exc)
                self.stop_event.wait(self.retry_s)
                continue
            self.connected.set()
            buffer = b""
            try:
                while not self.stop_event.is_set():
                    chunk = port.read(64)
                    if not chunk:
                        continue
                    buffer += chunk
                    while b"\n" in buffer or b"\r" in buffer:
                        cut = min(i for i in (buffer.find(b"\n"), buffer.find(b"\r")) if i >= 0)
                        line, buffer = buffer[:cut], buffer[cut + 1:]
                        text = line.decode("ascii", errors="ignore").strip()
                        if text:
                            self.codes.put(text)
                    buffer = buffer[-256:]  # a scanner without line ends: keep it bounded
            except (serial.SerialException, OSError) as exc:
                log.info("scanner %s lost: %s", self.url, exc)
            finally:
                self.connected.clear()
                try:
                    port.close()
                except (serial.SerialException, OSError):
                    pass
