"""Booking CSV import through the CLI into the running server, then check-in at a kiosk."""

import json
from datetime import datetime, timedelta

from websockets.sync.client import connect

from antrean.cli import main


def _kiosk(live_server):
    ws = connect(live_server.url, legacy=True)
    ws.send(json.dumps({"type": "hello", "role": "kiosk", "device": "kiosk-1",
                        "token": live_server.tokens["kiosk-1"]}))
    json.loads(ws.recv(timeout=10))
    return ws


def _result(ws, cid):
    while True:
        msg = json.loads(ws.recv(timeout=10))
        if msg.get("type") == "result" and msg["id"] == cid:
            return msg


def test_csv_import_then_check_in(live_server, open_office, tmp_path, capsys):
    slot = datetime.now(open_office.tz).replace(second=0, microsecond=0) + timedelta(minutes=5)
    csv_file = tmp_path / "mpaspor.csv"
    csv_file.write_text("Kode_Booking;Layanan;Jadwal\n"
                        f"MP-0001;paspor-baru;{slot:%Y-%m-%d %H:%M}\n"
                        f"MP-0002;paspor-ganti;{slot:%Y-%m-%d %H:%M}\n", encoding="utf-8")
    code = main(["bookings", "import", str(csv_file), "--server", live_server.url,
                 "--device", "admin-1", "--token", live_server.tokens["admin-1"]])
    assert code == 0 and "2 bookings imported" in capsys.readouterr().out
    with _kiosk(live_server) as kiosk:
        kiosk.send(json.dumps({"type": "command", "id": "c1", "name": "check_in",
                               "args": {"booking_code": "mp-0001"}}))
        ticket = _result(kiosk, "c1")
        assert ticket["ok"] and ticket["data"]["booked"] and ticket["data"]["number"] == "A001"
        kiosk.send(json.dumps({"type": "command", "id": "c2", "name": "check_in",
                               "args": {"booking_code": "MP-0001"}}))
        assert _result(kiosk, "c2")["error"]["code"] == "not_found"  # the code is forgotten


def test_csv_without_required_columns_is_one_line_error(live_server, tmp_path, capsys):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("nama,nik\nBudi,3201\n", encoding="utf-8")
    code = main(["bookings", "import", str(csv_file), "--server", live_server.url,
                 "--device", "admin-1", "--token", live_server.tokens["admin-1"]])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "missing column(s) code, service, slot_start" in err[0]


def test_wrong_admin_token_is_refused(live_server, tmp_path, capsys):
    csv_file = tmp_path / "ok.csv"
    csv_file.write_text("code,service,slot_start\nX1,paspor-baru,2026-11-23 09:00\n")
    code = main(["bookings", "import", str(csv_file), "--server", live_server.url,
                 "--device", "admin-1", "--token", "wrong"])
    assert code == 1 and "refused" in capsys.readouterr().err
