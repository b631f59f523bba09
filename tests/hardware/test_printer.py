"""Printer SPEC parsing, real-time status over a pty and TCP, jobs, dummy and file printers."""

from __future__ import annotations

import socket

import pytest
from escpos_bytes import decode
from fake_devices import PtyPrinter, TcpPrinter
from hw_samples import URL, make_ticket

from hardware.printer import (
    CupsTicketPrinter,
    DummyTicketPrinter,
    FileTicketPrinter,
    NetworkTicketPrinter,
    PrinterError,
    PrinterStatus,
    SerialTicketPrinter,
    UsbTicketPrinter,
    interpret_status,
    open_printer,
    parse_spec,
)

FAST = 0.1  # status read timeout in tests: only the "silent printer" cases wait it out
# where the fake printer answers, the read returns with the answer: a loaded machine (the
# suite on every core) may take longer than FAST to run the fake's thread
ANSWERED = 5.0

# DLE EOT answers: bit 1 and bit 4 are always set (0x12).
OK = {1: 0x12, 2: 0x12, 4: 0x12}
STATUS_CASES = {
    "ok": OK,
    "paper_near_end": {**OK, 4: 0x12 | 0x0C},
    "paper_out": {1: 0x12 | 0x08, 2: 0x12 | 0x20, 4: 0x12 | 0x60},
    "cover_open": {1: 0x12 | 0x08, 2: 0x12 | 0x04, 4: 0x12},
}


@pytest.fixture
def pty_printer():
    fake = PtyPrinter()
    yield fake
    fake.close()


@pytest.fixture
def tcp_printer():
    fake = TcpPrinter()
    yield fake
    fake.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- SPEC strings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "kind", "target", "number"),
    [
        ("dummy", "dummy", "", None),
        ("serial:/dev/ttyUSB0", "serial", "/dev/ttyUSB0", 9600),
        ("serial:/dev/ttyUSB0:38400", "serial", "/dev/ttyUSB0", 38400),
        ("serial:loop://", "serial", "loop://", 9600),
        ("network:192.168.1.50", "network", "192.168.1.50", 9100),
        ("network:printer.local:9101", "network", "printer.local", 9101),
        ("network:[fe80::1]:9100", "network", "fe80::1", 9100),
        ("cups:TM-T88V", "cups", "TM-T88V", None),
        ("file:/dev/usb/lp0", "file", "/dev/usb/lp0", None),
    ],
)
def test_parse_spec(spec, kind, target, number):
    parsed = parse_spec(spec)
    assert (parsed.kind, parsed.target, parsed.number) == (kind, target, number)


def test_parse_usb_spec_hex():
    parsed = parse_spec("usb:04b8:0e15")
    assert (parsed.vendor_id, parsed.product_id) == (0x04B8, 0x0E15)
    assert parse_spec("usb:0x0416:0x5011").vendor_id == 0x0416


@pytest.mark.parametrize(
    "spec",
    ["", "laser", "usb:", "usb:04b8", "usb:xyz:0202", "serial:", "network:",
     "network:host:port", "network:host:70000", "cups:", "cups:a b", "file:", "dummy:x",
     "bluetooth:00:11"],
)
def test_bad_spec_is_a_one_line_value_error(spec):
    with pytest.raises(ValueError) as info:
        open_printer(spec)
    message = str(info.value)
    assert "\n" not in message and "printer spec" in message


def test_open_printer_picks_transport_and_profile():
    assert isinstance(open_printer("dummy"), DummyTicketPrinter)
    assert open_printer("dummy").profile.name == "TM-T88V"
    assert isinstance(open_printer("serial:/dev/ttyS0", "POS-5890"), SerialTicketPrinter)
    assert open_printer("serial:/dev/ttyS0", "POS-5890").profile.columns == 32
    assert isinstance(open_printer("network:10.0.0.9"), NetworkTicketPrinter)
    assert isinstance(open_printer("file:/tmp/x"), FileTicketPrinter)
    assert isinstance(open_printer("cups:kiosk"), CupsTicketPrinter)
    assert isinstance(open_printer("usb:04b8:0202"), UsbTicketPrinter)
    with pytest.raises(ValueError, match="unknown printer profile"):
        open_printer("dummy", "NOPE-1")


# --- status interpretation ---------------------------------------------------------------


def test_interpret_status_worst_problem_first():
    assert interpret_status(0x12, 0x12, 0x12).state == "ok"
    assert interpret_status(0x12, 0x12, 0x1E).state == "paper_near_end"
    assert interpret_status(0x1A, 0x32, 0x72).state == "paper_out"
    assert interpret_status(0x1A, 0x36, 0x72).state == "cover_open"
    assert interpret_status(0x1A, 0x52, 0x12).state == "offline"
    assert PrinterStatus("unknown").can_print and not PrinterStatus("paper_out").can_print


# --- serial printer over a pty -----------------------------------------------------------


@pytest.mark.parametrize("expected", list(STATUS_CASES))
def test_serial_status(pty_printer, expected):
    pty_printer.answers = STATUS_CASES[expected]
    printer = open_printer(f"serial:{pty_printer.path}:19200", "TM-T88V", status_timeout=ANSWERED)
    try:
        status = printer.status()
    finally:
        printer.close()
    assert status.state == expected, status
    assert pty_printer.queries == [1, 2, 4]


def test_serial_silent_printer_is_unknown_not_ok(pty_printer):
    printer = open_printer(f"serial:{pty_printer.path}", status_timeout=FAST)
    try:
        status = printer.status()
    finally:
        printer.close()
    assert status.state == "unknown" and "no answer" in status.detail
    assert printer.answers_status is False


def test_serial_garbage_answer_is_unknown(pty_printer):
    pty_printer.answers = {1: 0x00, 2: 0x00, 4: 0x00}
    printer = open_printer(f"serial:{pty_printer.path}", status_timeout=ANSWERED)
    try:
        assert printer.status().state == "unknown"
    finally:
        printer.close()


def test_serial_missing_port_is_offline(tmp_path):
    printer = open_printer(f"serial:{tmp_path}/ttyUSB9", status_timeout=FAST)
    assert printer.status().state == "offline"
    with pytest.raises(PrinterError) as info:
        printer.print_ticket(make_ticket())
    assert info.value.status == "offline"


def test_serial_print_sends_the_whole_job(pty_printer):
    printer = open_printer(f"serial:{pty_printer.path}", "TM-T88V", status_timeout=FAST)
    ticket = make_ticket()
    job = printer.render(ticket)
    try:
        printer.print_ticket(ticket)
        received = pty_printer.wait_for_bytes(len(job))
    finally:
        printer.close()
    assert received == job
    out = decode(received, "TM-T88V")
    assert "NOMOR ANTREAN" in out.lines and out.qr_payloads == [URL.encode()]


def test_serial_print_refused_when_printer_says_paper_out(pty_printer):
    pty_printer.answers = STATUS_CASES["paper_out"]
    printer = open_printer(f"serial:{pty_printer.path}", "TM-T88V", status_timeout=ANSWERED)
    try:
        assert printer.status().state == "paper_out"
        with pytest.raises(PrinterError) as info:
            printer.print_ticket(make_ticket())
        assert info.value.status == "paper_out"
        assert pty_printer.received == b""
        pty_printer.answers = STATUS_CASES["paper_near_end"]  # roll replaced, nearly empty
        ticket = make_ticket()
        printer.print_ticket(ticket)
        job = printer.render(ticket)
        assert pty_printer.wait_for_bytes(len(job)) == job
    finally:
        printer.close()


# --- network printer ---------------------------------------------------------------------


@pytest.mark.parametrize("expected", list(STATUS_CASES))
def test_network_status(tcp_printer, expected):
    tcp_printer.answers = STATUS_CASES[expected]
    printer = open_printer(f"network:127.0.0.1:{tcp_printer.port}", status_timeout=ANSWERED)
    assert printer.status().state == expected


def test_network_silent_printer_is_unknown(tcp_printer):
    printer = open_printer(f"network:127.0.0.1:{tcp_printer.port}", status_timeout=FAST)
    assert printer.status().state == "unknown"


def test_network_closed_port_is_offline():
    printer = open_printer(f"network:127.0.0.1:{closed_port()}", status_timeout=FAST)
    status = printer.status()
    assert status.state == "offline" and "cannot connect" in status.detail
    with pytest.raises(PrinterError) as info:
        printer.print_ticket(make_ticket())
    assert info.value.status == "offline"


def test_network_print_and_precheck_share_one_connection(tcp_printer):
    tcp_printer.answers = OK
    printer = open_printer(f"network:127.0.0.1:{tcp_printer.port}", "POS-5890",
                           status_timeout=ANSWERED)
    assert printer.status().state == "ok"
    ticket = make_ticket()
    job = printer.render(ticket)
    printer.print_ticket(ticket)
    assert tcp_printer.wait_for_bytes(len(job)) == job
    assert tcp_printer.queries == [1, 2, 4, 1, 2, 4]
    assert tcp_printer.connections == 2
    assert len(decode(job, "POS-5890").raster_images) == 2  # the number and the QR code


def test_network_cover_open_refuses_print(tcp_printer):
    tcp_printer.answers = STATUS_CASES["cover_open"]
    printer = open_printer(f"network:127.0.0.1:{tcp_printer.port}", status_timeout=ANSWERED)
    assert printer.status().state == "cover_open"
    with pytest.raises(PrinterError) as info:
        printer.print_ticket(make_ticket())
    assert info.value.status == "cover_open"


# --- dummy, file, cups, usb --------------------------------------------------------------


def test_dummy_keeps_bytes_and_previews(tmp_path):
    printer = open_printer("dummy", "POS-5890")
    assert printer.status() == PrinterStatus("ok", "dummy printer")
    with pytest.raises(ValueError, match="nothing printed"):
        printer.preview_png(tmp_path / "none.png")
    ticket = make_ticket()
    printer.print_ticket(ticket)
    printer.print_ticket(make_ticket(number="A013"))
    assert len(printer.jobs) == 2 and printer.output == b"".join(printer.jobs)
    assert printer.jobs[1] == printer.render(make_ticket(number="A013"))
    assert printer.jobs[0] != printer.jobs[1]  # the number differs, as an image
    path = printer.preview_png(tmp_path / "last.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    printer.preview_png(tmp_path / "first.png", ticket)
    assert (tmp_path / "first.png").exists()


def test_file_printer_appends_jobs_and_status_is_unknown(tmp_path):
    target = tmp_path / "lp0"
    printer = open_printer(f"file:{target}", "TM-T88V")
    assert printer.status().state == "unknown"
    printer.print_ticket(make_ticket())
    printer.print_ticket(make_ticket(number="A013"))
    both = printer.render(make_ticket()) + printer.render(make_ticket(number="A013"))
    assert target.read_bytes() == both
    assert decode(both, "TM-T88V").lines.count("NOMOR ANTREAN") == 2


def test_file_printer_in_missing_directory_is_offline(tmp_path):
    printer = open_printer(f"file:{tmp_path}/nope/lp0")
    assert printer.status().state == "offline"
    with pytest.raises(PrinterError) as info:
        printer.print_ticket(make_ticket())
    assert info.value.status == "offline"


def test_usb_without_device_is_offline_not_a_crash():
    # No printer with this id is attached here (and pyusb may be absent): offline, cleanly.
    printer = open_printer("usb:dead:beef")
    assert printer.status().state in ("offline", "unknown")
    with pytest.raises(PrinterError):
        printer.print_ticket(make_ticket())
