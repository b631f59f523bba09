"""`antrean counter`: builds the console (connection + desk + window) and runs it.

`build_console()` is shared by `main`, the tests and the screenshot gallery, so all three
run the same wiring: connection signals feed the desk, the desk sends through the
connection.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from counter_console.desk import Desk
from counter_console.window import ConsoleWindow
from office_client import credentials
from office_client.connection import OfficeConnection


@dataclass
class Console:
    connection: OfficeConnection
    desk: Desk
    window: ConsoleWindow

    def stop(self) -> None:
        self.connection.stop()
        self.window.close()


def build_console(url: str, token: str | None, device: str | None = None, lang: str = "id",
                  counter: str | None = None, command_timeout_s: float = 15.0,
                  desk_kwargs: dict | None = None, cert_sha256: str | None = None,
                  credentials_path: Path | None = None) -> Console:
    connection = OfficeConnection(url, "counter", device, token,
                                  command_timeout_s=command_timeout_s,
                                  cert_sha256=cert_sha256, credentials_path=credentials_path)
    desk = Desk(connection.model, connection.send_command, lang=lang,
                preferred_counter=counter, **(desk_kwargs or {}))
    connection.welcomed.connect(desk.on_welcome)
    connection.event_applied.connect(desk.on_event)
    connection.state_changed.connect(desk.set_connection)
    window = ConsoleWindow(desk)
    return Console(connection, desk, window)


def main(args: argparse.Namespace) -> int:
    from counter_console.style import FONT_FAMILY
    from office_client.app_shell import AppShell
    try:
        creds, creds_path = credentials.from_args(args, "counter")
    except credentials.CredentialsError as exc:
        print(f"antrean: {exc}", file=sys.stderr)
        return 1
    shell = AppShell("antrean-counter", FONT_FAMILY)
    console = build_console(creds.server, creds.token, creds.device,
                            counter=getattr(args, "counter", None),
                            cert_sha256=creds.cert_sha256, credentials_path=creds_path)
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
