"""TLS test helpers: the real server process started with a `tls init` folder, and an
impostor wss:// server with another certificate that records everything it is sent."""

from __future__ import annotations

import ssl
import subprocess
import sys
import threading
from pathlib import Path

from websockets.sync.server import serve

from tests.office_files import always_open_toml

ROOT = Path(__file__).resolve().parents[2]


class TlsServer:
    """`antrean server --tls-dir` in its own process; `start()` returns its wss:// URL."""

    def __init__(self, db: Path, tls_dir: Path, port: int = 0) -> None:
        self.db, self.tls_dir, self.port = db, tls_dir, port
        self.log = db.with_name(f"server-{id(self)}.log")  # what the server saw
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        with self.log.open("w") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "antrean", "server", "--db", str(self.db),
                 "--config", str(always_open_toml(self.db.parent)),
                 "--host", "127.0.0.1", "--port", str(self.port), "--tls-dir",
                 str(self.tls_dir)],
                stdout=subprocess.PIPE, stderr=log_file, text=True, cwd=ROOT)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on wss://127.0.0.1:"), line + self.log.read_text()
        url = line.split()[-1]
        self.port = int(url.rsplit(":", 1)[1].split("/")[0])
        return url

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            assert self.proc.wait(30) == 0, self.log.read_text()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            print("server log:\n" + self.log.read_text())
        self.stop()


class Impostor:
    """A wss:// server that is not the office's: records every message a client sends."""

    def __init__(self, tls_dir: Path, port: int = 0) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_dir / "server.crt", tls_dir / "server.key")
        self.received: list[str | bytes] = []
        self.server = serve(self._handle, "127.0.0.1", port, ssl=context)
        self.url = f"wss://127.0.0.1:{self.server.socket.getsockname()[1]}/ws"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handle(self, ws) -> None:
        for message in ws:
            self.received.append(message)

    def __enter__(self) -> Impostor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self._thread.join(30)
