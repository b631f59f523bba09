"""Benchmark: what people perceive — the officer presses "call next" (F1) on the counter
console, and the number is painted on the hall board. Both are the real apps, each in its
own process, started through their own `main` exactly as `antrean counter --windowed` and
`antrean display --windowed` start them (offscreen), against a real `antrean server`
process. Baseline, same run and server, interleaved call by call: the server alone — a
plain websockets client at another counter sends `call_next` and times until its
`ticket_called` event arrives.

The key: the console's timestamp is taken just before the F1 key event is delivered to
its window (the real shortcut → `Desk.call_next` → the connection). "Painted": the board
is one painted widget (display_board/screens.py); an event filter on it takes the first
Paint event that covers the latest-call panel once the board's view holds the new number,
runs the widget's own paint for it, and stamps the time when that returns (the frame is
then in the window's backing store; offscreen, the flush is a copy). The apps stamp with
`time.monotonic_ns()`, one clock system-wide on Linux, and print to this process.

Each call: two tickets are issued (a backlog of `--backlog` waiting keeps both counters
busy, as in an office, not a list of hundreds), the console waits until it has seen them,
the server-only call, then the apps' call; each called ticket is then marked no-show.

    python bench/bench_call_to_board.py [--calls 300] [--backlog 8] [--warmup 5]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COUNTER_APP, COUNTER_RAW, SERVICE = "loket-1", "loket-2", "paspor-baru"
TIMEOUT_S = 30.0


# ---------------------------------------------------------------------- inside the apps
def run_app(kind: str, url: str, token: str, device: str) -> int:
    """One app as its command runs it, plus the bench's hook (installed once Qt runs)."""
    from argparse import Namespace

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    common = {"server": url, "token": token, "device": device, "cert_sha256": None,
              "windowed": True}
    if kind == "console":
        from counter_console.app import main
        args = Namespace(**common, counter=COUNTER_APP, buttons=None)
        QTimer.singleShot(0, lambda: ConsoleDriver(app))
    else:
        from display_board.app import main
        args = Namespace(**common, zone=None, counters=COUNTER_APP, english=False,
                         clips=None, led=[])
        QTimer.singleShot(0, lambda: PaintStamp(app))
    return main(args)


def say(*words: object) -> None:
    print(*words, flush=True)


class ConsoleDriver:
    """Logs in, then on "call SEQ" (once the desk has seen event SEQ) presses F1 and says
    "called NUMBER T_KEY_NS"; on "dismiss" presses F5 (no-show) and says "idle"."""

    def __init__(self, app) -> None:
        from PySide6.QtCore import QSocketNotifier

        from counter_console.window import ConsoleWindow

        self.window = next(w for w in app.topLevelWidgets() if isinstance(w, ConsoleWindow))
        self.desk = self.window.desk
        self.phase, self.wanted_seq, self.t_key, self.buffer = "login", 0, 0, b""
        self.desk.listeners.append(self.step)
        self.notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
        self.notifier.activated.connect(self.read_command)
        self.step()

    def key(self, key) -> None:
        from PySide6.QtTest import QTest
        QTest.keyClick(self.window.desk_screen.table, key)

    def read_command(self) -> None:
        self.buffer += os.read(sys.stdin.fileno(), 4096)
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            words = line.decode().split()
            if words[0] == "call":
                self.phase, self.wanted_seq = "call", int(words[1])
            elif words[0] == "dismiss":
                self.phase = "dismiss"
        self.step()

    def step(self) -> None:
        from PySide6.QtCore import Qt
        desk = self.desk
        if desk.pending or desk.connection != "online":
            return
        if self.phase == "login" and desk.state() == "logged_out":
            desk.login("budi", "1234", COUNTER_APP)
        elif self.phase == "login" and desk.state() == "idle":
            self.phase = ""
            say("ready")
        elif (self.phase == "call" and desk.model.seq >= self.wanted_seq
              and desk.enabled("call_next")):
            self.phase = "calling"
            self.t_key = time.monotonic_ns()
            self.key(Qt.Key.Key_F1)
        elif self.phase == "calling" and desk.state() == "called":
            self.phase = ""
            say("called", desk.current_ticket["number"], self.t_key)
        elif self.phase == "dismiss" and desk.state() == "called":
            self.phase = "dismissing"
            self.key(Qt.Key.Key_F5)
        elif self.phase == "dismissing" and desk.state() == "idle":
            self.phase = ""
            say("idle")


class PaintStamp:
    """Says "ready" once the board is online, then, for each paint of the latest-call
    panel that shows a new call, "painted NUMBER T_ARRIVED T_PAINT_START T_PAINT_END"
    (T_ARRIVED: the `ticket_called` event handed to the board's model)."""

    def __init__(self, app) -> None:
        from PySide6.QtCore import QEvent, QObject

        from display_board.screens import BoardScreen, regions

        screen = next(w for w in app.topLevelWidgets() if isinstance(w, BoardScreen))
        stamp = self

        class Filter(QObject):
            def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
                if event.type() != QEvent.Type.Paint:
                    return False
                panel = regions(watched.width(), watched.height())["latest"].toAlignedRect()
                latest = watched.view.latest
                if not stamp.ready and watched.board.online:
                    stamp.ready = True
                    say("ready")
                if (latest is None or latest.key == stamp.shown
                        or not event.region().contains(panel)):
                    return False
                started = time.monotonic_ns()
                watched.event(event)  # the widget's own paint, so its end can be stamped
                stamp.shown = latest.key
                say("painted", latest.number, stamp.arrived, started, time.monotonic_ns())
                return True

        self.ready, self.shown, self.arrived = False, None, 0
        model, apply = screen.board.model, screen.board.model.apply

        def stamped_apply(msg: dict):  # when the board's connection hands it the call
            if msg.get("name") == "ticket_called":
                self.arrived = time.monotonic_ns()
            return apply(msg)

        model.apply = stamped_apply
        self.filter = Filter(screen)
        screen.installEventFilter(self.filter)
        screen.update()


# ---------------------------------------------------------------------- the bench
class App:
    """An app process: its stdout lines arrive on a queue."""

    def __init__(self, kind: str, url: str, token: str, device: str, env: dict,
                 log: Path) -> None:
        self.kind, self.lines = kind, queue.SimpleQueue()
        self.log = log
        with log.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, "--app", kind, "--server", url, "--token", token,
                 "--device", device], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=err, text=True, env=env)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.split())
        self.lines.put(None)

    def expect(self, word: str) -> list[str]:
        try:
            words = self.lines.get(timeout=TIMEOUT_S)
        except queue.Empty:
            words = ["nothing", f"in {TIMEOUT_S} s"]
        if words is None or words[0] != word:
            log = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.kind} said {words} instead of {word!r}; its log:\n{log}")
        return words

    def tell(self, *words: object) -> None:
        self.proc.stdin.write(" ".join(map(str, words)) + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the app shell quits cleanly on it
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    """A plain websockets client that remembers the last event seq it saw."""

    def __init__(self, url: str, role: str, device: str, token: str) -> None:
        from websockets.sync.client import connect
        self.ws = connect(url, compression=None, max_size=None, open_timeout=TIMEOUT_S,
                          legacy=True)
        self.ws.send(json.dumps({"type": "hello", "protocol": 1, "role": role,
                                 "device": device, "token": token, "last_seq": 0}))
        self.seq = json.loads(self.ws.recv(timeout=TIMEOUT_S))["seq"]
        self.ids = 0

    def send(self, name: str, args: dict) -> str:
        self.ids += 1
        cid = f"b{self.ids}"
        self.ws.send(json.dumps({"type": "command", "id": cid, "name": name, "args": args}))
        return cid

    def until(self, match) -> dict:
        while True:
            msg = json.loads(self.ws.recv(timeout=TIMEOUT_S))
            if msg.get("type") == "event":
                self.seq = max(self.seq, int(msg["seq"]))
            if match(msg):
                return msg

    def command(self, name: str, args: dict) -> dict:
        cid = self.send(name, args)
        result = self.until(lambda m: m.get("type") == "result" and m.get("id") == cid)
        if not result.get("ok"):
            raise RuntimeError(f"{name}: {result}")
        return result["data"]


def issue(kiosk: Client, desk: Client, n: int) -> None:
    """`n` tickets, and `desk` reads on until it has seen the last one issued."""
    for _ in range(n):
        number = kiosk.command("issue_ticket", {"service": SERVICE, "lane": "reguler"})["number"]
    desk.until(lambda m: m.get("name") == "ticket_issued"
               and m["data"]["ticket"]["number"] == number)


def server_only_call(desk: Client) -> float:
    t0 = time.monotonic_ns()
    desk.send("call_next", {"counter": COUNTER_RAW})
    desk.until(lambda m: m.get("name") == "ticket_called"
               and m["data"].get("counter") == COUNTER_RAW)
    t1 = time.monotonic_ns()
    desk.command("no_show", {"counter": COUNTER_RAW})
    return (t1 - t0) / 1e6


def apps_call(console: App, board: App, seq: int) -> tuple[float, float, float]:
    """ms from F1 to: the event at the board, the start of its paint, the paint done."""
    console.tell("call", seq)
    _, number, t_key = console.expect("called")
    _, painted, *stamps = board.expect("painted")
    if painted != number:
        raise RuntimeError(f"the console called {number}, the board painted {painted}")
    console.tell("dismiss")
    console.expect("idle")
    arrived, started, done = ((int(t) - int(t_key)) / 1e6 for t in stamps)
    return arrived, started, done


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--backlog", type=int, default=8, help="tickets waiting at each call")
    ap.add_argument("--warmup", type=int, default=5, help="calls not counted")
    ap.add_argument("--app", choices=("console", "board"), help=argparse.SUPPRESS)
    ap.add_argument("--server", help=argparse.SUPPRESS)
    ap.add_argument("--token", help=argparse.SUPPRESS)
    ap.add_argument("--device", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.app:
        return run_app(args.app, args.server, args.token, args.device)

    from bench.common import open_config, pair, pct, start_server
    apps: list[App] = []
    with tempfile.TemporaryDirectory(prefix="bench-call-to-board-") as tmp:
        folder = Path(tmp)
        db = folder / "bench.db"
        tokens = pair(db, [("kiosk-1", "kiosk"), ("console-app", "counter"),
                           ("console-raw", "counter"), ("board-1", "display")])
        server, port, _ = start_server(db, open_config(folder))
        url = f"ws://127.0.0.1:{port}/ws"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                   ANTREAN_CONFIG_DIR=str(folder / "config"),
                   PYTHONPATH=str(Path(__file__).resolve().parent.parent))
        try:
            kiosk = Client(url, "kiosk", "kiosk-1", tokens["kiosk-1"])
            desk = Client(url, "counter", "console-raw", tokens["console-raw"])
            desk.command("login", {"officer": "o-loket-2", "pin": "1234",
                                   "counter": COUNTER_RAW})
            apps = [App("board", url, tokens["board-1"], "board-1", env, folder / "board.log"),
                    App("console", url, tokens["console-app"], "console-app", env,
                        folder / "console.log")]
            for app in apps:
                app.expect("ready")
            board, console = apps
            issue(kiosk, desk, args.backlog)
            server_only: list[float] = []
            calls: list[tuple[float, float, float]] = []
            for i in range(args.warmup + args.calls):
                issue(kiosk, desk, 2)
                raw = server_only_call(desk)
                seen = apps_call(console, board, desk.seq)
                if i >= args.warmup:
                    server_only.append(raw)
                    calls.append(seen)
        finally:
            for app in apps:
                app.stop()
            server.terminate()
            server.wait(10)
    arrived, started, perceived = (list(column) for column in zip(*calls, strict=True))
    paint = [done - start for _, start, done in calls]

    def ms(values: list[float]) -> str:
        return f"p50 {pct(values, 50):.1f} ms, p99 {pct(values, 99):.1f} ms"

    print(f"console F1 → number painted on the board, real apps in their own processes "
          f"({len(calls)} calls): {ms(perceived)}")
    print(f"  F1 → the call handed to the board's model: {ms(arrived)}")
    print(f"  F1 → the board starts painting it: {ms(started)}")
    print(f"  the board's paint of the frame: {ms(paint)}")
    print(f"server only, call_next → ticket_called at a plain websockets client "
          f"(same run): {ms(server_only)}")
    print(f"perceived/server-only: p50 {pct(perceived, 50) / pct(server_only, 50):.1f}x, "
          f"p99 {pct(perceived, 99) / pct(server_only, 99):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
