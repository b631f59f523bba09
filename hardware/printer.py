"""Ticket printers: SPEC strings, transports, ESC/POS real-time status, dummy + preview.

Owns `open_printer(spec, profile)` and the `TicketPrinter` interface the kiosk uses.
python-escpos builds every job (ticket_layout.write_ticket into an in-memory `Dummy`), so a
job is one byte string, built before the printer is touched and sent in one write: never
half-sent because of a slow command. Serial and network transports are our own thin code
because status needs short, bounded reads (python-escpos' `paper_status()` reports "paper
adequate" when the printer says nothing); USB goes through python-escpos, CUPS through its
own `lp` and `lpstat` commands.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import subprocess
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import serial
from escpos.printer import Dummy

from hardware import publish_escpos_cache
from hardware.serial_port import PortUnavailable, close_quietly, open_port
from hardware.ticket_layout import PrintableTicket, PrinterProfile, write_ticket
from hardware.ticket_preview import save_preview_png

publish_escpos_cache()

__all__ = [
    "DummyTicketPrinter",
    "FileTicketPrinter",
    "NetworkTicketPrinter",
    "PrinterError",
    "PrinterProfile",
    "PrinterStatus",
    "SerialTicketPrinter",
    "StatusName",
    "TicketPrinter",
    "interpret_status",
    "open_printer",
    "parse_spec",
]

log = logging.getLogger(__name__)

StatusName = Literal["ok", "paper_near_end", "paper_out", "cover_open", "offline", "unknown"]

DEFAULT_NETWORK_PORT = 9100
DEFAULT_BAUDRATE = 9600
DEFAULT_STATUS_TIMEOUT_S = 0.3  # a printer that answers at all answers within a few ms
DEFAULT_CONNECT_TIMEOUT_S = 1.5
DEFAULT_WRITE_TIMEOUT_S = 10.0

# DLE EOT n, ESC/POS real-time status transmission.
DLE_EOT = b"\x10\x04"
STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER = 1, 2, 4
# Every DLE EOT answer has bit 1 and bit 4 set and bits 0 and 7 clear; anything else is
# not a status byte (line noise, an echo, another protocol) and must not be interpreted.
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12
_OFFLINE_BIT = 0x08  # n=1
_COVER_OPEN_BIT = 0x04  # n=2
_PAPER_END_STOP_BIT = 0x20  # n=2: printing stopped because the paper ran out
_ERROR_BIT = 0x40  # n=2
_NEAR_END_BITS = 0x0C  # n=4
_PAPER_OUT_BITS = 0x60  # n=4


class PrinterError(Exception):
    """A ticket could not be printed; `status` says why (a StatusName)."""

    def __init__(self, status: StatusName, message: str) -> None:
        super().__init__(message)
        self.status: StatusName = status


@dataclass(frozen=True)
class PrinterStatus:
    state: StatusName
    detail: str = ""

    @property
    def can_print(self) -> bool:
        """False only when the printer itself said it cannot print (or is unreachable)."""
        return self.state in ("ok", "paper_near_end", "unknown")


def interpret_status(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """Map the answers to DLE EOT 1, 2 and 4 to one status (worst problem first)."""
    if offline_cause & _COVER_OPEN_BIT:
        return PrinterStatus("cover_open", "cover is open")
    if paper & _PAPER_OUT_BITS or offline_cause & _PAPER_END_STOP_BIT:
        return PrinterStatus("paper_out", "paper roll is empty")
    if printer & _OFFLINE_BIT:
        cause = "error" if offline_cause & _ERROR_BIT else "unknown cause"
        return PrinterStatus("offline", f"printer reports offline ({cause})")
    if paper & _NEAR_END_BITS:
        return PrinterStatus("paper_near_end", "paper roll is nearly empty")
    return PrinterStatus("ok", "ready")


class _Channel(Protocol):
    def write(self, data: bytes) -> None: ...

    def read_byte(self) -> int | None: ...  # None: no answer within the status timeout


class TicketPrinter(ABC):
    """One ticket printer. Not thread-safe by itself: the kiosk prints from one place."""

    def __init__(self, spec: str, profile: PrinterProfile) -> None:
        self.spec = spec
        self.profile = profile

    def render(self, ticket: PrintableTicket) -> bytes:
        """The complete ESC/POS job for `ticket` on this printer's profile."""
        buffer = Dummy(profile=self.profile.name)
        write_ticket(buffer, ticket, self.profile)
        return buffer.output

    def print_ticket(self, ticket: PrintableTicket) -> None:
        """Print one ticket; PrinterError(status, message) when it cannot."""
        self._send(self.render(ticket))

    @abstractmethod
    def status(self) -> PrinterStatus: ...

    @abstractmethod
    def _send(self, job: bytes) -> None: ...

    def close(self) -> None:
        """Release the device; a later print or status reopens it."""
        return None  # nothing to release by default

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec} profile={self.profile.name}>"


class _StatusQueryingPrinter(TicketPrinter):
    """A printer with a two-way channel that answers (or not) DLE EOT queries."""

    def __init__(self, spec: str, profile: PrinterProfile) -> None:
        super().__init__(spec, profile)
        # Only printers that have answered a status query before get a pre-print check:
        # a silent printer would cost three read timeouts per ticket (3 x 0.3 s).
        self.answers_status = False
        self._lock = threading.Lock()

    @abstractmethod
    def _channel(self) -> AbstractContextManager[_Channel]: ...

    def _query(self, channel: _Channel) -> PrinterStatus:
        answers: list[int] = []
        for n in (STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER):
            channel.write(DLE_EOT + bytes([n]))
            byte = channel.read_byte()
            if byte is None:
                return PrinterStatus("unknown", f"no answer to DLE EOT {n}")
            if byte & _FIXED_MASK != _FIXED_BITS:
                return PrinterStatus("unknown", f"unexpected answer 0x{byte:02x} to DLE EOT {n}")
            answers.append(byte)
        self.answers_status = True
        return interpret_status(*answers)

    def status(self) -> PrinterStatus:
        with self._lock:
            try:
                with self._channel() as channel:
                    return self._query(channel)
            except PrinterError as exc:
                return PrinterStatus(exc.status, str(exc))

    def print_ticket(self, ticket: PrintableTicket) -> None:
        job = self.render(ticket)
        with self._lock, self._channel() as channel:
            if self.answers_status:
                state = self._query(channel)
                if not state.can_print:
                    raise PrinterError(state.state, f"{self.spec}: {state.detail}")
            channel.write(job)

    def _send(self, job: bytes) -> None:  # pragma: no cover - print_ticket is overridden
        with self._lock, self._channel() as channel:
            channel.write(job)


class _SerialChannel:
    def __init__(self, port: serial.Serial) -> None:
        self.port = port

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def read_byte(self) -> int | None:
        data = self.port.read(1)  # bounded by the port's read timeout
        return data[0] if data else None


class SerialTicketPrinter(_StatusQueryingPrinter):
    """RS-232 / USB-serial printer; the port stays open between jobs and reopens on error."""

    def __init__(
        self,
        spec: str,
        profile: PrinterProfile,
        device: str,
        baudrate: int = DEFAULT_BAUDRATE,
        status_timeout: float = DEFAULT_STATUS_TIMEOUT_S,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT_S,
    ) -> None:
        super().__init__(spec, profile)
        self.device = device
        self.baudrate = baudrate
        self.status_timeout = status_timeout
        self.write_timeout = write_timeout
        self._port: serial.Serial | None = None

    @contextmanager
    def _channel(self) -> Iterator[_Channel]:
        if self._port is None:
            try:
                self._port = open_port(self.device, baudrate=self.baudrate,
                                       timeout=self.status_timeout,
                                       write_timeout=self.write_timeout)
            except PortUnavailable as exc:
                raise PrinterError("offline", f"{self.spec}: cannot open port: {exc}") from exc
        try:
            self._port.reset_input_buffer()  # stale bytes would pass for a status answer
            yield _SerialChannel(self._port)
        except (serial.SerialException, OSError) as exc:
            self.close()  # reopen on the next job: the adapter may have been re-plugged
            raise PrinterError("offline", f"{self.spec}: {exc}") from exc

    def close(self) -> None:
        close_quietly(self._port)
        self._port = None


class _SocketChannel:
    def __init__(self, sock: socket.socket, status_timeout: float, write_timeout: float) -> None:
        self.sock = sock
        self.status_timeout = status_timeout
        self.write_timeout = write_timeout

    def write(self, data: bytes) -> None:
        self.sock.settimeout(self.write_timeout)
        self.sock.sendall(data)

    def read_byte(self) -> int | None:
        self.sock.settimeout(self.status_timeout)
        try:
            data = self.sock.recv(1)
        except TimeoutError:
            return None
        return data[0] if data else None


class NetworkTicketPrinter(_StatusQueryingPrinter):
    """Raw TCP (JetDirect, port 9100). One connection per job or query: printers drop idle
    connections and some accept only one client, so holding one open gains nothing."""

    def __init__(
        self,
        spec: str,
        profile: PrinterProfile,
        host: str,
        port: int = DEFAULT_NETWORK_PORT,
        status_timeout: float = DEFAULT_STATUS_TIMEOUT_S,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT_S,
    ) -> None:
        super().__init__(spec, profile)
        self.host = host
        self.port = port
        self.status_timeout = status_timeout
        self.connect_timeout = connect_timeout
        self.write_timeout = write_timeout

    @contextmanager
    def _channel(self) -> Iterator[_Channel]:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise PrinterError("offline", f"{self.spec}: cannot connect: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # queries are 3 bytes
        try:
            yield _SocketChannel(sock, self.status_timeout, self.write_timeout)
        except OSError as exc:
            raise PrinterError("offline", f"{self.spec}: {exc}") from exc
        finally:
            sock.close()


class FileTicketPrinter(TicketPrinter):
    """A device file (/dev/usb/lp0) or a plain file; jobs are appended. Status: unknown."""

    def __init__(self, spec: str, profile: PrinterProfile, path: str) -> None:
        super().__init__(spec, profile)
        self.path = Path(path)

    def _send(self, job: bytes) -> None:
        try:
            with self.path.open("ab") as fh:
                fh.write(job)
        except OSError as exc:
            raise PrinterError("offline", f"{self.spec}: {exc}") from exc

    def status(self) -> PrinterStatus:
        if not self.path.parent.exists():
            return PrinterStatus("offline", f"{self.path.parent} does not exist")
        return PrinterStatus("unknown", "a file printer cannot report its status")


class UsbTicketPrinter(TicketPrinter):
    """Direct USB through python-escpos (needs pyusb and libusb-1.0)."""

    def __init__(
        self,
        spec: str,
        profile: PrinterProfile,
        vendor_id: int,
        product_id: int,
        status_timeout: float = DEFAULT_STATUS_TIMEOUT_S,
    ) -> None:
        super().__init__(spec, profile)
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.status_timeout = status_timeout
        self._usb = None

    def _device(self):  # -> escpos.printer.Usb
        if self._usb is None:
            from escpos.printer import Usb

            if not Usb.is_usable():
                # Checked first: a Usb object built without pyusb raises again in __del__.
                raise PrinterError(
                    "offline", f"{self.spec}: USB printing needs pyusb and libusb-1.0-0"
                )
            try:
                usb = Usb(self.vendor_id, self.product_id, timeout=5000, profile=self.profile.name)
                usb.open()
            except Exception as exc:  # pyusb missing, no permission, not plugged in, ...
                raise PrinterError("offline", f"{self.spec}: {exc}") from exc
            self._usb = usb
        return self._usb

    def _send(self, job: bytes) -> None:
        try:
            self._device()._raw(job)
        except PrinterError:
            raise
        except Exception as exc:
            self.close()
            raise PrinterError("offline", f"{self.spec}: {exc}") from exc

    def status(self) -> PrinterStatus:
        try:
            usb = self._device()
            answers = []
            for n in (STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER):
                usb._raw(DLE_EOT + bytes([n]))
                data = usb.device.read(usb.in_ep, 16, int(self.status_timeout * 1000))
                if not data or data[0] & _FIXED_MASK != _FIXED_BITS:
                    return PrinterStatus("unknown", f"no valid answer to DLE EOT {n}")
                answers.append(data[0])
        except PrinterError as exc:
            return PrinterStatus(exc.status, str(exc))
        except Exception as exc:  # pyusb timeout or a printer without an IN endpoint
            return PrinterStatus("unknown", f"{self.spec}: {exc}")
        return interpret_status(*answers)

    def close(self) -> None:
        if self._usb is not None:
            try:
                self._usb.close()
            except Exception:  # closing a vanished device must not hide the real error
                pass
            self._usb = None


class CupsTicketPrinter(TicketPrinter):
    """A raw CUPS queue, through the CUPS command-line client: `lpstat -p` for the queue's
    state, `lp -o raw` for the job (the bytes go to the printer untouched).

    The commands, not pycups (which python-escpos' CupsPrinter needs): pycups builds from
    source against libcups2-dev with a C compiler and Python's headers, which an office
    PC has no business carrying; `lp` comes with CUPS itself. CUPS is one-way: a queue
    that is stopped or missing is "offline", a ready one "unknown" (paper not reported)."""

    def __init__(self, spec: str, profile: PrinterProfile, queue: str) -> None:
        super().__init__(spec, profile)
        self.queue = queue

    def _cups(self, command: str, *args: str, job: bytes | None = None
              ) -> subprocess.CompletedProcess[bytes]:
        path = shutil.which(command)
        if path is None:
            raise PrinterError("offline", f"{self.spec}: the CUPS '{command}' command is not "
                               "installed (Debian package cups-client)")
        try:
            # LC_ALL=C: lpstat's words are read below, not shown
            return subprocess.run([path, *args], input=job, capture_output=True, timeout=10,
                                  check=False, env={**os.environ, "LC_ALL": "C"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrinterError("offline", f"{self.spec}: {command}: {exc}") from exc

    def _queue_state(self) -> PrinterStatus:
        done = self._cups("lpstat", "-p", self.queue)
        text = done.stdout.decode(errors="replace")
        if done.returncode != 0 or not text.startswith(f"printer {self.queue} "):
            reason = done.stderr.decode(errors="replace").strip() or "no such queue"
            return PrinterStatus("offline", f"{self.spec}: {reason}")
        first, _, rest = text.partition("\n")
        if " disabled " in f"{first} ":
            why = rest.strip() or "the queue is stopped"
            return PrinterStatus("offline", f"{self.spec}: CUPS queue stopped: {why}")
        return PrinterStatus("unknown", "CUPS queue ready (CUPS does not report the paper)")

    def _send(self, job: bytes) -> None:
        state = self._queue_state()
        if state.state == "offline":  # a stopped queue would hold the job, unprinted
            raise PrinterError("offline", state.detail)
        done = self._cups("lp", "-d", self.queue, "-t", "antrean-ticket", "-o", "raw", job=job)
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
            raise PrinterError("offline", f"{self.spec}: lp failed: {reason}")

    def status(self) -> PrinterStatus:
        try:
            return self._queue_state()
        except PrinterError as exc:
            return PrinterStatus(exc.status, str(exc))


class DummyTicketPrinter(TicketPrinter):
    """Keeps every job in memory (`output`, `tickets`) and draws PNG previews."""

    def __init__(self, spec: str = "dummy", profile: PrinterProfile | None = None) -> None:
        super().__init__(spec, profile or PrinterProfile.from_escpos("TM-T88V"))
        self._jobs: list[bytes] = []
        self.tickets: list[PrintableTicket] = []

    @property
    def output(self) -> bytes:
        return b"".join(self._jobs)

    @property
    def jobs(self) -> list[bytes]:
        return list(self._jobs)

    def print_ticket(self, ticket: PrintableTicket) -> None:
        self._send(self.render(ticket))
        self.tickets.append(ticket)

    def _send(self, job: bytes) -> None:
        self._jobs.append(job)

    def clear(self) -> None:
        self._jobs.clear()
        self.tickets.clear()

    def status(self) -> PrinterStatus:
        return PrinterStatus("ok", "dummy printer")

    def preview_png(self, path: str | Path, ticket: PrintableTicket | None = None) -> Path:
        """Draw `ticket` (default: the last printed one) as a PNG at the paper's width."""
        chosen = ticket or (self.tickets[-1] if self.tickets else None)
        if chosen is None:
            raise ValueError("nothing printed yet: pass the ticket to preview")
        return save_preview_png(chosen, self.profile, path)


@dataclass(frozen=True)
class PrinterSpec:
    kind: Literal["usb", "serial", "network", "cups", "file", "dummy"]
    target: str = ""  # device path, host, queue or file path
    number: int | None = None  # baud rate or TCP port
    vendor_id: int | None = None
    product_id: int | None = None


_SPEC_HELP = (
    "expected usb:VID:PID, serial:DEVICE[:BAUD], network:HOST[:PORT], cups:QUEUE, "
    "file:PATH or dummy"
)


def parse_spec(spec: str) -> PrinterSpec:
    """Parse a printer SPEC string; ValueError with a one-line reason when malformed."""
    text = spec.strip()
    kind, sep, rest = text.partition(":")
    kind = kind.lower()
    if kind == "dummy" and not rest:
        return PrinterSpec("dummy")
    if not sep or not rest:
        raise ValueError(f"bad printer spec {spec!r}: {_SPEC_HELP}")
    if kind == "usb":
        m = re.fullmatch(r"(?:0x)?([0-9a-fA-F]{1,4}):(?:0x)?([0-9a-fA-F]{1,4})", rest)
        if not m:
            raise ValueError(f"bad printer spec {spec!r}: usb needs hex ids, e.g. usb:04b8:0202")
        return PrinterSpec("usb", vendor_id=int(m[1], 16), product_id=int(m[2], 16))
    if kind == "serial":
        device, baud = rest, DEFAULT_BAUDRATE
        head, colon, tail = rest.rpartition(":")
        if colon and tail.isdigit():
            device, baud = head, int(tail)
        if not device or baud <= 0:
            raise ValueError(f"bad printer spec {spec!r}: expected serial:DEVICE[:BAUD]")
        return PrinterSpec("serial", target=device, number=baud)
    if kind == "network":
        host, port = rest, DEFAULT_NETWORK_PORT
        if rest.startswith("["):  # [IPv6]:port
            m = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?", rest)
            if not m:
                raise ValueError(f"bad printer spec {spec!r}: expected network:[IPv6]:PORT")
            host, port = m[1], int(m[2]) if m[2] else DEFAULT_NETWORK_PORT
        elif rest.count(":") == 1:
            host, _, port_text = rest.partition(":")
            if not port_text.isdigit():
                raise ValueError(f"bad printer spec {spec!r}: port must be a number")
            port = int(port_text)
        if not host or not 0 < port < 65536:
            raise ValueError(f"bad printer spec {spec!r}: expected network:HOST[:PORT]")
        return PrinterSpec("network", target=host, number=port)
    if kind == "cups":
        if not re.fullmatch(r"[^\s/#]+", rest):
            raise ValueError(f"bad printer spec {spec!r}: not a CUPS queue name")
        return PrinterSpec("cups", target=rest)
    if kind == "file":
        return PrinterSpec("file", target=rest)
    raise ValueError(f"bad printer spec {spec!r}: unknown kind {kind!r}; {_SPEC_HELP}")


def open_printer(
    spec: str,
    profile: str | None = None,
    *,
    status_timeout: float = DEFAULT_STATUS_TIMEOUT_S,
    number_as_image: bool = True,
) -> TicketPrinter:
    """Make the printer described by `spec` (see docs/hardware.md). Nothing is opened yet:
    a missing printer shows as status() 'offline' and as PrinterError on print.
    `number_as_image=False` prints the queue number in the printer's own font."""
    parsed = parse_spec(spec)
    # Without a profile a dummy previews an 80 mm Epson; real printers get escpos' default.
    prof = PrinterProfile.from_escpos(profile or ("TM-T88V" if parsed.kind == "dummy" else None),
                                      number_as_image=number_as_image)
    if parsed.kind == "dummy":
        return DummyTicketPrinter(spec, prof)
    if parsed.kind == "serial":
        return SerialTicketPrinter(
            spec, prof, parsed.target, parsed.number or DEFAULT_BAUDRATE, status_timeout
        )
    if parsed.kind == "network":
        return NetworkTicketPrinter(
            spec, prof, parsed.target, parsed.number or DEFAULT_NETWORK_PORT, status_timeout
        )
    if parsed.kind == "file":
        return FileTicketPrinter(spec, prof, parsed.target)
    if parsed.kind == "cups":
        return CupsTicketPrinter(spec, prof, parsed.target)
    assert parsed.vendor_id is not None and parsed.product_id is not None
    return UsbTicketPrinter(spec, prof, parsed.vendor_id, parsed.product_id, status_timeout)
