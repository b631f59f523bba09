"""`antrean kiosk`: builds the kiosk from command-line arguments and runs it.

Arguments (antrean/cli.py): --server URL, --token T, --device NAME, --cert-sha256 FP,
--printer SPEC, --printer-profile NAME, --printer-number image|text, --scanner PORT,
--windowed. Server, token and certificate pin come from the device's credentials file when
not given (office_client/credentials.py); with no token at all the kiosk shows a pairing
code until a supervisor approves it, and keeps the token it then gets in that file.
Environment knobs for installers: ANTREAN_KIOSK_IDLE_S (idle seconds before going home,
default 30), ANTREAN_KIOSK_VOICE=0 (no spoken guidance at all).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sqlite3
import sys

log = logging.getLogger("antrean.kiosk")


def _float_env(name: str, default: float) -> float:
    try:
        return max(5.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


def main(args: argparse.Namespace) -> int:
    from hardware.printer import open_printer

    try:
        printer = open_printer(args.printer or "dummy", getattr(args, "printer_profile", None),
                               number_as_image=getattr(args, "printer_number", "image") != "text")
    except ValueError as exc:
        print(f"antrean kiosk: {exc}", file=sys.stderr)
        return 2
    from office_client import credentials
    try:
        creds, creds_path = credentials.from_args(args, "kiosk", token_required=False)
    except credentials.CredentialsError as exc:
        print(f"antrean kiosk: {exc}", file=sys.stderr)
        return 1

    from kiosk.controller import KioskController
    from kiosk.devices import ScannerReader
    from kiosk.flow import KioskFlow
    from kiosk.screens import FONT_FAMILY, KioskWindow
    from office_client.app_shell import AppShell
    from office_client.connection import OfficeConnection
    from office_client.pairing import device_label

    shell = AppShell("antrean-kiosk", FONT_FAMILY)
    unpaired = creds.token is None
    device = device_label("kiosk", creds.device, socket.gethostname()) if unpaired \
        else creds.device or "kiosk"
    connection = OfficeConnection(creds.server, "kiosk", device, creds.token,
                                  cert_sha256=creds.cert_sha256, credentials_path=creds_path,
                                  pair=unpaired)
    from kiosk.journal import Journal, journal_path
    from kiosk.offline import OfflineIssuer, status_base_from_server_url

    # Offline issuing needs the journal; a kiosk that cannot open it still issues online.
    issuer = None
    try:
        issuer = OfflineIssuer(Journal(journal_path(creds_path)), device,
                               status_base=status_base_from_server_url(creds.server))
    except (OSError, sqlite3.Error) as exc:
        log.error("no offline issuing: the journal %s cannot be opened: %s",
                  journal_path(creds_path), exc)
    if issuer is not None:
        # offline tickets' ids carry the kiosk's name: the one its pairing gave it
        connection.paired.connect(lambda name: setattr(issuer, "kiosk", name))
    flow = KioskFlow(connection.model,
                     idle_timeout_s=_float_env("ANTREAN_KIOSK_IDLE_S", 30.0), offline=issuer)
    voice = None
    if os.environ.get("ANTREAN_KIOSK_VOICE", "1") != "0":
        try:
            from kiosk.voice import VoiceGuide
            voice = VoiceGuide()
            voice.warning.connect(lambda text: log.warning("%s", text))
        except ImportError as exc:  # QtMultimedia missing: the kiosk works without voice
            log.warning("voice guide disabled: %s", exc)
    controller = KioskController(connection, printer, flow, voice=voice)
    window = KioskWindow(controller)
    if getattr(args, "scanner", None):
        scanner = ScannerReader(args.scanner)
        scanner.start()
        controller.attach_scanner(scanner)
    shell.show(window, windowed=getattr(args, "windowed", False), size=(1280, 800))
    return shell.run(connection, controller.stop)
