"""`antrean demo`: a whole demo office on one machine.

With a screen: the server on an embedded SQLite in a temporary folder, plus a kiosk, a
counter console and a display board window (each its own process, like in an office);
`--crowd` adds simulated applicants and officers so the hall looks alive. Ctrl+C stops
everything. Without a screen, or with `--headless`: a scripted morning renders every
screen of every app (both languages), ticket previews and bytes, announcement WAVs, the
web pages and the day's report into `--out DIR`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from antrean.demo_office import DEMO_SUPERVISOR, DemoOffice
from server.store.sqlite import Store

log = logging.getLogger("antrean.demo")

# (module, what it renders) — each gallery runs its own demo office and real widgets.
GALLERIES = (
    ("antrean.gallery.kiosk", "kiosk screens, ticket previews and bytes, phone page"),
    ("antrean.gallery.console", "counter console screens"),
    ("antrean.gallery.board", "display boards, web board, announcement WAVs"),
    ("antrean.gallery.phone", "the phone page through a morning, and the boards' QR page"),
    ("antrean.gallery.reports", "the day's report (csv, xlsx, html, pdf) and the survey page"),
    ("antrean.gallery.admin", "the supervisor console (/admin)"),
    ("antrean.gallery.pairing", "each app's pairing screen (a device waiting for approval)"),
)
CROWD_COUNTERS = (("loket-1", "sari"), ("loket-4", "andi"), ("loket-5", "joko"))


def has_screen() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) \
        and os.environ.get("QT_QPA_PLATFORM") != "offscreen"


def main(args: argparse.Namespace) -> int:
    if args.headless or not has_screen():
        if not args.headless:
            print("no screen found: running the headless demo instead "
                  f"(gallery in {args.out}/)", flush=True)
        return run_headless(Path(args.out))
    return run_windows(args)


# ---------------------------------------------------------------------- headless
def run_headless(out: Path) -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no windows, whatever the machine has
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    written: list[Path] = []
    failures = 0
    for module, what in GALLERIES:
        t0 = time.monotonic()
        try:
            gallery = importlib.import_module(module)
            files = gallery.render_gallery(out)
        except Exception as exc:  # one broken part must not hide the others' output
            failures += 1
            log.exception("%s failed", module)
            print(f"  ! {what}: failed ({exc})", flush=True)
            continue
        written.extend(files)
        print(f"  {len(files):3d} files  {what}  ({time.monotonic() - t0:.1f} s)", flush=True)
    index = write_index(out, written)
    print(f"demo gallery: {len(written)} files in {out}/ ({time.monotonic() - started:.0f} s);"
          f" open {index}", flush=True)
    return 1 if failures else 0


def write_index(out: Path, files: list[Path]) -> Path:
    """A plain HTML page showing every picture: the gallery the README links to."""
    pngs = sorted(p for p in files if p.suffix == ".png")
    others = sorted(p for p in files if p.suffix != ".png")
    items = "\n".join(f'<figure><img src="{p.name}" loading="lazy"><figcaption>{p.name}'
                      "</figcaption></figure>" for p in pngs)
    links = "\n".join(f'<li><a href="{p.name}">{p.name}</a></li>' for p in others)
    index = out / "index.html"
    index.write_text(
        "<!doctype html><meta charset=utf-8><title>Antrean demo gallery</title>"
        "<style>body{font-family:sans-serif;background:#f3f5f9}figure{display:inline-block;"
        "margin:8px;background:#fff;padding:6px}img{max-width:480px;max-height:480px;"
        "display:block}</style><h1>Antrean demo gallery</h1>"
        f"{items}<h2>Other files</h2><ul>{links}</ul>", encoding="utf-8")
    return index


# ---------------------------------------------------------------------- with windows
def run_windows(args: argparse.Namespace) -> int:
    with DemoOffice(port=args.port) as office:
        print(f"demo office running: {office.url}  (web board {office.http_url}/display)",
              flush=True)
        print(f"officers: budi/1234, sari/5678 — database in {office.folder}", flush=True)
        sid, _name, pin = DEMO_SUPERVISOR
        print(f"supervisor console: {office.http_url}/admin  (officer {sid}, PIN {pin})",
              flush=True)
        procs: list[subprocess.Popen] = []
        if not args.no_apps:
            exe = [sys.executable, "-m", "antrean"]
            t = office.tokens
            # The apps' credentials files go in the demo's folder, not ~/.config/antrean.
            env = {**os.environ, "ANTREAN_CONFIG_DIR": str(Path(office.folder) / "devices")}
            procs = [
                subprocess.Popen([*exe, "kiosk", "--server", office.url, "--device", "kiosk-1",
                                  "--token", t["kiosk-1"], "--windowed"], env=env),
                subprocess.Popen([*exe, "counter", "--server", office.url, "--device",
                                  "console-1", "--token", t["console-1"], "--counter",
                                  "loket-2", "--windowed"], env=env),
                subprocess.Popen([*exe, "display", "--server", office.url, "--device",
                                  "board-1", "--token", t["board-1"], "--windowed"], env=env),
            ]
        stop = threading.Event()
        crowd = None
        if args.crowd:
            crowd = threading.Thread(target=run_crowd, args=(office, stop), daemon=True)
            crowd.start()
        try:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            while not stop.is_set() and all(p.poll() is None for p in procs):
                stop.wait(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
            print("demo stopped", flush=True)
    return 0


def run_crowd(office: DemoOffice, stop: threading.Event, pace_s: float = 4.0) -> None:
    """Simulated applicants and officers at a realistic pace (a ticket every few seconds)."""
    from websockets.sync.client import connect
    store = Store(office.db_path)
    tokens = {"crowd-kiosk": store.add_device("crowd-kiosk", "kiosk")}
    for counter, _ in CROWD_COUNTERS:
        tokens[f"crowd-{counter}"] = store.add_device(f"crowd-{counter}", "counter")
    store.close()
    rng = random.Random(7)
    services = [(s.id, s.lanes) for s in office.config.services]
    seq = iter(range(1, 10**9))

    def command(ws, name: str, args: dict) -> dict:
        cid = f"crowd-{next(seq)}"
        ws.send(json.dumps({"type": "command", "id": cid, "name": name, "args": args}))
        while True:
            msg = json.loads(ws.recv(timeout=10))
            if msg.get("type") == "result" and msg.get("id") == cid:
                return msg

    def hello(ws, role: str, device: str) -> None:
        ws.send(json.dumps({"type": "hello", "protocol": 1, "role": role, "device": device,
                            "token": tokens[device]}))
        ws.recv(timeout=10)

    try:
        with connect(office.url) as kiosk:
            hello(kiosk, "kiosk", "crowd-kiosk")
            desks = []
            for counter, officer in CROWD_COUNTERS:
                ws = connect(office.url)
                hello(ws, "counter", f"crowd-{counter}")
                command(ws, "login", {"officer": officer, "pin": {"sari": "5678", "andi": "2468",
                                                                   "joko": "9753"}[officer],
                                      "counter": counter})
                desks.append((ws, counter))
            while not stop.wait(rng.uniform(0.5, pace_s)):
                service, lanes = rng.choice(services)
                lane = "reguler" if rng.random() < 0.75 else rng.choice(lanes)
                command(kiosk, "issue_ticket", {"service": service, "lane": lane})
                ws, counter = rng.choice(desks)
                for name in ("finish", "call_next", "start_service"):
                    command(ws, name, {"counter": counter})
    except Exception as exc:  # the demo goes on without a crowd
        log.warning("crowd stopped: %s", exc)
