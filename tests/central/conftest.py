"""A real PostgreSQL server for the central tests: `initdb` into a temporary folder,
`pg_ctl start` on a free port with its unix socket in that folder (no TCP), stopped at
the end of the session. Skipped only where PostgreSQL's binaries are not installed
(deploy/system-packages.txt, group `central`). Each test gets a database of its own."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    folder: Path
    port: int
    pg_ctl: str
    as_user: list[str]

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, dbname: str = "postgres", password: str | None = None) -> str:
        auth = f"antrean:{password}" if password else "antrean"
        return f"postgresql://{auth}@/{dbname}?host={self.folder}&port={self.port}"

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.as_user, self.pg_ctl, "-D", str(self.data), "-w", "-t", "60",
                        *args], check=True, capture_output=True, timeout=90)

    def start(self) -> None:
        self._ctl("-l", str(self.folder / "log"), "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses='' -c fsync=off "
                  "-c max_connections=50", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: every session is cut off at once, as a dropped WAN cuts them."""
        self._ctl("-m", mode, "stop")

    def new_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl or not _bin("postgres"):
        pytest.skip("PostgreSQL's binaries (initdb, pg_ctl, postgres) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="antrean-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, initdb, "-D", str(folder / "data"), "-U", "antrean",
                    "-A", "trust", "-E", "UTF8", "--no-instructions"], check=True,
                   capture_output=True, timeout=120)
    server = PostgresServer(folder, _free_port(), pg_ctl, as_user)
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def central_url(postgres_server, request) -> str:
    """A fresh database on the server, with the central schema."""
    from central.schema import migrate
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    url = postgres_server.new_database(name)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn)
    return url
