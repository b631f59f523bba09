"""`antrean counter`: builds the console (connection + desk + window) and runs it.

`build_console()` is shared by `main`, the tests and the screenshot gallery, so all three
run the same wiring: connection signals feed the desk, the desk sends through the
connection. With no token (`pair=True`) the console first shows a pairing code until a
supervisor approves it.
"""

from __future__ import annotations

import argparse
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from counter_console.desk import Desk
from counter_console.style import PAIRING_THEME
from counter_console.window import ConsoleWindow
from office_client import credentials
from office_client.connection import OfficeConnection
from office_client.pairing import device_label
from office_client.pairing_screen import PairingScreen


@dataclass
class Console:
    connection: OfficeConnection
    desk: Desk
    window: ConsoleWindow
    pairing_screen: PairingScreen

    def stop(self) -> None:
        self.connection.stop()
        self.window.close()


def build_console(url: str, token: str | None, device: str | None = None, lang: str = "id",
                  counter: str | None = None, command_timeout_s: float = 15.0,
                  desk_kwargs: dict | None = None, cert_sha256: str | None = None,
                  credentials_path: Path | None = None, pair: bool = False) -> Console:
    connection = OfficeConnection(url, "counter", device, token,
                                  command_timeout_s=command_timeout_s,
                                  cert_sha256=cert_sha256, credentials_path=credentials_path,
                                  pair=pair)
    desk = Desk(connection.model, connection.send_command, lang=lang,
                preferred_counter=counter, **(desk_kwargs or {}))
    connection.welcomed.connect(desk.on_welcome)
    connection.event_applied.connect(desk.on_event)
    connection.state_changed.connect(desk.set_connection)
    window = ConsoleWindow(desk)
    # Over the whole window while the console waits for its pairing code to be approved.
    pairing_screen = PairingScreen(connection, PAIRING_THEME, window)
    return Console(connection, desk, window, pairing_screen)


def main(args: argparse.Namespace) -> int:
    from counter_console.style import FONT_FAMILY
    from office_client.app_shell import AppShell
    try:
        creds, creds_path = credentials.from_args(args, "counter", token_required=False)
    except credentials.CredentialsError as exc:
        print(f"antrean: {exc}", file=sys.stderr)
        return 1
    shell = AppShell("antrean-counter", FONT_FAMILY)
    unpaired = creds.token is None
    device = device_label("counter", creds.device, socket.gethostname()) if unpaired \
        else creds.device
    console = build_console(creds.server, creds.token, device,
                            counter=getattr(args, "counter", None),
                            cert_sha256=creds.cert_sha256, credentials_path=creds_path,
                            pair=unpaired)
    bridge = None
    if getattr(args, "buttons", None):
        from counter_console.buttons import ButtonBridge, mapping_from_env
        try:
            mapping = mapping_from_env()
        except ValueError as exc:
            print(f"antrean: {exc}", file=sys.stderr)
            return 2
        bridge = ButtonBridge(console.desk, args.buttons, mapping)
        bridge.start()
    shell.show(console.window, windowed=getattr(args, "windowed", False), size=(1366, 768))
    return shell.run(console.connection, bridge.stop if bridge else lambda: None)
