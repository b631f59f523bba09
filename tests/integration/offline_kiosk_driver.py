"""A real kiosk without a window, as a process a test can kill -9: the app's connection,
flow (with its journal and leases) and controller with a `file:` printer.

    python offline_kiosk_driver.py --server URL --device NAME --token T --state DIR
        --printer file:PATH [--offline-after S]

Commands on stdin, one a line: `issue SERVICE LANE`, `printer SPEC`. It reports on
stdout, one JSON object a line, as things happen: `{"state": …}` (connection),
`{"issuing_offline": bool}`, `{"leased": {"service/lane": unused}}` (after each lease
answer), `{"unsynced": n}` (after each sync answer and at start), `{"issued": ticket}` (the
flow has the ticket and asked for its print; an offline one is in the journal by then),
`{"printed": id, "ok": bool}`, `{"refused": service}` (the touch issued nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    for name in ("--server", "--device", "--token", "--state", "--printer"):
        ap.add_argument(name, required=True)
    ap.add_argument("--offline-after", type=float, default=1.0)
    args = ap.parse_args()
    os.environ["ANTREAN_CONFIG_DIR"] = args.state

    from PySide6.QtCore import QCoreApplication, QTimer

    from hardware.printer import open_printer
    from kiosk.controller import KioskController
    from kiosk.flow import KioskFlow
    from kiosk.journal import Journal, journal_path
    from kiosk.offline import OfflineIssuer, status_base_from_server_url
    from office_client import credentials
    from office_client.connection import OfficeConnection

    app = QCoreApplication(sys.argv[:1])
    creds, creds_path = credentials.resolve(args.device, args.server, args.device, args.token)
    journal = Journal(journal_path(creds_path))
    issuer = OfflineIssuer(journal, args.device,
                           status_base=status_base_from_server_url(creds.server))
    connection = OfficeConnection(creds.server, "kiosk", args.device, creds.token,
                                  command_timeout_s=5.0)
    flow = KioskFlow(connection.model, offline=issuer, offline_after_s=args.offline_after)
    controller = KioskController(connection, open_printer(args.printer), flow, tick_ms=50)

    def say(**message: object) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    last: dict[str, object] = {}

    def report(key: str, value: object) -> None:
        if last.get(key, object()) != value:
            last[key] = value
            say(**{key: value})

    def on_changed() -> None:
        report("issuing_offline", flow.issuing_offline)
        report("unsynced", len(journal.unsynced(10_000)))
        report("leased", {f"{s}/{lane}": n for (s, lane), n in
                          sorted(journal.unused_by_key(issuer.today()).items())})
        data = flow.issued
        if data is not None and last.get("issued_id") != data.get("id"):
            last["issued_id"] = data.get("id")
            say(issued={k: data.get(k) for k in ("id", "number", "service", "lane",
                                                 "issued_at", "status_url", "offline")})

    controller.changed.connect(on_changed)
    connection.state_changed.connect(lambda state: say(state=state))
    controller.printed.connect(lambda tid, ok: say(printed=tid, ok=ok))

    lines: queue.Queue[str] = queue.Queue()

    def read_stdin() -> None:  # no Qt here: lines travel through the queue
        for line in sys.stdin:
            lines.put(line)
        lines.put("quit")

    threading.Thread(target=read_stdin, daemon=True).start()

    def run_commands() -> None:
        while not lines.empty():
            words = lines.get_nowait().split()
            if not words:
                continue
            if words[0] == "quit":
                app.quit()
            elif words[0] == "printer":
                controller.set_printer(open_printer(words[1]))
                say(printer=words[1])
            elif words[0] == "issue":
                service, lane = words[1], words[2]
                before = flow.issued
                controller.do("go_home")
                controller.do("choose_service", service)
                if flow.screen == "category":
                    controller.do("choose_lane", lane)
                if flow.issued is before and flow.screen != "issuing":
                    say(refused=service, error=flow.error)

    poll = QTimer()
    poll.timeout.connect(run_commands)
    poll.start(10)
    connection.start()
    on_changed()
    try:
        return int(app.exec())
    finally:
        controller.stop()
        connection.stop()


if __name__ == "__main__":
    raise SystemExit(main())
