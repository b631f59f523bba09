"""The board's view logic without Qt: filter, clock, announce-once, replay, flash, LEDs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from display_board.board import Board, BoardFilter, Flash
from display_board.leds import (
    LedPusher,
    LedSpecError,
    LedTarget,
    counter_short_label,
    parse_led_spec,
)
from hardware.led_display import SimulatedCounterDisplay
from i18n import missing_translations
from office_client.model import OfficeModel

NOW = datetime(2026, 11, 23, 1, 15, tzinfo=UTC)  # 08:15 WIB, a Monday


def iso(dt: datetime) -> str:
    return dt.isoformat()


def ticket(tid: str, number: str, called_at: datetime | None = None, **kw) -> dict:
    return {"id": tid, "number": number, "service": "paspor-baru", "lane": "reguler",
            "status": "called" if called_at else "waiting",
            "called_at": iso(called_at) if called_at else None, "recalls": 0, **kw}


def welcome(seq: int = 0, recent: list | None = None, now: datetime = NOW,
            snapshot: bool = True) -> dict:
    snap = {
        "office": {"id": "k", "name": "Kantor Imigrasi Contoh", "timezone": "Asia/Jakarta",
                   "ticket_footer": [{"id": "Waspada calo!", "en": "Beware of brokers!"}]},
        "lanes": [{"id": "reguler", "name": {"id": "Umum", "en": "General"},
                   "priority": False}],
        "services": [
            {"id": "paspor-baru", "prefix": "A", "name": {"id": "Paspor Baru", "en": "New"},
             "open": True, "waiting": 4},
            {"id": "izin-tinggal", "prefix": "E", "name": {"id": "Izin Tinggal", "en": "RP"},
             "open": True, "waiting": 2}],
        "counters": [
            {"id": "loket-1", "name": "Loket 1", "services": ["paspor-baru"],
             "zone": "lantai-1", "status": "open", "ticket": None},
            {"id": "loket-4", "name": "Loket 4", "services": ["izin-tinggal"],
             "zone": "lantai-2", "status": "open", "ticket": None}],
        "waiting": [], "recent_calls": recent or [], "announcement": None,
    }
    return {"type": "welcome", "seq": seq, "server_time": iso(now),
            "snapshot": snap if snapshot else None}


def called(seq: int, tid: str, number: str, counter: str = "loket-1",
           at: datetime = NOW) -> dict:
    return {"type": "event", "seq": seq, "at": iso(at), "name": "ticket_called",
            "data": {"ticket": ticket(tid, number, at), "counter": counter,
                     "counter_name": counter.replace("loket-", "Loket ")}}


def recalled(seq: int, tid: str, number: str, recalls: int, called_at: datetime,
             at: datetime = NOW) -> dict:
    return {"type": "event", "seq": seq, "at": iso(at), "name": "ticket_recalled",
            "data": {"ticket": ticket(tid, number, called_at, recalls=recalls),
                     "counter": "loket-1", "counter_name": "Loket 1", "recalls": recalls}}


def make_board(**filter_kw) -> Board:
    model = OfficeModel()
    board = Board(model, BoardFilter.parse(**filter_kw))
    model.load_welcome(welcome())
    board.on_welcome(welcome(), NOW)
    return board


def feed(board: Board, msg: dict, now: datetime = NOW) -> list:
    assert board.model.apply(msg).value == "applied"
    return board.on_event(msg, now)


def test_catalog_is_complete() -> None:
    assert missing_translations() == []


def test_clock_in_indonesian_in_the_offices_zone() -> None:
    board = make_board()
    view = board.view(NOW)
    assert (view.date_text, view.time_text) == ("Senin, 23 November 2026", "08:15 WIB")
    board.model.office["timezone"] = "Asia/Jayapura"
    view = board.view(NOW, "en")
    assert (view.date_text, view.time_text) == ("Monday, 23 November 2026", "10:15 WIT")


def test_call_is_shown_and_announced_once() -> None:
    board = make_board()
    calls = feed(board, called(1, "t1", "A001"))
    assert [c.number for c in calls] == ["A001"]
    assert board.latest and board.latest.counter_name == "Loket 1"
    assert board.flash.active
    view = board.view(NOW)
    assert view.latest.number == "A001"
    assert [t.number for t in view.counters] == ["A001", None]
    # The same event again (a replay after reconnect) is a duplicate for the model...
    assert board.model.apply(called(1, "t1", "A001")).value == "duplicate"
    # ...and even handed to the board again, it is not spoken twice.
    assert board.on_event(called(1, "t1", "A001"), NOW) == []


def test_recall_is_announced_again_and_each_recall_once() -> None:
    board = make_board()
    feed(board, called(1, "t1", "A001"))
    first = feed(board, recalled(2, "t1", "A001", 1, NOW, NOW + timedelta(seconds=20)),
                 NOW + timedelta(seconds=20))
    assert [c.recall for c in first] == [True]
    assert board.on_event(recalled(2, "t1", "A001", 1, NOW), NOW) == []
    again = feed(board, recalled(3, "t1", "A001", 2, NOW, NOW + timedelta(seconds=40)),
                 NOW + timedelta(seconds=40))
    assert len(again) == 1 and board.view(NOW).latest.recall


def test_replayed_call_spoken_only_if_recent() -> None:
    board = make_board()
    old = NOW - timedelta(minutes=5)
    assert feed(board, called(1, "t1", "A001", at=old)) == []  # missed long ago: silent
    assert board.latest.number == "A001"  # but shown
    assert feed(board, called(2, "t2", "A002", at=NOW - timedelta(seconds=30)))


def test_server_clock_offset_is_used_for_recency() -> None:
    # Board PC clock 10 minutes slow: the server's time from welcome decides.
    model = OfficeModel()
    board = Board(model)
    slow = NOW - timedelta(minutes=10)
    model.load_welcome(welcome())
    board.on_welcome(welcome(now=NOW), slow)
    assert feed(board, called(1, "t1", "A001", at=NOW - timedelta(seconds=5)), slow)


def test_first_snapshot_is_history_later_snapshot_announces_missed_recent_calls() -> None:
    model = OfficeModel()
    board = Board(model)
    history = [{"ticket": ticket("t0", "A000", NOW), "counter": "loket-1", "at": iso(NOW)}]
    model.load_welcome(welcome(5, history))
    assert board.on_welcome(welcome(5, history), NOW) == []  # startup: not spoken
    assert board.latest.number == "A000"
    later = NOW + timedelta(seconds=100)
    recent = [{"ticket": ticket("t2", "A002", later), "counter": "loket-1", "at": iso(later)},
              {"ticket": ticket("t1", "A001", NOW), "counter": "loket-1", "at": iso(NOW)},
              *history]
    model.load_welcome(welcome(9, recent, later))
    out = board.on_welcome(welcome(9, recent, later), later + timedelta(seconds=1))
    assert [c.number for c in out] == ["A002"]  # A001 is 100 s old: shown, not spoken
    assert board.latest.number == "A002"
    assert [c.number for c in board.last_calls()] == ["A001", "A000"]
    model.load_welcome(welcome(9, recent, later))
    assert board.on_welcome(welcome(9, recent, later), later) == []  # never twice


def test_zone_and_counter_filters() -> None:
    board = make_board(zone="lantai-2")
    assert feed(board, called(1, "t1", "A001", "loket-1")) == []
    assert board.latest is None
    assert [t.id for t in board.view(NOW).counters] == ["loket-4"]
    assert [r.prefix for r in board.view(NOW).waiting] == ["E"]
    assert feed(board, called(2, "t2", "E001", "loket-4"))
    only = make_board(counters="loket-1, ")
    assert [t.id for t in only.view(NOW).counters] == ["loket-1"]
    assert BoardFilter.parse(None, None).includes("x", None)


def test_running_text_announcement_and_expiry() -> None:
    board = make_board()
    assert "Selamat datang di Kantor Imigrasi Contoh" in board.running_text(NOW)
    assert "Waspada calo!" in board.running_text(NOW)
    feed(board, {"type": "event", "seq": 1, "at": iso(NOW), "name": "announcement",
                 "data": {"text": {"id": "Waspada calo! Tanpa perantara", "en": "No brokers"},
                          "until": iso(NOW + timedelta(hours=1))}})
    assert board.running_text(NOW).startswith("Waspada calo! Tanpa perantara")
    assert "No brokers" in board.running_text(NOW)
    assert "Selamat datang" in board.running_text(NOW + timedelta(hours=2))
    assert board.running_text(NOW, "en").startswith("No brokers")  # an English board
    assert "Waspada calo!" in board.running_text(NOW, "en")


def test_offline_mark_and_day_rollover() -> None:
    board = make_board()
    feed(board, called(1, "t1", "A001"))
    board.set_online(False)
    assert not board.view(NOW).online and board.view(NOW).latest.number == "A001"
    feed(board, {"type": "event", "seq": 2, "at": iso(NOW), "name": "day_rolled_over",
                 "data": {"day": "2026-11-24", "expired": []}})
    assert board.latest is None and board.last_calls() == []


def test_flash_toggles_then_ends() -> None:
    flash = Flash(duration_s=2, tick_ms=500)
    flash.start()
    states = [flash.on]
    while flash.tick():
        states.append(flash.on)
    assert states == [True, False, True, False]
    assert not flash.active and not flash.on


def test_bad_events_do_not_crash() -> None:
    board = make_board()
    assert board.on_event({"name": "ticket_called", "data": {}}, NOW) == []
    # Unknown counter, no times: shown as best it can, never spoken without a time.
    assert board.on_event({"name": "ticket_called", "data": {"ticket": {"id": "x"},
                                                             "counter": "nope"}}, NOW) == []
    assert board.on_welcome({"server_time": "garbage", "snapshot": None}) == []


def test_led_spec_parsing() -> None:
    assert parse_led_spec("loket-1=/dev/ttyUSB0:3") == LedTarget("loket-1", "/dev/ttyUSB0", 3)
    assert parse_led_spec("loket-2=/dev/ttyUSB0").address == 1
    assert parse_led_spec("loket-3=rfc2217://10.0.0.5:4001").port == "rfc2217://10.0.0.5:4001"
    assert parse_led_spec("loket-3=rfc2217://10.0.0.5:4001:7").address == 7
    for bad in ("loket-1", "=x", "loket-1="):
        with pytest.raises(LedSpecError):
            parse_led_spec(bad)
    assert counter_short_label("Loket 12") == "12" and counter_short_label("Info") == ""


def test_led_pusher_sends_only_changes() -> None:
    display = SimulatedCounterDisplay()
    pusher = LedPusher({"loket-1": display})
    counters = {"loket-1": {"name": "Loket 1", "status": "open",
                            "ticket": {"number": "A012"}}}
    assert pusher.update(counters) == 1
    assert pusher.update(counters) == 0
    counters["loket-1"]["ticket"] = None
    assert pusher.update(counters) == 1
    pusher.stop()
    assert display.history == ["A012   1", " " * 8]
