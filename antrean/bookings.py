"""`antrean bookings import FILE`: send the office's booking export (CSV) to the running
server as an admin device.

The CSV needs a header row with `code`, `service`, `slot_start` and optionally
`slot_end` and `lane` (column names are matched case-insensitively; common M-Paspor
export names such as `kode_booking`, `layanan`, `jadwal` are accepted too). Times are
`YYYY-MM-DD HH:MM` in the office's time zone (or ISO with an offset). Only the booking
code, service and slot are kept — no names or NIK — and the code is forgotten once the
applicant checks in.
"""

from __future__ import annotations

import argparse
import csv
import json
import ssl
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

ALIASES = {
    "code": ("code", "kode", "kode_booking", "booking_code", "kode booking"),
    "service": ("service", "layanan", "jenis_layanan"),
    "slot_start": ("slot_start", "jadwal", "slot", "waktu", "jam_mulai"),
    "slot_end": ("slot_end", "jam_selesai", "slot_akhir"),
    "lane": ("lane", "jalur"),
}


class BookingFileError(Exception):
    pass


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BookingFileError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BookingFileError(f"{path}: not UTF-8 text") from None
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    header = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
    columns: dict[str, str] = {}
    for field, names in ALIASES.items():
        found = next((header[n] for n in names if n in header), None)
        if found:
            columns[field] = found
    missing = [f for f in ("code", "service", "slot_start") if f not in columns]
    if missing:
        raise BookingFileError(f"{path}: missing column(s) {', '.join(missing)} "
                               f"(found: {', '.join(reader.fieldnames or [])})")
    rows = []
    for line_no, raw in enumerate(reader, start=2):
        row = {field: (raw.get(col) or "").strip() for field, col in columns.items()}
        if not any(row.values()):
            continue
        if not row["code"] or not row["service"] or not row["slot_start"]:
            raise BookingFileError(f"{path}:{line_no}: code, service and slot_start are "
                                   "required")
        problem = row_problem(row)
        if problem:
            raise BookingFileError(f"{path}:{line_no}: {problem}")
        rows.append({k: v for k, v in row.items() if v})
    return rows


def row_problem(row: dict[str, str]) -> str | None:
    """What is wrong with one row's code and times, found before anything is sent, so the
    message names the file's line (the server checks every row again, and the rest: the
    service, the lane, the dates it takes)."""
    if len(row["code"]) > 64:
        return "code: at most 64 characters"
    times: dict[str, datetime] = {}
    for field in ("slot_start", "slot_end"):
        text = row.get(field)
        if not text:
            continue
        try:  # a date alone (10 characters) would parse as midnight: a slot needs a time
            value = datetime.fromisoformat(text) if len(text) > 10 else None
        except ValueError:
            value = None
        if value is None:
            return f"{field}: {text[:40]!r} is not a date and time (YYYY-MM-DD HH:MM)"
        times[field] = value
    start, end = times["slot_start"], times.get("slot_end")
    if end is not None:
        if (start.tzinfo is None) != (end.tzinfo is None):
            return "slot_start and slot_end must both have a time zone offset or neither"
        if end <= start:
            return "slot_end must be after slot_start"
    return None


def main(args: argparse.Namespace) -> int:
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    from antrean.cli import UserError
    try:
        rows = read_csv(args.file)
    except BookingFileError as exc:
        raise UserError(str(exc)) from None
    context = None
    if args.server.startswith("wss://"):
        # The office's own certificate (`antrean tls init`) is the only one trusted.
        from antrean.tls import DEFAULT_TLS_DIR, cert_path
        cafile = getattr(args, "tls_cert", None) or str(cert_path(DEFAULT_TLS_DIR))
        try:
            context = ssl.create_default_context(cafile=cafile)
        except (OSError, ssl.SSLError) as exc:
            raise UserError(f"cannot read the office's certificate {cafile}: "
                            f"{getattr(exc, 'strerror', None) or exc}") from None
    try:
        with connect(args.server, open_timeout=10, ssl=context) as ws:
            ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "admin",
                                "device": args.device, "token": args.token}))
            welcome = json.loads(ws.recv(timeout=10))
            if welcome.get("type") != "welcome":
                raise UserError(f"server refused: {welcome.get('error', {}).get('message')}")
            cid = uuid.uuid4().hex
            ws.send(json.dumps({"type": "command", "id": cid, "name": "import_bookings",
                                "args": {"bookings": rows}}))
            while True:
                msg = json.loads(ws.recv(timeout=30))
                if msg.get("type") == "result" and msg.get("id") == cid:
                    break
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise UserError(f"cannot reach the server at {args.server}: {exc}") from None
    if not msg["ok"]:
        raise UserError(msg["error"]["message"])
    print(f"{msg['data']['imported']} bookings imported")
    return 0
