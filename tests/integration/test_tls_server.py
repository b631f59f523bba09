"""wss:// with the office's certificate: the real server process, a real TLS client."""

import json
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_server_serves_wss_with_the_office_certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    log = tmp_path / "server.log"  # shown when the test fails: what the server saw
    with log.open("w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "antrean", "server", "--db",
                                 str(tmp_path / "a.db"), "--host", "127.0.0.1", "--port", "0",
                                 "--tls-cert", str(cert), "--tls-key", str(key)],
                                stdout=subprocess.PIPE, stderr=log_file, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on wss://127.0.0.1:"), line
        url = line.split()[-1]
        context = ssl.create_default_context(cafile=str(cert))
        with connect(url, ssl=context, open_timeout=30) as ws:
            ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "observer"}))
            welcome = json.loads(ws.recv(timeout=30))
        assert welcome["type"] == "welcome"
        with pytest.raises(ssl.SSLError):  # a client that does not trust it is refused
            with connect(url, ssl=ssl.create_default_context(), open_timeout=30):
                pass
        # TLS runs on the standard library's loop, not uvloop's own TLS layer (see
        # server.app.loop_name)
        assert "event loop: asyncio" in log.read_text()
    except BaseException:
        print("server log:\n" + log.read_text())
        raise
    finally:
        proc.terminate()
        assert proc.wait(30) == 0


def test_tls_key_without_cert_is_a_one_line_error(tmp_path):
    out = subprocess.run([sys.executable, "-m", "antrean", "server", "--db",
                          str(tmp_path / "a.db"), "--tls-key", "x.pem"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == ["antrean: --tls-cert and --tls-key go together"]
