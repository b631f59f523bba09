"""`antrean install ROLE --root DIR`: what a technician's one command sets up, checked in a
folder (never on this machine), idempotent, and the units checked by systemd-analyze."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from antrean import tls
from antrean.cli import main
from config.office import EXAMPLE_CONFIG
from office_client import credentials
from server.store.sqlite import open_for_server, read_marker, stored_database_id

ROOT = Path(__file__).resolve().parents[2]
UNITS = Path("etc/systemd/system")
DEPLOYED_PROGRAM = "/opt/antrean/.venv/bin/antrean"
KIOSK_OPTIONS = "--printer usb:04b8:0202 --printer-profile TM-T88V"


def install(root: Path, *argv: str, capsys=None) -> tuple[int, str]:
    assert root != Path("/") and root.is_dir()  # a test never sets up this machine
    code = main(["install", *argv, "--root", str(root)])
    out = capsys.readouterr().out if capsys else ""
    return code, out


def tree(root: Path) -> dict[str, str]:
    """Every file under root (links: where they point) -> its content's hash. Not the
    database's bytes (opening it may checkpoint its WAL): its id is compared instead."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}"
        elif path.is_file() and not path.name.endswith((".db", ".lock", "-shm", "-wal")):
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def unit(root: Path, name: str) -> dict[str, list[str]]:
    """A unit's settings: key -> values (in order)."""
    settings: dict[str, list[str]] = {}
    for line in (root / UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def service_ids(root: Path) -> tuple[int, int] | None:
    for line in (root / "etc/passwd").read_text().splitlines():
        name, _, uid, gid, *_ = line.split(":")
        if name == "antrean":
            return int(uid), int(gid)
    return None


def verify(path: Path) -> None:
    """systemd-analyze verify: a unit systemd would load as written (where it is here)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (`python3 dev.py test` installs it)")
    done = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr + done.stdout


def test_install_server(tmp_path, capsys):
    code, out = install(tmp_path, "server", "--host", "antrean-server.lan", "--host",
                        "192.168.1.10", capsys=capsys)
    assert code == 0, out

    # the service user, made by systemd-sysusers in the folder's /etc/passwd
    assert 'u antrean - "Antrean queue system" /var/lib/antrean' in \
        (tmp_path / "etc/sysusers.d/antrean.conf").read_text()
    if shutil.which("systemd-sysusers"):
        ids = service_ids(tmp_path)
        assert ids is not None
        assert (tmp_path / "var/lib/antrean").stat().st_uid == ids[0]
        assert (tmp_path / "var/lib/antrean/antrean.db").stat().st_uid == ids[0]
        assert (tmp_path / "etc/antrean/tls/server.key").stat().st_uid == ids[0]

    # the office's settings, from the example
    assert (tmp_path / "etc/antrean/office.toml").read_bytes() == EXAMPLE_CONFIG.read_bytes()
    # the certificate, and its pin printed for the devices
    pin = tls.fingerprint(tmp_path / "etc/antrean/tls")
    assert f"pin (give it to every device): {pin}" in out
    assert oct((tmp_path / "etc/antrean/tls/server.key").stat().st_mode & 0o777) == "0o600"
    # the database, created as --create does: its marker names it, the server takes it
    db = tmp_path / "var/lib/antrean/antrean.db"
    assert read_marker(db) == stored_database_id(db) is not None
    open_for_server(db).close()

    server = unit(tmp_path, "antrean-server.service")
    assert server["After"] == ["network-online.target"]
    assert server["Wants"] == ["network-online.target"]
    assert server["Restart"] == ["on-failure"] and server["User"] == ["antrean"]
    exec_start = server["ExecStart"][0]
    assert exec_start.startswith(f"{sys.prefix}/bin/antrean server ") or \
        exec_start.startswith(f"{Path(sys.executable).parent}/antrean server ")
    for part in ("--config /etc/antrean/office.toml", "--db /var/lib/antrean/antrean.db",
                 "--tls-dir /etc/antrean/tls"):
        assert part in exec_start
    assert unit(tmp_path, "antrean-backup.timer")["OnCalendar"] == ["*-*-* 22:30"]
    backup = " ".join(unit(tmp_path, "antrean-backup.service")["ExecStart"])
    assert "backup --db /var/lib/antrean/antrean.db --out /var/backups/antrean/" in backup
    assert (tmp_path / "var/backups/antrean").is_dir()
    wants = tmp_path / UNITS
    assert os.readlink(wants / "multi-user.target.wants/antrean-server.service") == \
        "/etc/systemd/system/antrean-server.service"
    assert os.readlink(wants / "timers.target.wants/antrean-backup.timer") == \
        "/etc/systemd/system/antrean-backup.timer"
    for name in ("antrean-server.service", "antrean-backup.service", "antrean-backup.timer"):
        verify(tmp_path / UNITS / name)


def test_install_twice_changes_nothing_and_keeps_what_is_yours(tmp_path, capsys):
    assert install(tmp_path, "server", capsys=capsys)[0] == 0
    config = tmp_path / "etc/antrean/office.toml"
    config.write_text(config.read_text() + "\n# edited by the office\n")
    db = tmp_path / "var/lib/antrean/antrean.db"
    database_id, pin = stored_database_id(db), tls.fingerprint(tmp_path / "etc/antrean/tls")
    before = tree(tmp_path)

    code, out = install(tmp_path, "server", capsys=capsys)
    assert code == 0
    assert tree(tmp_path) == before
    assert not re.search(r"^(wrote|updated|created|made|enabled)", out, re.M), out
    # an option changed: the unit follows it, nothing else moves
    assert install(tmp_path, "server", "--log-format", "json", capsys=capsys)[0] == 0
    assert unit(tmp_path, "antrean-server.service")["ExecStart"][0].endswith(
        "--tls-dir /etc/antrean/tls --log-format json")
    changed = {k for k, v in tree(tmp_path).items() if before.get(k) != v}
    assert changed == {"etc/systemd/system/antrean-server.service"}
    assert "# edited by the office" in config.read_text()
    assert stored_database_id(db) == database_id == read_marker(db)
    assert tls.fingerprint(tmp_path / "etc/antrean/tls") == pin


def test_install_kiosk_full_screen_with_credentials_and_no_token_on_a_command_line(
        tmp_path, capsys, monkeypatch):
    pin = "ab" * 32
    monkeypatch.setattr("sys.stdin", io.StringIO("device kiosk-lobby-1 paired; its token:\n"
                                                 "s3cret-token\n"))
    code, out = install(tmp_path, "kiosk", "--device", "kiosk-lobby-1", "--server",
                        "wss://antrean-server.lan:8765/ws", "--cert-sha256", pin,
                        "--token-file", "-", "--app-options", KIOSK_OPTIONS, capsys=capsys)
    assert code == 0, out
    kiosk = unit(tmp_path, "antrean-kiosk.service")
    assert "network-online.target" in kiosk["After"][0]
    assert kiosk["Wants"] == ["network-online.target"]
    assert kiosk["Restart"] == ["always"] and kiosk["User"] == ["antrean"]
    assert kiosk["TTYPath"] == ["/dev/tty1"]
    assert re.fullmatch(r"/usr/bin/cage -s -- \S+/antrean kiosk --device kiosk-lobby-1 "
                        + re.escape(KIOSK_OPTIONS), kiosk["ExecStart"][0])
    text = (tmp_path / UNITS / "antrean-kiosk.service").read_text()
    assert "s3cret" not in text and "--token" not in text
    assert os.readlink(tmp_path / UNITS / "graphical.target.wants/antrean-kiosk.service") == \
        "/etc/systemd/system/antrean-kiosk.service"
    verify(tmp_path / UNITS / "antrean-kiosk.service")

    # what the app reads at start (XDG_CONFIG_HOME=/var/lib/antrean/.config in the unit)
    path = tmp_path / "var/lib/antrean/.config/antrean/kiosk-lobby-1.json"
    assert credentials.load(path) == credentials.Credentials(
        "wss://antrean-server.lan:8765/ws", "kiosk-lobby-1", "s3cret-token",
        ":".join(["AB"] * 32))
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    if shutil.which("systemd-sysusers"):
        assert path.stat().st_uid == service_ids(tmp_path)[0]

    # again without the token: the credentials are kept, nothing changes
    before = tree(tmp_path)
    code, out = install(tmp_path, "kiosk", "--device", "kiosk-lobby-1", "--app-options",
                        KIOSK_OPTIONS, capsys=capsys)
    assert code == 0 and "kept (its server and token)" in out
    assert tree(tmp_path) == before


@pytest.mark.parametrize("role", ["counter", "display"])
def test_install_counter_and_display(tmp_path, capsys, role):
    code, out = install(tmp_path, role, "--device", f"{role}-1", capsys=capsys)
    assert code == 0
    assert "no credentials yet" in out  # and the step that makes them
    exec_start = unit(tmp_path, f"antrean-{role}.service")["ExecStart"][0]
    assert exec_start.endswith(f"antrean {role} --device {role}-1")
    verify(tmp_path / UNITS / f"antrean-{role}.service")


@pytest.mark.parametrize("argv, reason", [
    (["kiosk"], "needs --device"),
    (["kiosk", "--device", "a b"], "needs --device"),
    (["kiosk", "--device", "k1", "--app-options", "--token abc"], "no token on a command"),
    (["kiosk", "--device", "k1", "--app-options", "--printer 'x"], "--app-options"),
    (["kiosk", "--device", "k1", "--server", "http://x", "--token-file", "/dev/null"],
     "token"),
    (["server", "--device", "k1"], "for kiosk, counter, display"),
    (["server", "--program", "relative/antrean"], "absolute path"),
])
def test_install_mistakes_are_one_line(tmp_path, capsys, argv, reason):
    assert install(tmp_path, *argv)[0] == 1
    err = capsys.readouterr().err
    assert reason in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_the_deploy_folder_holds_what_install_writes(tmp_path, capsys):
    """deploy/systemd/ shows what `antrean install` writes for a checkout in /opt/antrean."""
    program = ["--program", DEPLOYED_PROGRAM]
    assert install(tmp_path, "server", *program, capsys=capsys)[0] == 0
    assert install(tmp_path, "kiosk", "--device", "kiosk-lobby-1", "--app-options",
                   KIOSK_OPTIONS, *program, capsys=capsys)[0] == 0
    assert install(tmp_path, "counter", "--device", "desk-3", "--app-options",
                   "--counter loket-3", *program, capsys=capsys)[0] == 0
    assert install(tmp_path, "display", "--device", "board-hall", "--app-options=--english",
                   *program, capsys=capsys)[0] == 0
    written = sorted(p.name for p in (tmp_path / UNITS).glob("antrean-*"))
    deployed = sorted(p.name for p in (ROOT / "deploy/systemd").glob("antrean-*"))
    assert written == deployed
    for name in written:
        assert (ROOT / "deploy/systemd" / name).read_text() == \
            (tmp_path / UNITS / name).read_text(), name
