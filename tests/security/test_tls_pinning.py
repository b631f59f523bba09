"""Clients pin the office's certificate: the real server made TLS by `tls init`, the real
Qt connection. A certificate that is not the pinned one is refused before the device's
token is sent, and says so on screen; with no pin, the first one seen is pinned."""

from __future__ import annotations

import stat

from tls_helpers import Impostor, TlsServer

from antrean.demo_office import pair_demo_devices
from antrean.tls import init_tls
from office_client import credentials
from office_client.connection import CERTIFICATE_REJECTED, OfficeConnection


def _office(tmp_path):
    files = init_tls(tmp_path / "tls", hosts=["127.0.0.1"])
    db = tmp_path / "antrean.db"
    return files, db, pair_demo_devices(db)


def _refused_twice(qtbot, conn: OfficeConnection, welcomes: list) -> None:
    """Started, the connection is refused; its retry (backoff) is refused again."""
    conn.welcomed.connect(welcomes.append)
    with qtbot.waitSignals([conn.certificate_refused, conn.certificate_refused],
                           timeout=15000):
        conn.start()


def test_the_pinned_certificate_is_welcomed(qtbot, tmp_path):
    files, db, tokens = _office(tmp_path)
    with TlsServer(db, files.cert.parent) as url:
        conn = OfficeConnection(url, "kiosk", "kiosk-1", tokens["kiosk-1"],
                                cert_sha256=files.fingerprint.replace(":", "").lower())
        with qtbot.waitSignal(conn.welcomed, timeout=15000):
            conn.start()
        assert conn.state == "online"
        results = []
        conn.send_command("issue_ticket", {"service": "paspor-baru", "lane": "reguler"},
                          results.append)
        qtbot.waitUntil(lambda: bool(results), timeout=15000)
        assert results[0]["ok"], results
        conn.stop()


def test_a_wrong_pin_is_never_welcomed(qtbot, tmp_path):
    files, db, tokens = _office(tmp_path)
    other = init_tls(tmp_path / "other")
    with TlsServer(db, files.cert.parent) as url:
        conn = OfficeConnection(url, "kiosk", "kiosk-1", tokens["kiosk-1"],
                                cert_sha256=other.fingerprint)
        states: list[str] = []
        conn.state_changed.connect(states.append)
        welcomes: list = []
        _refused_twice(qtbot, conn, welcomes)
        assert welcomes == []
        assert conn.state == CERTIFICATE_REJECTED
        # the refusal stays on screen while it retries: never "connecting" or "online"
        assert states == ["connecting", CERTIFICATE_REJECTED]
        conn.stop()


def test_an_impostor_never_receives_the_token(qtbot, tmp_path):
    files, _db, tokens = _office(tmp_path)
    impostor_files = init_tls(tmp_path / "impostor", hosts=["127.0.0.1"])
    with Impostor(impostor_files.cert.parent) as impostor:
        conn = OfficeConnection(impostor.url, "counter", "console-1", tokens["console-1"],
                                cert_sha256=files.fingerprint)
        welcomes: list = []
        _refused_twice(qtbot, conn, welcomes)
        conn.stop()
    assert impostor.received == []  # no hello: neither the token nor anything else


def test_trust_on_first_use_pins_and_refuses_a_changed_certificate(qtbot, tmp_path):
    files, db, tokens = _office(tmp_path)
    server = TlsServer(db, files.cert.parent)
    url = server.start()
    try:
        # first start of the app: --server URL --token T, no --cert-sha256
        creds, path = credentials.resolve("board-1", url, "board-1", tokens["board-1"],
                                          directory=tmp_path / "cfg")
        assert creds.cert_sha256 is None
        conn = OfficeConnection(creds.server, "display", creds.device, creds.token,
                                cert_sha256=creds.cert_sha256, credentials_path=path)
        pins: list[str] = []
        conn.certificate_pinned.connect(pins.append)
        with qtbot.waitSignals([conn.certificate_pinned, conn.welcomed], timeout=15000,
                               order="strict"):
            conn.start()
        assert pins == [files.fingerprint]
        assert credentials.load(path).cert_sha256 == files.fingerprint  # remembered
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with qtbot.waitSignal(conn.state_changed, timeout=15000,
                              check_params_cb=lambda state: state == "offline"):
            server.stop()
        welcomes: list = []
        conn.welcomed.connect(welcomes.append)
        # Someone else answers at the server's address, with another certificate: this
        # connection has accepted a certificate before, and still sends it nothing.
        impostor_files = init_tls(tmp_path / "impostor", hosts=["127.0.0.1"])
        with Impostor(impostor_files.cert.parent, port=server.port) as impostor:
            with qtbot.waitSignal(conn.certificate_refused, timeout=30000) as refused:
                pass  # the running connection retries by itself
        assert refused.args == [impostor_files.fingerprint]
        assert impostor.received == [] and welcomes == []
        assert conn.state == CERTIFICATE_REJECTED
        # The office's certificate is renewed: refused too, until the device is re-pinned.
        renewed = init_tls(files.cert.parent, hosts=["127.0.0.1"], force=True)
        assert renewed.fingerprint != files.fingerprint
        with qtbot.waitSignal(conn.certificate_refused, timeout=30000,
                              check_params_cb=lambda fp: fp == renewed.fingerprint):
            server.start()  # same port
        assert conn.state == CERTIFICATE_REJECTED and welcomes == []
        # a restarted app reads the same pin from its file (no --token) and refuses it too
        again, _ = credentials.resolve("board-1", directory=tmp_path / "cfg")
        assert again.token == tokens["board-1"]
        restarted = OfficeConnection(again.server, "display", again.device, again.token,
                                     cert_sha256=again.cert_sha256, credentials_path=path)
        _refused_twice(qtbot, restarted, welcomes)
        assert welcomes == [] and restarted.state == CERTIFICATE_REJECTED
        restarted.stop()
        conn.stop()
    finally:
        server.stop()
    assert credentials.load(path).cert_sha256 == files.fingerprint  # never silently replaced
