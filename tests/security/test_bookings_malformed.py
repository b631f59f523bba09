"""A malformed booking import (a year-9999 slot, a list where a string belongs, an end
before its start, a non-string code, a naive/aware mix, absurd dates) is refused
`bad_request` naming the row and the field: nothing of the file is imported, the engine
does not crash into a reload, the queue stays intact and the next command works."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from antrean.cli import main
from tests.engine.engine_helpers import ADMIN, KIOSK, Desk, at
from tests.integration.ws_helpers import device


def names_row(message: str, row: int) -> bool:
    return re.search(rf"(baris booking|booking row) {row}\b", message, re.IGNORECASE) is not None


GOOD = {"code": "BK-001", "service": "paspor-baru", "slot_start": "2024-01-08T10:00"}

# (row, the field the refusal must name); the engine's day is 2024-01-08
BAD_ROWS = {
    "year_9999": ({**GOOD, "slot_start": "9999-12-31T23:30"}, "slot_start"),
    "year_9999_end": ({**GOOD, "slot_end": "9999-12-31T23:59"}, "slot_end"),
    "year_1": ({**GOOD, "slot_start": "0001-01-01T00:00"}, "slot_start"),
    "far_future": ({**GOOD, "slot_start": "2031-01-08T10:00"}, "slot_start"),
    "long_past": ({**GOOD, "slot_start": "2019-01-08T10:00"}, "slot_start"),
    "end_before_start": ({**GOOD, "slot_end": "2024-01-08T09:00"}, "slot_end"),
    "end_equals_start": ({**GOOD, "slot_end": "2024-01-08T10:00"}, "slot_end"),
    "slot_of_a_year": ({**GOOD, "slot_end": "2024-12-31T10:00"}, "slot_end"),
    "naive_aware_mix": ({**GOOD, "slot_end": "2024-01-08T11:00+07:00"}, "slot_end"),
    "aware_naive_mix": ({**GOOD, "slot_start": "2024-01-08T10:00+07:00",
                         "slot_end": "2024-01-08T11:00"}, "slot_end"),
    "absurd_offset": ({**GOOD, "slot_start": "2024-01-08T10:00+23:00"}, "slot_start"),
    "date_without_time": ({**GOOD, "slot_start": "2024-01-08"}, "slot_start"),
    "number_as_slot": ({**GOOD, "slot_start": 20240108}, "slot_start"),
    "list_as_slot": ({**GOOD, "slot_start": ["2024-01-08T10:00"]}, "slot_start"),
    "list_as_service": ({**GOOD, "service": ["paspor-baru"]}, "service"),
    "object_as_service": ({**GOOD, "service": {"id": "paspor-baru"}}, "service"),
    "list_as_lane": ({**GOOD, "lane": ["reguler"]}, "lane"),
    "list_as_code": ({**GOOD, "code": ["BK-002"]}, "code"),
    "number_as_code": ({**GOOD, "code": 12345}, "code"),
    "code_with_control": ({**GOOD, "code": "BK\x00002"}, "code"),
    "code_too_long": ({**GOOD, "code": "B" * 65}, "code"),
    "huge_slot_text": ({**GOOD, "slot_start": "2024-01-08T10:00" + " " * 60_000}, "slot_start"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_malformed_row_refuses_the_whole_file(office, case):
    row, field = BAD_ROWS[case]
    desk = Desk(office, at(9, 0))
    desk.issue()
    desk.engine.drain_changes()
    waiting = desk.waiting_numbers()
    other = {**GOOD, "code": "BK-003"}
    out = desk.err("import_bookings", ADMIN, "bad_request", bookings=[other, row, GOOD])
    assert names_row(out.error_message, 2) and field in out.error_message, out.error_message
    assert desk.engine.bookings == {}  # not even the good first row
    assert not desk.engine.drain_changes()
    assert desk.waiting_numbers() == waiting
    # the engine goes on: the next import and the next ticket work
    assert desk.ok("import_bookings", ADMIN, bookings=[GOOD, other]) == {"imported": 2}
    assert desk.issue()["number"] == "A002"
    assert desk.ok("check_in", KIOSK, booking_code="BK-001")["booked"]


def test_the_refusal_names_row_and_field_in_english_too(office):
    config = office.model_copy(update={"office": office.office.model_copy(
        update={"languages": ["en", "id"]})})
    desk = Desk(config, at(9, 0))
    out = desk.err("import_bookings", ADMIN, "bad_request",
                   bookings=[GOOD, {**GOOD, "slot_end": "2024-01-08T09:00"}])
    assert out.error_message.startswith("Booking row 2, field slot_end:")
    assert "No booking was imported" in out.error_message


def _today_slot(live_server, hours: int = 1) -> str:
    from config import office as office_config
    tz = office_config.load().tz
    return (datetime.now(tz) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_a_bad_import_through_the_server_leaves_the_queue_intact(live_server):
    kiosk = device(live_server, "kiosk-1")
    admin = device(live_server, "admin-1")
    issued = [kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")["number"]
              for _ in range(2)]
    good = {"code": "MP-1", "service": "paspor-baru", "slot_start": _today_slot(live_server)}
    for bad in ({**good, "code": "MP-2", "slot_start": "9999-12-31T23:30"},
                {**good, "code": "MP-2", "service": ["paspor-baru"]},
                {**good, "code": "MP-2", "slot_end": "2000-01-01T00:00"},
                {**good, "code": 77}):
        message = admin.refused("import_bookings", "bad_request", bookings=[good, bad])
        assert names_row(message, 2), message
    kiosk.refused("check_in", "not_found", booking_code="MP-1")  # nothing was imported

    # the tickets issued before are all still there and waiting, numbers go on
    fresh = device(live_server, "admin-1")
    assert [tk["number"] for tk in fresh.welcome["snapshot"]["waiting"]] == issued
    fresh.close()
    assert kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")["number"] == "A003"
    assert admin.ok("import_bookings", bookings=[good]) == {"imported": 1}
    assert kiosk.ok("check_in", booking_code="mp-1")["number"] == "A004"
    kiosk.close()
    admin.close()


def _import(live_server, csv_file) -> int:
    return main(["bookings", "import", str(csv_file), "--server", live_server.url,
                 "--device", "admin-1", "--token", live_server.tokens["admin-1"]])


def test_the_cli_names_the_line_or_the_servers_row(live_server, tmp_path, capsys):
    csv_file = tmp_path / "mpaspor.csv"
    slot = _today_slot(live_server).replace("T", " ")
    csv_file.write_text("code,service,slot_start,slot_end\n"
                        f"MP-1,paspor-baru,{slot},\n"
                        "MP-2,paspor-baru,besok pagi,\n", encoding="utf-8")
    assert _import(live_server, csv_file) == 1
    err = capsys.readouterr().err
    assert "mpaspor.csv:3" in err and "slot_start" in err
    csv_file.write_text("code,service,slot_start,slot_end\n"
                        f"MP-1,paspor-baru,{slot},\n"
                        f"MP-2,paspor-baru,{slot},2001-01-01 10:00\n", encoding="utf-8")
    assert _import(live_server, csv_file) == 1
    err = capsys.readouterr().err
    assert "mpaspor.csv:3" in err and "slot_end" in err
    csv_file.write_text("code,service,slot_start\n"
                        f"MP-1,paspor-baru,{slot}\n"
                        "MP-2,paspor-baru,9999-12-31 10:00\n", encoding="utf-8")
    assert _import(live_server, csv_file) == 1  # refused by the server, naming the row
    err = capsys.readouterr().err
    assert names_row(err, 2) and "slot_start" in err, err
    kiosk = device(live_server, "kiosk-1")
    kiosk.refused("check_in", "not_found", booking_code="MP-1")
    kiosk.close()
