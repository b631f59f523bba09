"""Benchmark: a kiosk touch reaches the printer — the real kiosk controller (flow,
connection, printer worker) against a real server, from the touch on a lane to the
ticket's bytes written by the printer (a `file:` printer: a real write). Baseline, same
run: a bare `ping` round trip on the same connection. Target: under 150 ms.

    python bench/bench_kiosk_print.py [--tickets 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from antrean.demo_office import DemoOffice  # noqa: E402
from bench.common import pct  # noqa: E402
from hardware.printer import open_printer  # noqa: E402
from kiosk.controller import KioskController  # noqa: E402
from kiosk.flow import KioskFlow  # noqa: E402
from office_client.connection import OfficeConnection  # noqa: E402


def spin(app: QApplication, until, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not until():
        if time.monotonic() > end:
            raise TimeoutError
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 1)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=40)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    with DemoOffice() as office, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "printer.bin"
        printer = open_printer(f"file:{out}", "TM-T88V")
        conn = OfficeConnection(office.url, "kiosk", "kiosk-1", office.tokens["kiosk-1"])
        flow = KioskFlow(conn.model)
        kiosk = KioskController(conn, printer, flow, status_interval_ms=600_000)
        conn.start()
        spin(app, lambda: flow.online)
        touch, ping = [], []
        for _ in range(args.tickets):
            results: list[dict] = []
            t0 = time.perf_counter()
            conn.send_command("ping", {}, results.append)
            spin(app, lambda r=results: bool(r))
            ping.append((time.perf_counter() - t0) * 1000)

            kiosk.do("go_home")
            kiosk.do("choose_service", "paspor-baru")
            size = out.stat().st_size if out.exists() else 0
            t0 = time.perf_counter()
            kiosk.do("choose_lane", "reguler")
            spin(app, lambda s=size: out.exists() and out.stat().st_size > s)
            touch.append((time.perf_counter() - t0) * 1000)
        kiosk.stop()
        conn.stop()
    print(f"kiosk touch → ticket bytes at the printer ({args.tickets} tickets): "
          f"p50 {pct(touch, 50):.1f} ms, p99 {pct(touch, 99):.1f} ms")
    print(f"baseline, bare ping round trip on the same connection: "
          f"p50 {pct(ping, 50):.1f} ms, p99 {pct(ping, 99):.1f} ms "
          f"(touch/ping p50 {pct(touch, 50) / pct(ping, 50):.1f}x)")
    print("target: under 150 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
