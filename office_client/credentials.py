"""A device's credentials file: which server, which device, its token, the pinned certificate.

One JSON file per device, `<config>/antrean/<device>.json`, mode 0600 in a 0700 folder
(`<config>` is `$XDG_CONFIG_HOME`, else `~/.config`; `$ANTREAN_CONFIG_DIR` replaces the
whole `<config>/antrean` folder — the demo and the tests use it):

    {"version": 1, "server": "wss://antrean-server.lan:8765/ws", "device": "kiosk-lobby-1",
     "token": "…", "cert_sha256": "AB:CD:…"}

An app started with `--server URL --token T [--cert-sha256 FP]` writes it; started without
`--token` it reads the token and the pin from it, so a token never has to appear on a
command line or in an autostart entry. The connection writes the pin into it on the first
TLS connection when none was given (trust on first use), and the name and token a
supervisor's approval gives it (pairing by a code, `store_paired`): this module is the
file's only reader and writer. No Qt here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("antrean.client")

FORMAT_VERSION = 1
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DEVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class CredentialsError(Exception):
    """Credentials that cannot be found, read or used; the message is one line."""


@dataclass(frozen=True)
class Credentials:
    server: str  # ws://HOST:PORT/ws or wss://…
    device: str | None = None
    token: str | None = None
    cert_sha256: str | None = None  # the pinned certificate, "AB:CD:…"; None: not yet


def normalize_fingerprint(text: str) -> str:
    """A SHA-256 fingerprint in the one form stored and compared: 32 upper-case hex bytes
    joined by ':' (openssl's and `antrean tls fingerprint`'s form). Accepts any case, with
    or without ':' or spaces, and an optional "sha256:" / "SHA256 Fingerprint=" prefix."""
    value = text.strip().lower()
    for prefix in ("sha256 fingerprint=", "sha256:", "sha256="):
        if value.startswith(prefix):
            value = value[len(prefix):]
    value = value.replace(":", "").replace(" ", "")
    if not _HEX64.fullmatch(value):
        raise ValueError("a certificate's SHA-256 fingerprint is 64 hex digits "
                         "(as `antrean tls fingerprint` prints it)")
    return ":".join(value[i:i + 2] for i in range(0, 64, 2)).upper()


def check_server_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise CredentialsError(f"not a server address: {url!r} (wss://HOST:PORT/ws)")
    return url


def is_tls(url: str) -> bool:
    return urlsplit(url).scheme == "wss"


def config_dir() -> Path:
    override = os.environ.get("ANTREAN_CONFIG_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "antrean"


def credentials_path(name: str, directory: str | Path | None = None) -> Path:
    """The file of device `name` (a paired device's name, or the app's name). A name that
    is not a plain file name (spaces, '/', a leading '.') gets a safe one, told apart from
    others by a hash of the name."""
    if not name:
        raise CredentialsError("a device name is required")
    stem = name
    if not _DEVICE_NAME.fullmatch(name):
        digest = hashlib.sha256(name.encode()).hexdigest()[:12]
        stem = f"{re.sub(r'[^A-Za-z0-9._-]', '_', name).lstrip('.')[:40]}-{digest}"
    return Path(directory or config_dir()) / f"{stem}.json"


def load(path: str | Path) -> Credentials:
    path = Path(path)
    try:
        if path.stat().st_mode & 0o077:
            log.warning("%s can be read by other users: it holds the device token "
                        "(chmod 600 it)", path)
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CredentialsError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise CredentialsError(f"{path} is not a credentials file (bad JSON)") from None
    if not isinstance(data, dict) or not isinstance(data.get("server"), str):
        raise CredentialsError(f"{path} is not a credentials file (no server)")
    fields = {}
    for name in ("device", "token", "cert_sha256"):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise CredentialsError(f"{path}: {name} must be text")
        fields[name] = value or None
    pin = fields["cert_sha256"]
    if pin is not None:
        try:
            fields["cert_sha256"] = normalize_fingerprint(pin)
        except ValueError as exc:
            raise CredentialsError(f"{path}: cert_sha256: {exc}") from None
    return Credentials(check_server_url(data["server"]), **fields)


def save(path: str | Path, credentials: Credentials) -> None:
    """Write the file readable by its owner only, whole or not at all."""
    path = Path(path)
    data = {"version": FORMAT_VERSION, "server": credentials.server,
            "device": credentials.device, "token": credentials.token,
            "cert_sha256": credentials.cert_sha256}
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CredentialsError(f"cannot write {path}: {exc.strerror}") from None


def store_pin(path: str | Path, fingerprint: str) -> None:
    """Record a certificate pinned on first use in the device's file."""
    save(path, replace(load(path), cert_sha256=normalize_fingerprint(fingerprint)))


def store_paired(path: str | Path, server: str, name: str, token: str,
                 cert_sha256: str | None = None) -> Credentials:
    """Record the name and token a supervisor's approval gave this device (pairing by a
    code), keeping the server and the pinned certificate on file (else `cert_sha256`)."""
    stored = load(path) if Path(path).exists() else None
    pin = stored.cert_sha256 if stored and stored.server == server else None
    wanted = Credentials(server, name, token, pin or cert_sha256)
    save(path, wanted)
    log.info("paired as %s: credentials written to %s", name, path)
    return wanted


def resolve(name: str, server: str | None = None, device: str | None = None,
            token: str | None = None, cert_sha256: str | None = None,
            token_required: bool = True, directory: str | Path | None = None,
            ) -> tuple[Credentials, Path]:
    """The credentials an app starts with, from its command line and its file.

    `name` names the file (the device's name, else the app's). With `token` the file is
    (re)written: `server` is then required, and the pin is `cert_sha256`, else the one on
    file for the same server, else none (pinned on first use). Without `token` the token
    comes from the file; `server` and `cert_sha256`, when given, replace what is on file
    (a renewed certificate is pinned again by starting once with `--cert-sha256`). A
    device that pairs by a code (or a display run as an observer) starts without a token:
    `token_required=False`."""
    path = credentials_path(name, directory)
    pin = None
    if cert_sha256:
        try:
            pin = normalize_fingerprint(cert_sha256)
        except ValueError as exc:
            raise CredentialsError(f"--cert-sha256: {exc}") from None
    if server:
        check_server_url(server)
    stored: Credentials | None = load(path) if path.exists() else None
    if token:
        if not server:
            raise CredentialsError("--token needs --server (the address this token is for)")
        kept_pin = stored.cert_sha256 if stored and stored.server == server else None
        wanted = Credentials(server, device, token, pin or kept_pin)
    elif stored is not None:
        # A paired device keeps the name its token was issued for (pairing by a code may
        # give it another name than the --device its file is named after).
        name_on_file = (stored.device or device) if stored.token else (device or stored.device)
        wanted = Credentials(server or stored.server, name_on_file, stored.token,
                             pin or stored.cert_sha256)
    elif token_required:
        raise CredentialsError(f"no credentials for device {name!r} in {path}: start once "
                               "with --server URL --token TOKEN (from `antrean device add`)")
    elif server:
        wanted = Credentials(server, device, None, pin)
    else:
        raise CredentialsError(f"no credentials for device {name!r} in {path}: start once "
                               "with --server URL (the app then shows a pairing code for a "
                               "supervisor to approve)")
    if wanted != stored:
        save(path, wanted)
        log.info("credentials of %s written to %s", name, path)
    if not is_tls(wanted.server) and urlsplit(wanted.server).hostname not in (
            "localhost", "127.0.0.1", "::1"):
        log.warning("%s is not encrypted: the device token and officers' PINs cross the "
                    "network in clear (use wss://, docs/install.md)", wanted.server)
    return wanted, path


def from_args(args: Any, app: str, token_required: bool = True) -> tuple[Credentials, Path]:
    """`resolve` for an app's parsed command line (--server, --token, --device,
    --cert-sha256); the file is named after --device, else after the app."""
    device = getattr(args, "device", None)
    return resolve(device or app, getattr(args, "server", None), device,
                   getattr(args, "token", None), getattr(args, "cert_sha256", None),
                   token_required)
