"""The board's view logic for what the hall reads (no Qt): calls made together flash side
by side, closed services say TUTUP, the QR code's address, the running text's colours."""

from __future__ import annotations

from datetime import timedelta

from test_board_model import NOW, called, feed, make_board, recalled

from display_board.board import MAX_FRESH, WaitingRow


def _tick_until_quiet(board) -> int:
    ticks = 0
    while board.tick():
        ticks += 1
        assert ticks < 1000
    return ticks


def test_calls_made_together_flash_side_by_side_newest_first() -> None:
    board = make_board()
    feed(board, called(1, "t1", "A001", "loket-1"))
    assert [c.number for c in board.view(NOW).fresh] == ["A001"]
    feed(board, called(2, "t2", "E001", "loket-4"))
    feed(board, called(3, "t3", "A002", "loket-1"))
    view = board.view(NOW)
    assert [c.number for c in view.fresh] == ["A002", "E001", "A001"]
    assert view.latest.number == "A002" and view.flashing
    feed(board, called(4, "t4", "A003", "loket-1"))
    assert len(board.fresh_calls()) == MAX_FRESH == 3
    assert [c.number for c in board.fresh_calls()] == ["A003", "A002", "E001"]


def test_each_fresh_call_flashes_its_own_time_then_the_board_is_quiet() -> None:
    board = make_board()
    feed(board, called(1, "t1", "A001"))
    for _ in range(4):  # two seconds later, a second counter calls
        board.tick()
    feed(board, called(2, "t2", "E001", "loket-4"))
    total = board.flash.total_ticks
    for _ in range(total - 4):
        board.tick()
    assert [c.number for c in board.fresh_calls()] == ["E001"]  # A001's flash is over
    _tick_until_quiet(board)
    assert board.fresh_calls() == [] and not board.view(NOW).flashing
    assert board.view(NOW).latest.number == "E001"  # still shown large


def test_a_recall_replaces_its_own_fresh_entry() -> None:
    board = make_board()
    feed(board, called(1, "t1", "A001"))
    feed(board, called(2, "t2", "E001", "loket-4"))
    feed(board, recalled(3, "t1", "A001", 1, NOW), NOW + timedelta(seconds=5))
    fresh = board.fresh_calls()
    assert [(c.number, c.recall) for c in fresh] == [("A001", True), ("E001", False)]


def test_stale_replayed_calls_do_not_flash() -> None:
    board = make_board()
    feed(board, called(1, "t1", "A001", at=NOW - timedelta(minutes=5)))
    assert board.fresh_calls() == []


def test_day_rollover_clears_the_fresh_calls() -> None:
    board = make_board()
    feed(board, called(1, "t1", "A001"))
    feed(board, {"type": "event", "seq": 2, "at": NOW.isoformat(), "name": "day_rolled_over",
                 "data": {"day": "2026-11-24", "previous_day": "2026-11-23"}})
    assert board.fresh_calls() == []


def test_closed_service_says_tutup_not_zero_people() -> None:
    open_row = WaitingRow("a", "A", "Paspor Baru", "New Passport", 4, True)
    closed = WaitingRow("d", "D", "Paspor Percepatan", "Same-Day", 0, False)
    assert open_row.count_text("id") == "4 orang" and open_row.count_text("en") == "4 people"
    assert closed.count_text("id") == "TUTUP" and closed.count_text("en") == "Closed"
    board = make_board()
    board.model.services["izin-tinggal"]["open"] = False
    rows = {r.service: r for r in board.view(NOW).waiting}
    assert rows["izin-tinggal"].count_text() == "TUTUP"
    assert rows["paspor-baru"].count_text() == "4 orang"


def test_qr_code_leads_to_the_follow_page_of_the_public_address() -> None:
    board = make_board()
    assert board.view(NOW).follow_url == ""  # no address known: no QR code
    board.model.office["public_url"] = "http://192.168.1.10:8765/"
    assert board.view(NOW).follow_url == "http://192.168.1.10:8765/ikuti"


def test_running_text_is_an_alert_only_while_an_announcement_runs() -> None:
    board = make_board()
    assert not board.view(NOW).running_alert
    board.model.announcement = {"text": {"id": "Waspada calo!", "en": "Brokers!"},
                                "until": (NOW + timedelta(hours=1)).isoformat()}
    assert board.view(NOW).running_alert
    assert not board.view(NOW + timedelta(hours=2)).running_alert
