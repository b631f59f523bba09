"""Secrets at rest: the server's private key and the devices' credentials files are
readable by their owner only, and no token sits on a command line in the deploy files."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from antrean import tls
from office_client import credentials

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-token-of-the-kiosk-000001"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The most permissive umask: a file's mode must not depend on it."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_tls_init_writes_a_private_key_and_a_public_certificate(tmp_path, open_umask):
    files = tls.init_tls(tmp_path / "tls", hosts=["192.168.1.10", "Antrean-Server.lan"])
    assert _mode(files.key) == 0o600
    assert _mode(files.cert) == 0o644
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    assert files.fingerprint == ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))
    assert tls.fingerprint(files.cert.parent) == files.fingerprint
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("192.168.1.10") in sans.get_values_for_type(x509.IPAddress)
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)
    names = sans.get_values_for_type(x509.DNSName)
    assert {"antrean-server.lan", "localhost", socket.gethostname().lower()} <= set(names)
    valid = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert valid.days >= 3 * 365
    assert not [p for p in files.cert.parent.iterdir() if p.name.startswith(".")]


def test_an_existing_key_is_never_overwritten_without_force(tmp_path):
    first = tls.init_tls(tmp_path)
    key = first.key.read_bytes()
    with pytest.raises(tls.TlsError, match="already exists.*--force"):
        tls.init_tls(tmp_path)
    assert first.key.read_bytes() == key
    assert tls.fingerprint(tmp_path) == first.fingerprint
    second = tls.init_tls(tmp_path, force=True)
    assert second.fingerprint != first.fingerprint and first.key.read_bytes() != key
    assert _mode(second.key) == 0o600


def test_credentials_file_is_private(tmp_path, open_umask):
    creds, path = credentials.resolve("kiosk-lobby-1", "wss://antrean-server.lan:8765/ws",
                                      "kiosk-lobby-1", TOKEN, "ab" * 32,
                                      directory=tmp_path / "antrean")
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert creds.cert_sha256 == ":".join(["AB"] * 32)
    # later starts need no token on the command line: it comes from the file
    again, _ = credentials.resolve("kiosk-lobby-1", directory=tmp_path / "antrean")
    assert again == creds
    # a TOFU pin is written into it the same way
    credentials.store_pin(path, "cd" * 32)
    assert credentials.load(path).cert_sha256 == ":".join(["CD"] * 32)
    assert _mode(path) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_no_token_on_a_command_line_in_the_deploy_files():
    entries = sorted((ROOT / "deploy" / "autostart").glob("*.desktop"))
    assert len(entries) == 3
    for entry in entries:
        text = entry.read_text()
        exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
        assert "--token" not in exec_line and "antrean-token" not in exec_line, entry.name
        assert re.search(r"--server wss://", exec_line), entry.name
        assert "ws://" not in exec_line.replace("wss://", ""), entry.name
    unit = (ROOT / "deploy" / "systemd" / "antrean-server.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert "--tls-dir /etc/antrean/tls" in exec_start
    assert "--token" not in unit
