"""Test helper: fake ESC/POS printers that answer DLE EOT over a pty or a TCP socket.

Threads block in select() on the device and a stop pipe, so nothing sleeps or spins.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import tty

DLE_EOT = b"\x10\x04"


class FakeEscposPrinter:
    """Collects job bytes; answers DLE EOT n with `answers[n]` (no entry: stays silent)."""

    def __init__(self, answers: dict[int, int] | None = None) -> None:
        self.answers: dict[int, int] = dict(answers or {})
        self.received = bytearray()  # job bytes, status queries removed
        self.queries: list[int] = []
        self._pending = b""
        self._cond = threading.Condition()
        self._stop_r, self._stop_w = os.pipe()

    def feed(self, data: bytes) -> bytes:
        """Process bytes from the host; return the bytes to answer."""
        buf = self._pending + data
        self._pending = b""
        reply = bytearray()
        job = bytearray()
        i = 0
        while i < len(buf):
            if buf[i : i + 2] == DLE_EOT:
                if i + 2 >= len(buf):
                    self._pending = buf[i:]  # query split across reads
                    break
                n = buf[i + 2]
                self.queries.append(n)
                if n in self.answers:
                    reply.append(self.answers[n])
                i += 3
            elif buf[i] == 0x10 and i + 1 == len(buf):
                self._pending = buf[i:]
                break
            else:
                job.append(buf[i])
                i += 1
        with self._cond:
            self.received += job
            self._cond.notify_all()
        return bytes(reply)

    def wait_for_bytes(self, count: int, timeout: float = 5.0) -> bytes:
        with self._cond:
            self._cond.wait_for(lambda: len(self.received) >= count, timeout)
            return bytes(self.received)

    def stop(self) -> None:
        os.write(self._stop_w, b"x")

    def _serve_fd(self, fd: int) -> None:
        while True:
            ready, _, _ = select.select([fd, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the slave side was closed
                return
            if not data:
                return
            reply = self.feed(data)
            if reply:
                os.write(fd, reply)


class PtyPrinter(FakeEscposPrinter):
    """A fake serial printer on the master side of a pty; `path` is the slave device."""

    def __init__(self, answers: dict[int, int] | None = None) -> None:
        super().__init__(answers)
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)
        self.thread = threading.Thread(target=self._serve_fd, args=(self.master,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop()
        self.thread.join(5)
        os.close(self.master)
        os.close(self.slave)


class TcpPrinter(FakeEscposPrinter):
    """A fake JetDirect printer on 127.0.0.1, one connection at a time, like the real ones."""

    def __init__(self, answers: dict[int, int] | None = None) -> None:
        super().__init__(answers)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def _accept_loop(self) -> None:
        while True:
            ready, _, _ = select.select([self.server, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            conn, _ = self.server.accept()
            with conn:
                self.connections += 1
                while True:
                    ready, _, _ = select.select([conn, self._stop_r], [], [])
                    if self._stop_r in ready:
                        return
                    data = conn.recv(4096)
                    if not data:
                        break
                    reply = self.feed(data)
                    if reply:
                        conn.sendall(reply)

    def close(self) -> None:
        self.stop()
        self.thread.join(5)
        self.server.close()
