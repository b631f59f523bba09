"""Every free-text argument (pause/cancel/close reasons, a transfer note, a device's status
detail, an announcement, a survey comment) is a plain string of bounded length: a huge
string, an object or a list, control characters or bidirectional overrides are refused
`bad_request`, and the refused command changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.engine.engine_helpers import ADMIN, KIOSK, Desk, at, officer

HUGE = "x" * 60_000
BAD_TEXTS = {
    "huge": HUGE,
    "object": {"id": "istirahat"},
    "list": ["istirahat"],
    "number": 7,
    "escape": "istirahat\x1b[2J\x1b[31mDIRETAS",
    "nul": "istirahat\x00",
    "newline": "istirahat\nFAKE LOG LINE",
    "carriage_return": "istirahat\rDIRETAS",
    "bidi_override": "istirahat \u202eATAREID",
    "line_separator": "istirahat\u2028x",
    "c1_control": "istirahat\x9b31m",
}
# a survey comment comes from a text area: it may have line breaks and tabs
COMMENT_BAD_TEXTS = {k: v for k, v in BAD_TEXTS.items()
                     if k not in ("newline", "carriage_return")}


def _at_counter(desk: Desk) -> None:
    desk.login(1, "loket-1")


def _with_waiting_ticket(desk: Desk) -> None:
    desk.issue()


def _with_called_ticket(desk: Desk) -> None:
    desk.login(1, "loket-1")
    desk.issue()
    desk.call(1, "loket-1")


def _with_finished_ticket(desk: Desk) -> None:
    desk.login(1, "loket-1")
    desk.issue()
    desk.serve(1, "loket-1")


# command -> (setup, actor, args without the text, the text argument's name)
CASES: dict[str, tuple[Callable[[Desk], None], Any, dict[str, Any], str]] = {
    "pause": (_at_counter, officer(1), {"counter": "loket-1"}, "reason"),
    "close_counter": (_at_counter, officer(1), {"counter": "loket-1"}, "reason"),
    "close_counter_by_admin": (_at_counter, ADMIN, {"counter": "loket-1"}, "reason"),
    "cancel": (_with_waiting_ticket, ADMIN, {"ticket": "A001"}, "reason"),
    "transfer": (_with_called_ticket, officer(1),
                 {"counter": "loket-1", "service": "paspor-baru"}, "note"),
    "report_device_status": (lambda desk: None, KIOSK, {"status": "paper_out"}, "detail"),
    "submit_survey": (_with_finished_ticket, ADMIN, {"ticket": "A001", "answers": [4] * 9},
                      "comment"),
}


def _state(desk: Desk) -> tuple:
    engine = desk.engine
    return ({tid: tk.to_record() for tid, tk in engine.tickets.items()},
            {cid: st.to_record() for cid, st in engine.counters.items()},
            engine.export_meta(), [tk.id for tk in engine.waiting_order(desk.now)])


def _refused_unchanged(desk: Desk, name: str, actor, args: dict[str, Any]) -> None:
    desk.engine.drain_changes()
    before = _state(desk)
    out = desk.err(name, actor, "bad_request", **args)
    assert out.events == []
    assert _state(desk) == before
    assert not desk.engine.drain_changes()


@pytest.mark.parametrize(("case", "bad"), [
    (case, bad) for case in sorted(CASES) for bad in sorted(
        COMMENT_BAD_TEXTS if CASES[case][3] == "comment" else BAD_TEXTS)])
def test_bad_free_text_is_refused_and_changes_nothing(office, case, bad):
    setup, actor, args, text_arg = CASES[case]
    desk = Desk(office, at(9, 0))
    setup(desk)
    name = case.removesuffix("_by_admin")
    _refused_unchanged(desk, name, actor, {**args, text_arg: BAD_TEXTS[bad]})
    # the same command with a short plain text goes through
    assert desk.run(name, actor, **{**args, text_arg: "Berkas kurang; kembali besok"}).ok


@pytest.mark.parametrize("bad", sorted(BAD_TEXTS))
def test_announcement_text_is_plain_and_bounded(office, bad):
    desk = Desk(office, at(9, 0))
    for text in ({"id": BAD_TEXTS[bad], "en": "ok"}, {"id": "ok", "en": BAD_TEXTS[bad]}):
        _refused_unchanged(desk, "set_announcement", ADMIN, {"text": text})
    assert desk.engine.announcement is None


def test_a_refused_close_reason_leaves_the_counter_open_and_unrecorded(office):
    desk = Desk(office, at(9, 0))
    desk.login(1, "loket-1")
    desk.err("close_counter", officer(1), "bad_request", counter="loket-1", reason=HUGE)
    desk.err("close_counter", officer(1), "bad_request", counter="loket-1",
             reason={"nik": "3201234567890001"})
    state = desk.engine.counters["loket-1"]
    assert state.status == "open" and state.officer == "budi"
    closed = desk.ok("close_counter", officer(1), counter="loket-1", reason="pulang")
    assert closed["status"] == "closed" and desk.last("counter_closed")["reason"] == "pulang"


def test_a_survey_comment_may_have_line_breaks_and_tabs(office):
    desk = Desk(office, at(9, 0))
    _with_finished_ticket(desk)
    assert desk.ok("submit_survey", ADMIN, ticket="A001", answers=[4] * 9,
                   comment="Cepat.\r\nPetugas ramah.\tTerima kasih") == {}
