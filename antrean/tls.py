"""The office's own TLS certificate: made once on the server, pinned by every device.

`init_tls` writes a self-signed certificate (`server.crt`, 0644) and its private key
(`server.key`, 0600) and returns the certificate's SHA-256 fingerprint — the pin the apps
compare the server's certificate against (`office_client/credentials.py`). Nobody has to
run a certificate authority: devices trust this one certificate, not a CA.

`antrean tls init` / `antrean tls fingerprint` (antrean/cli.py) call these; so will the
installer.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `cryptography` is imported where used: the CLI starts without it
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

DEFAULT_TLS_DIR = Path("/etc/antrean/tls")
CERT_NAME = "server.crt"
KEY_NAME = "server.key"
VALID_DAYS = 10 * 365  # every device pins it: renewing means re-pinning them all
CLOCK_SLACK = timedelta(days=1)  # a device whose clock is a little behind still accepts it


class TlsError(Exception):
    """A certificate that cannot be made or read; the message is one line for the user."""


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    fingerprint: str  # SHA-256 of the certificate (DER), "AB:CD:…" (openssl's form)


def cert_path(directory: str | Path) -> Path:
    return Path(directory) / CERT_NAME


def key_path(directory: str | Path) -> Path:
    return Path(directory) / KEY_NAME


def format_fingerprint(digest: bytes) -> str:
    return ":".join(f"{b:02X}" for b in digest)


def certificate_fingerprint(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import hashes
    return format_fingerprint(cert.fingerprint(hashes.SHA256()))


def fingerprint(directory: str | Path) -> str:
    """The pin of the certificate in `directory` (its `server.crt`)."""
    from cryptography import x509
    path = cert_path(directory)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TlsError(f"cannot read {path}: {exc.strerror}") from None
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise TlsError(f"{path} is not a PEM certificate") from None
    return certificate_fingerprint(cert)


def subject_names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    """SANs for the given host names and IPs, the machine's host name and localhost
    (a device may reach the server by any of them), each once, in that order."""
    from cryptography import x509
    names: list[x509.GeneralName] = []
    for host in [*hosts, socket.gethostname(), "localhost", "127.0.0.1", "::1"]:
        host = host.strip()
        if not host:
            continue
        try:
            name: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            if any(c.isspace() or c in "/\\" for c in host):
                raise TlsError(f"not a host name or IP address: {host!r}") from None
            name = x509.DNSName(host.lower())
        if name not in names:
            names.append(name)
    return names


def make_certificate(hosts: Iterable[str] = (), now: datetime | None = None,
                     valid_days: int = VALID_DAYS
                     ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed ECDSA P-256 server certificate for `hosts` (see `subject_names`)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    names = subject_names(hosts)
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    common_name = names[0].value if isinstance(names[0], x509.DNSName) else str(names[0].value)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Antrean")])
    cert = (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SLACK)
            .not_valid_after(now + timedelta(days=valid_days))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def _write(path: Path, data: bytes, mode: int, replace: bool) -> None:
    """Write `data` to `path` created with `mode` from the start (never briefly readable
    by others), through a temporary file renamed over the old one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # the umask may have taken bits off
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if `path` appeared meanwhile: never overwritten
            tmp.unlink()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def init_tls(directory: str | Path = DEFAULT_TLS_DIR, hosts: Iterable[str] = (),
             force: bool = False, now: datetime | None = None) -> TlsFiles:
    """Make the office's certificate and key in `directory` (created 0755 if missing).

    An existing key is never overwritten unless `force`: every device has pinned the
    certificate that goes with it. Raises TlsError with a one-line reason."""
    directory = Path(directory)
    cert_file, key_file = cert_path(directory), key_path(directory)
    if not force and (key_file.exists() or cert_file.exists()):
        existing = key_file if key_file.exists() else cert_file
        raise TlsError(f"{existing} already exists (devices pin it); "
                       "use --force to make a new one")
    from cryptography.hazmat.primitives import serialization
    cert, key = make_certificate(hosts, now)
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _write(key_file, key_pem, 0o600, replace=force)
        _write(cert_file, cert.public_bytes(serialization.Encoding.PEM), 0o644, replace=True)
    except FileExistsError:
        raise TlsError(f"{key_file} already exists; use --force to make a new one") from None
    except OSError as exc:
        raise TlsError(f"cannot write to {directory}: {exc.strerror}") from None
    return TlsFiles(cert_file, key_file, certificate_fingerprint(cert))
