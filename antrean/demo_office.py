"""A ready-made demo office: a temporary database with paired devices and officers, and a
real server on 127.0.0.1. Used by `antrean demo`, the screenshot galleries and tests."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from antrean.wiring import report_hooks
from config import office as office_config
from server.app import ServerThread
from server.store.sqlite import Store

DEMO_DEVICES = (("kiosk-1", "kiosk", None), ("kiosk-2", "kiosk", None),
                ("console-1", "counter", None), ("console-2", "counter", None),
                ("console-3", "counter", "loket-3"), ("board-1", "display", None),
                ("admin-1", "admin", None))
DEMO_OFFICERS = (("budi", "Budi Santoso", "1234"), ("sari", "Sari Dewi", "5678"),
                 ("andi", "Andi Pratama", "2468"), ("rina", "Rina Wulandari", "1357"),
                 ("joko", "Joko Susilo", "9753"))
# the office head, who signs in to the supervisor console (/admin)
DEMO_SUPERVISOR = ("siti", "Siti Rahmawati", "482916")


def pair_demo_devices(db_path: str | Path) -> dict[str, str]:
    """Pair the demo devices and add the demo officers; returns device name -> token."""
    store = Store(db_path)
    try:
        tokens = {name: store.add_device(name, role, counter)
                  for name, role, counter in DEMO_DEVICES}
        for officer_id, name, pin in DEMO_OFFICERS:
            store.add_officer(officer_id, name, pin)
        officer_id, name, pin = DEMO_SUPERVISOR
        store.add_officer(officer_id, name, pin)
        store.save_officer(officer_id, name, supervisor=True)
    finally:
        store.close()
    return tokens


@dataclass
class DemoOffice:
    """`with DemoOffice() as office:` a running server on a fresh temporary database."""

    port: int = 0
    folder: Path | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    server: ServerThread | None = None
    clock: Callable[[], datetime] | None = None  # a server clock the caller controls
    config: office_config.OfficeConfig | None = None  # default: the example, always open

    def __enter__(self) -> DemoOffice:
        if self.folder is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="antrean-demo-")
            self.folder = Path(self._tmp.name)
        self.db_path = self.folder / "antrean.db"
        self.tokens = pair_demo_devices(self.db_path)
        if self.config is None:
            self.config = office_config.always_open(office_config.load())
        extra = {"clock": self.clock} if self.clock else {}
        self.server = ServerThread(self.config, self.db_path, port=self.port,
                                   reports=report_hooks(), **extra).start()
        return self

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def http_url(self) -> str:
        return self.server.http_url

    def __exit__(self, *exc: object) -> None:
        if self.server:
            self.server.stop()
        if getattr(self, "_tmp", None):
            self._tmp.cleanup()
