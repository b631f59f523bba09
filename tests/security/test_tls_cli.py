"""`antrean tls init` / `antrean tls fingerprint`, `antrean server --tls-dir` and the apps'
credentials options on the command line (exit 0 ok, 2 bad usage, 1 failure with one line)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from tls_helpers import TlsServer

from antrean.demo_office import pair_demo_devices
from antrean.tls import init_tls

ROOT = Path(__file__).resolve().parents[2]
FINGERPRINT = r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$"


def antrean(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "antrean", *argv], cwd=ROOT, text=True,
                          capture_output=True, timeout=60)


def test_tls_init_prints_the_pin_last_and_fingerprint_prints_it_again(tmp_path):
    made = antrean("tls", "init", "--dir", str(tmp_path), "--host", "192.168.1.10")
    assert made.returncode == 0, made.stderr
    pin = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(FINGERPRINT, pin), made.stdout
    again = antrean("tls", "fingerprint", "--dir", str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines() == [pin]


def test_tls_init_refuses_to_replace_a_key(tmp_path):
    assert antrean("tls", "init", "--dir", str(tmp_path)).returncode == 0
    key = (tmp_path / "server.key").read_bytes()
    out = antrean("tls", "init", "--dir", str(tmp_path))
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        f"antrean: {tmp_path / 'server.key'} already exists (devices pin it); "
        "use --force to make a new one"]
    assert (tmp_path / "server.key").read_bytes() == key
    assert antrean("tls", "init", "--dir", str(tmp_path), "--force").returncode == 0
    assert (tmp_path / "server.key").read_bytes() != key


def test_tls_failures_are_one_line(tmp_path):
    missing = antrean("tls", "fingerprint", "--dir", str(tmp_path / "nothing"))
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"antrean: cannot read {tmp_path / 'nothing' / 'server.crt'}: No such file or "
        "directory"]
    (tmp_path / "server.crt").write_text("not a certificate")
    bad = antrean("tls", "fingerprint", "--dir", str(tmp_path))
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        f"antrean: {tmp_path / 'server.crt'} is not a PEM certificate"]
    host = antrean("tls", "init", "--dir", str(tmp_path / "new"), "--host", "a b")
    assert host.returncode == 1
    assert host.stderr.strip().splitlines() == [
        "antrean: not a host name or IP address: 'a b'"]
    assert not (tmp_path / "new" / "server.key").exists()


def test_tls_usage_errors_exit_2():
    for argv, says in ((["tls"], "the following arguments are required: action"),
                       (["tls", "init", "--bogus"], "unrecognized arguments: --bogus"),
                       (["tls", "renew"], "invalid choice: 'renew'")):
        out = antrean(*argv)
        assert out.returncode == 2, argv
        assert out.stderr.strip().splitlines()[-1].startswith("antrean"), out.stderr
        assert says in out.stderr, out.stderr


def test_server_tls_dir_errors_are_one_line(tmp_path):
    empty = antrean("server", "--db", str(tmp_path / "a.db"), "--tls-dir", str(tmp_path))
    assert empty.returncode == 1
    lines = empty.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("antrean: cannot load the TLS certificate")
    both = antrean("server", "--db", str(tmp_path / "a.db"), "--tls-dir", str(tmp_path),
                   "--tls-cert", "x.pem", "--tls-key", "y.pem")
    assert both.returncode == 1
    assert both.stderr.strip().splitlines() == [
        "antrean: --tls-dir or --tls-cert/--tls-key, not both"]


def test_an_app_without_token_or_credentials_is_a_one_line_error(tmp_path):
    out = antrean("counter", "--device", "desk-9")
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "antrean: no credentials for device 'desk-9'"), out.stderr
    pin = antrean("counter", "--server", "wss://127.0.0.1:1/ws", "--device", "desk-9",
                  "--token", "t", "--cert-sha256", "not-hex")
    assert pin.returncode == 1
    assert pin.stderr.strip().splitlines()[-1].startswith("antrean: --cert-sha256: ")


def test_bookings_import_trusts_only_the_office_certificate(tmp_path):
    office = init_tls(tmp_path / "tls", hosts=["127.0.0.1"])
    other = init_tls(tmp_path / "other", hosts=["127.0.0.1"])
    db = tmp_path / "antrean.db"
    token = pair_demo_devices(db)["admin-1"]
    csv_file = tmp_path / "bookings.csv"
    # the engine takes slots up to a year ahead: tomorrow's
    tomorrow = date.today() + timedelta(days=1)
    csv_file.write_text(f"code,service,slot_start\nBK-1,paspor-baru,{tomorrow}T09:00\n")
    with TlsServer(db, office.cert.parent) as url:
        argv = ["bookings", "import", str(csv_file), "--server", url, "--device", "admin-1",
                "--token", token]
        ok = antrean(*argv, "--tls-cert", str(office.cert))
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.strip() == "1 bookings imported"
        refused = antrean(*argv, "--tls-cert", str(other.cert))
        assert refused.returncode == 1
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "CERTIFICATE_VERIFY_FAILED" in lines[0], refused.stderr
