"""Wiring: config + store + hub, run until SIGINT/SIGTERM. Also a helper to run a server in
a background thread (demo, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import ssl
import threading
from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from config.office import OfficeConfig
from server.hub.report_hooks import ReportHooks
from server.hub.websocket import Hub, utc_now
from server.store.sqlite import StoreError, open_for_server

log = logging.getLogger("antrean.server")
T = TypeVar("T")
LOCK_SUFFIX = ".lock"


class DatabaseInUse(StoreError):
    """Another process holds the database: a running server, or a restore in progress."""


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}{LOCK_SUFFIX}")


@contextlib.contextmanager
def hold_database(db_path: str | Path) -> Iterator[None]:
    """Hold the database's lock file (`antrean.db.lock`, an exclusive `flock`) for as long
    as the block runs: a server holds it while it serves, `antrean restore` while it
    replaces the file, so neither can pull the database from under the other. The kernel
    lets go of it when the process ends, however it ends. Opened read-only: whoever made
    the file (root, at install or restore), the server's user can lock it."""
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the lock file: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(f"{db_path} is in use: a server is running on it (or a "
                                f"restore is under way; it holds {path})") from None
        yield
    finally:
        os.close(fd)  # releases the lock


def database_in_use(db_path: str | Path) -> bool:
    """Whether a server (or a restore) holds the database right now."""
    try:
        with hold_database(db_path):
            return False
    except DatabaseInUse:
        return True


def loop_name(tls: bool = False) -> str:
    """Which event loop the server runs on: uvloop where it is installed (Linux, macOS),
    the standard loop otherwise, when ANTREAN_EVENT_LOOP=asyncio, and for TLS.

    uvloop's transports and selector are in C: per message they cost about half of
    asyncio's, which is most of the hub's time on a small machine (bench/bench_issue.py).
    TLS stays on the standard library's loop: uvloop has its own TLS layer, and once, in
    CI, a wss:// handshake through it was cut off before the HTTP response (not
    reproduced in 300 local runs; the same test has always passed on the standard loop).
    An office that turns TLS on has a handful of tablets on it, not a flood of kiosks."""
    if tls or os.environ.get("ANTREAN_EVENT_LOOP", "uvloop") == "asyncio":
        return "asyncio"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def run_loop(main: Coroutine[Any, Any, T], tls: bool = False) -> T:
    """Run the server's event loop (see `loop_name`)."""
    name = loop_name(tls)
    log.info("event loop: %s", name)
    if name == "uvloop":
        import uvloop
        return uvloop.run(main)
    return asyncio.run(main)


async def serve(config: OfficeConfig, db_path: str | Path, host: str, port: int,
                ready: Callable[[str, int], None] | None = None,
                stop: asyncio.Event | None = None,
                clock: Callable[[], datetime] = utc_now, url_from_bind: bool = False,
                hub_ready: Callable[[Hub], None] | None = None,
                ssl_context: ssl.SSLContext | None = None, create: bool = False,
                reports: ReportHooks | None = None) -> None:
    """Run the server until `stop` is set (or SIGINT/SIGTERM in the main thread).

    The database is opened by `open_for_server`: a database that was there is never
    silently replaced by an empty one (DatabaseRefused) unless `create` says so. Its lock
    is held throughout (`hold_database`; DatabaseInUse when another holds it).
    `reports`: the report pages and retention, from whoever composes the server."""
    with hold_database(db_path):
        await _serve(config, db_path, host, port, ready, stop, clock, url_from_bind,
                     hub_ready, ssl_context, create, reports)


async def _serve(config: OfficeConfig, db_path: str | Path, host: str, port: int,
                 ready: Callable[[str, int], None] | None, stop: asyncio.Event | None,
                 clock: Callable[[], datetime], url_from_bind: bool,
                 hub_ready: Callable[[Hub], None] | None, ssl_context: ssl.SSLContext | None,
                 create: bool, reports: ReportHooks | None) -> None:
    store = open_for_server(db_path, create=create)
    hub = Hub(config, store, clock, reports)
    bound_host, bound_port = await hub.start(host, port, ssl=ssl_context)
    if url_from_bind:  # demo/tests: tickets' status_url points at where we really listen
        hub.engine.public_url = f"http://{bound_host}:{bound_port}"
    if hub_ready:
        hub_ready(hub)
    shipper = None
    if reports is not None and reports.central is not None and config.central.url:
        try:
            shipper = reports.central(config, db_path)
        except Exception:  # the centre is never a reason for the office not to open
            log.exception("cannot start shipping to the central database")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread: the caller stops us through `stop`
    if ready:
        ready(bound_host, bound_port)
    try:
        await stop.wait()
    finally:
        if shipper is not None:
            await asyncio.to_thread(shipper.stop)
        await hub.stop()
        store.close()
        log.info("server stopped")


class ServerThread:
    """A real server on 127.0.0.1 in a background thread, with an ephemeral port. Its
    database is opened as `antrean server` opens it (`create`: as `--create`)."""

    def __init__(self, config: OfficeConfig, db_path: str | Path, host: str = "127.0.0.1",
                 port: int = 0, clock: Callable[[], datetime] = utc_now,
                 create: bool = False, reports: ReportHooks | None = None) -> None:
        self.config, self.db_path, self.host, self.port = config, db_path, host, port
        self.clock, self.create, self.reports = clock, create, reports
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.hub: Hub | None = None
        self._thread = threading.Thread(target=self._run, name="antrean-server", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()

            def ready(host: str, port: int) -> None:
                self.port = port
                self._ready.set()
            def hub_ready(hub: Hub) -> None:
                self.hub = hub
            await serve(self.config, self.db_path, self.host, self.port, ready, self._stop,
                        self.clock, url_from_bind=True, hub_ready=hub_ready,
                        create=self.create, reports=self.reports)
        try:
            run_loop(main())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()

    def start(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(30)
        if self._error:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop and self._stop and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """wss:// with the office's certificate (PEM files)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx
