"""`antrean install server|kiosk|counter|display [--root DIR]`: set up an office machine.

What each role gets (every step idempotent: what is there and right is kept, a file the
technician edits — the office TOML, the TLS key, the database — is never overwritten):

- every role: the service user `antrean` (a `sysusers.d` entry applied with
  `systemd-sysusers`; in the `dialout` and `lp` groups for serial and USB devices) and
  its home `/var/lib/antrean`;
- server: `/etc/antrean/office.toml` from the example, the office's TLS certificate
  (`/etc/antrean/tls`, `antrean.tls.init_tls`), the database (created as the server's
  first start creates it, so its marker is written), `/var/backups/antrean`, and the units
  `antrean-server.service` (after the network is up, restarted on failure) and
  `antrean-backup.timer` (nightly backup and retention purge), enabled;
- kiosk, counter, display: `antrean-ROLE.service`, the app full screen on the first
  console under `cage` (a Wayland kiosk compositor), restarted whenever it stops, after the
  network is up, enabled; and, given `--server` and a token on standard input or in a
  file, the device's credentials file (no token ever goes on a command line).

`--root DIR` writes everything under DIR instead of `/` and starts nothing (the tests;
an image being prepared). On the machine itself it runs as root, reloads systemd and
starts the server (an app starts at the next boot, or by hand: it takes over the first
console).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from antrean.cli import UserError

ROLES = ("server", "kiosk", "counter", "display")
APP_ROLES = ROLES[1:]
USER = "antrean"
EXTRA_GROUPS = ("dialout", "lp")  # serial printers, LED displays, buttons; USB printers
HOME = Path("/var/lib/antrean")
ETC = Path("/etc/antrean")
CONFIG = ETC / "office.toml"
TLS_DIR = ETC / "tls"
DB = HOME / "antrean.db"
BACKUPS = Path("/var/backups/antrean")
UNIT_DIR = Path("/etc/systemd/system")
SYSUSERS = Path("/etc/sysusers.d/antrean.conf")
CAGE = Path("/usr/bin/cage")
DEFAULT_PORT = 8765
DEVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
HEADER = "# Written by `antrean install {role}`: run that again rather than editing this file.\n"

SERVER_UNIT = """\
{header}[Unit]
Description=Antrean queue server
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User={user}
Group={user}
WorkingDirectory={home}
ExecStart={program} server --config {config} --db {db} --host 0.0.0.0 --port {port} \
--tls-dir {tls}{log_args}
Restart=on-failure
RestartSec=2
# SIGTERM: the server finishes the batch in flight and closes the database cleanly.
KillSignal=SIGTERM
TimeoutStopSec=20
NoNewPrivileges=true
ProtectSystem=strict
PrivateTmp=true
ReadWritePaths={home} {backups}
StandardOutput=journal
StandardError=journal

[Install]
WantedBy=multi-user.target
"""

BACKUP_SERVICE = """\
{header}[Unit]
Description=Antrean nightly backup and retention purge

[Service]
Type=oneshot
User={user}
Group={user}
ExecStart=/bin/sh -c '{program} backup --db {db} --out {backups}/antrean-$(date +%%F).db \
&& find {backups} -name "antrean-*.db" -mtime +30 -delete'
ExecStart={program} purge --db {db} --config {config}
"""

BACKUP_TIMER = """\
{header}[Unit]
Description=Nightly Antrean backup

[Timer]
OnCalendar=*-*-* 22:30
Persistent=true

[Install]
WantedBy=timers.target
"""

# The app alone on the first console: cage gives its one window the whole screen (the app
# starts full screen anyway), logind gives the session the seat (PAMName, TTYPath).
APP_UNIT = """\
{header}[Unit]
Description=Antrean {role} (full screen on the first console)
After=network-online.target systemd-user-sessions.service systemd-logind.service
Wants=network-online.target
Conflicts=getty@tty1.service
After=getty@tty1.service

[Service]
Type=simple
User={user}
Group={user}
PAMName=login
TTYPath=/dev/tty1
TTYReset=yes
TTYVHangup=yes
TTYVTDisallocate=yes
StandardInput=tty-fail
UtmpIdentifier=tty1
UtmpMode=user
WorkingDirectory={home}
Environment=XDG_CONFIG_HOME={home}/.config XDG_SESSION_TYPE=wayland QT_QPA_PLATFORM=wayland
ExecStart={cage} -s -- {program} {role} --device {device}{app_args}
Restart=always
RestartSec=3

[Install]
WantedBy=graphical.target
"""


@dataclass
class Installer:
    role: str
    root: Path  # "/" on the machine itself
    program: str  # the `antrean` executable the units run
    lines: list[str] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.root == Path("/")

    def path(self, path: Path) -> Path:
        return self.root / path.relative_to("/")

    def say(self, what: str, path: Path | None = None) -> None:
        where = f" {self.path(path)}" if path is not None else ""
        line = f"{what}{where}"
        self.lines.append(line)
        print(line, flush=True)

    # ------------------------------------------------------------------ files
    def ids(self) -> tuple[int, int] | None:
        """The service user's uid and gid in the target's /etc/passwd (None: not there)."""
        try:
            text = self.path(Path("/etc/passwd")).read_text(encoding="utf-8")
        except OSError:
            return None
        for line in text.splitlines():
            parts = line.split(":")
            if len(parts) > 3 and parts[0] == USER:
                return int(parts[2]), int(parts[3])
        return None

    def own(self, path: Path, owned: bool) -> None:
        """Owned by the service user (where it exists and we may), else by root."""
        ids = self.ids() if owned else (0, 0)
        if ids is not None and os.geteuid() == 0:
            os.chown(self.path(path), *ids)

    def directory(self, path: Path, mode: int, owned: bool = True) -> None:
        target = self.path(path)
        existed = target.is_dir()
        target.mkdir(parents=True, exist_ok=True)
        os.chmod(target, mode)
        self.own(path, owned)
        self.say("kept" if existed else "created", path)

    def write(self, path: Path, text: str, mode: int = 0o644, owned: bool = False) -> bool:
        """Write a file we own the content of; True when it changed."""
        target = self.path(path)
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            self.say("unchanged", path)
            return False
        existed = target.exists()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        self.own(path, owned)
        self.say("updated" if existed else "wrote", path)
        return True

    def enable(self, unit: str, target: str) -> None:
        """What `systemctl enable` does for `WantedBy=target`: a link in target.wants."""
        link = self.path(UNIT_DIR / f"{target}.wants" / unit)
        link.parent.mkdir(parents=True, exist_ok=True)
        wanted = UNIT_DIR / unit
        if link.is_symlink() and Path(os.readlink(link)) == wanted:
            return
        link.unlink(missing_ok=True)
        link.symlink_to(wanted)
        self.say(f"enabled ({target} wants it)", UNIT_DIR / f"{target}.wants" / unit)

    # ------------------------------------------------------------------ steps
    def service_user(self) -> None:
        lines = [f'u {USER} - "Antrean queue system" {HOME} /usr/sbin/nologin',
                 *(f"m {USER} {group}" for group in EXTRA_GROUPS)]
        self.write(SYSUSERS, HEADER.format(role=self.role) + "\n".join(lines) + "\n")
        sysusers = shutil.which("systemd-sysusers")
        if sysusers is not None:
            command = [sysusers, str(self.path(SYSUSERS))]
            if not self.live:
                command.insert(1, f"--root={self.root}")
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise UserError(f"systemd-sysusers could not make the user {USER}: "
                                f"{done.stderr.strip()}")
        elif self.live and self.ids() is None:
            useradd = shutil.which("useradd")
            if useradd is None:
                raise UserError(f"neither systemd-sysusers nor useradd is here: make the "
                                f"system user {USER} (home {HOME}) yourself, then run this "
                                "again")
            subprocess.run([useradd, "--system", "--home-dir", str(HOME), "--shell",
                            "/usr/sbin/nologin", "--groups", ",".join(EXTRA_GROUPS), USER],
                           check=True)
        ids = self.ids()
        if ids is None:
            self.say(f"note: no user {USER} in", Path("/etc/passwd"))
        else:
            self.say(f"service user {USER} (uid {ids[0]}):", SYSUSERS)

    def office_config(self) -> None:
        from config.office import EXAMPLE_CONFIG
        target = self.path(CONFIG)
        if target.exists():
            self.say("kept (yours)", CONFIG)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE_CONFIG, target)
        os.chmod(target, 0o640)
        if (ids := self.ids()) is not None and os.geteuid() == 0:
            os.chown(target, 0, ids[1])  # root's, readable by the server's group
        self.say("wrote (from the example: edit it, the server checks it at start)", CONFIG)

    def certificate(self, hosts: list[str]) -> str:
        from antrean import tls
        key = self.path(tls.key_path(TLS_DIR))
        if key.exists():
            fingerprint = tls.fingerprint(self.path(TLS_DIR))
            self.say("kept (devices pin it)", TLS_DIR)
        else:
            fingerprint = tls.init_tls(self.path(TLS_DIR), hosts).fingerprint
            self.say(f"made the office's certificate for {', '.join(hosts) or 'this host'}:",
                     TLS_DIR)
        self.own(tls.key_path(TLS_DIR), owned=True)  # the server reads its key
        return fingerprint

    def database(self) -> None:
        from server.app import database_in_use
        from server.store.sqlite import StoreError, expected_marker, open_for_server
        db = self.path(DB)
        if database_in_use(db):
            self.say("kept (the running server holds it)", DB)
            return
        existed = db.exists()
        try:  # as the server's first start: created where none is, the marker written
            open_for_server(db).close()
        except StoreError as exc:
            raise UserError(str(exc)) from None
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{db}{suffix}").exists():
                self.own(Path(f"{DB}{suffix}"), owned=True)
        self.own(expected_marker(DB), owned=True)
        self.say("kept" if existed else "created (empty: pair devices, add officers)", DB)

    # ------------------------------------------------------------------ roles
    def server(self, hosts: list[str], port: int, log_format: str) -> list[str]:
        self.directory(ETC, 0o755, owned=False)
        self.office_config()
        fingerprint = self.certificate(hosts)
        self.database()
        self.directory(BACKUPS, 0o750)
        values = self.values(port=port, log_args="" if log_format == "plain"
                             else f" --log-format {log_format}")
        changed = [unit for unit, text in (
            ("antrean-server.service", SERVER_UNIT.format(**values)),
            ("antrean-backup.service", BACKUP_SERVICE.format(**values)),
            ("antrean-backup.timer", BACKUP_TIMER.format(**values)),
        ) if self.write(UNIT_DIR / unit, text)]
        self.enable("antrean-server.service", "multi-user.target")
        self.enable("antrean-backup.timer", "timers.target")
        self.systemd(start=["antrean-server.service", "antrean-backup.timer"],
                     restart=[u for u in changed if u == "antrean-server.service"])
        return [f"the office's certificate pin (give it to every device): {fingerprint}",
                f"pair devices: antrean device add NAME --role ROLE --db {DB}",
                f"metrics: antrean device add prometheus --role monitor --db {DB} "
                "(docs/install.md)"]

    def app(self, device: str, app_args: list[str], server: str | None,
            cert_sha256: str | None, token: str | None) -> list[str]:
        values = self.values(device=device, app_args="".join(
            f" {_unit_word(arg)}" for arg in app_args))
        unit = f"antrean-{self.role}.service"
        self.write(UNIT_DIR / unit, APP_UNIT.format(**values))
        self.enable(unit, "graphical.target")
        self.systemd(start=[], restart=[])
        done = self.credentials(device, server, cert_sha256, token)
        return [*done, f"the app starts full screen at the next boot (now: systemctl start "
                f"{unit}; it takes over the first console)"]

    def credentials(self, device: str, server: str | None, cert_sha256: str | None,
                    token: str | None) -> list[str]:
        from office_client import credentials as creds
        folder = HOME / ".config" / "antrean"
        path = creds.credentials_path(device, folder)
        target = self.path(path)
        if server is None:
            if target.exists():
                self.say("kept (its server and token)", path)
                return []
            return [f"no credentials yet: run this again with --server "
                    f"wss://SERVER:{DEFAULT_PORT}/ws --cert-sha256 PIN --token-file - and "
                    f"paste its token (from `antrean device add {device} --role "
                    f"{self.role}` on the server)"]
        try:
            pin = creds.normalize_fingerprint(cert_sha256) if cert_sha256 else None
            wanted = creds.Credentials(creds.check_server_url(server), device, token, pin)
            if target.exists():
                have = creds.load(target)
                wanted = creds.Credentials(wanted.server, device, token or have.token,
                                           pin or have.cert_sha256)
                if have == wanted:
                    self.say("unchanged", path)
                    return []
            if wanted.token is None:
                raise UserError("a device's first credentials need its token: give it on "
                                "standard input (--token-file -) or in a file")
            for part in (HOME / ".config", folder):
                self.path(part).mkdir(mode=0o700, exist_ok=True)
                self.own(part, owned=True)
            creds.save(target, wanted)
        except (creds.CredentialsError, ValueError) as exc:
            raise UserError(str(exc)) from None
        self.own(path, owned=True)
        self.say("wrote (server, token, pin; readable by the service user only)", path)
        return []

    # ------------------------------------------------------------------ helpers
    def values(self, **extra: object) -> dict[str, object]:
        return {"header": HEADER.format(role=self.role), "user": USER, "home": HOME,
                "program": self.program, "config": CONFIG, "db": DB, "tls": TLS_DIR,
                "backups": BACKUPS, "cage": CAGE, "role": self.role, **extra}

    def systemd(self, start: list[str], restart: list[str]) -> None:
        """On the machine itself, with systemd running: reload it and start the units."""
        if not self.live or not Path("/run/systemd/system").is_dir():
            return
        subprocess.run(["systemctl", "daemon-reload"], check=True)
        for unit in start:
            action = "restart" if unit in restart else "start"
            subprocess.run(["systemctl", action, unit], check=True)
            self.say(f"{action}ed {unit}")


def _unit_word(arg: str) -> str:
    """One argument on a unit's ExecStart line: quoted, and `%` and `$` kept literal."""
    return shlex.quote(arg).replace("%", "%%").replace("$", "$$")


def _program(value: str | None) -> str:
    """The `antrean` the units run: given, else the one running now."""
    if value:
        path = value
    else:
        beside = Path(sys.executable).parent / "antrean"
        path = str(beside) if beside.exists() else shutil.which("antrean") or ""
    if not path or not os.path.isabs(path) or any(c.isspace() or c in "'\"%$\\" for c in path):
        raise UserError(f"the antrean program {path!r} must be an absolute path without "
                        "spaces or quotes (--program PATH)")
    return path


def _read_token(source: str | None) -> str | None:
    if source is None:
        return None
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{source}: cannot read the token: {exc.strerror}") from None
    token = text.strip().splitlines()[-1].strip() if text.strip() else ""
    if not token:
        raise UserError("no token given (the last line printed by `antrean device add`)")
    return token


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("role", choices=ROLES)
    p.add_argument("--root", default="/", help="write under this folder instead of / and "
                   "start nothing (to check, or to prepare an image)")
    p.add_argument("--program", help="the antrean executable the units run (default: this "
                   "one)")
    p.add_argument("--host", action="append", default=[], metavar="NAME_OR_IP",
                   help="server: a name or IP devices use for it (in its certificate)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="server: its port")
    p.add_argument("--log-format", choices=["plain", "json"], default="plain",
                   help="server: its log lines in the journal (json: one object a line)")
    p.add_argument("--device", help="app: the device's name, as paired")
    p.add_argument("--server", help="app: wss://SERVER:PORT/ws, written to its credentials")
    p.add_argument("--cert-sha256", metavar="PIN", help="app: the server's certificate pin")
    p.add_argument("--token-file", metavar="FILE",
                   help="app: read the device's token from FILE ('-': standard input)")
    p.add_argument("--app-options", default="", metavar="'OPTIONS'",
                   help="app: the app's own options, as one quoted string, e.g. "
                   "'--printer usb:04b8:0202 --printer-profile TM-T88V'")


def main(args: argparse.Namespace) -> int:
    root = Path(args.root).absolute()
    if root == Path("/") and os.geteuid() != 0:
        raise UserError("antrean install sets up the machine: run it as root (sudo), or "
                        "give --root DIR to write into a folder")
    if not root.is_dir():
        raise UserError(f"{root}: no such folder")
    try:
        app_args = shlex.split(args.app_options)
    except ValueError as exc:
        raise UserError(f"--app-options: {exc}") from None
    installer = Installer(args.role, root, _program(args.program))
    try:
        installer.service_user()
        installer.directory(HOME, 0o750)
        if args.role == "server":
            if app_args or args.device:
                raise UserError("--device and app options are for kiosk, counter, display")
            notes = installer.server(args.host, args.port, args.log_format)
        else:
            if not args.device or not DEVICE_NAME.fullmatch(args.device):
                raise UserError(f"a {args.role} needs --device NAME (as paired on the server: "
                                "letters, digits, '.', '_', '-')")
            if any(a == "--token" or a.startswith("--token=") for a in app_args):
                raise UserError("no token on a command line: give it on standard input "
                                "(--token-file -); it goes into the credentials file")
            notes = installer.app(args.device, app_args, args.server, args.cert_sha256,
                                  _read_token(args.token_file))
    except OSError as exc:
        raise UserError(f"install failed: {exc.strerror or exc}: "
                        f"{getattr(exc, 'filename', '') or ''}") from None
    for note in notes:
        print(f"next: {note}")
    return 0
