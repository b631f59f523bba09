"""A counter acts only on tickets it serves: their service, lane AND stage must be among
its configured `services`, `lanes` and `stages` (the counter its officer is logged in
at). Admin keeps its office-wide cancel. A refusal is `forbidden`, names the ticket and
the counter, and changes nothing."""

from __future__ import annotations

import pytest

from config.office import OfficeConfig
from i18n import t
from server.engine import Actor
from tests.engine.engine_helpers import ADMIN, KIOSK, Desk, at, officer

ANSWERS = [4] * 9


@pytest.fixture
def scoped(office) -> OfficeConfig:
    """The example office with one counter for the regular lane only (loket-2) and one for
    the photo stage only (loket-3)."""
    data = office.model_dump()
    for counter in data["counters"]:
        if counter["id"] == "loket-2":
            counter["lanes"] = ["reguler"]
        if counter["id"] == "loket-3":
            counter["stages"] = ["foto-wawancara"]
    data["source"] = office.source
    return OfficeConfig.model_validate(data)


@pytest.fixture
def desk(scoped) -> Desk:
    desk = Desk(scoped, at(9, 0))
    desk.login(1, "loket-1")  # budi: passports, every lane and stage
    desk.login(2, "loket-2")  # sari: passports, regular lane only
    desk.login(3, "loket-3")  # andi: passports, photo stage only
    desk.login(4, "loket-4")  # rina: residence permits only
    desk.engine.drain_changes()
    return desk


def _refused_unchanged(desk: Desk, name: str, actor: Actor, **args) -> str:
    """The command is refused `forbidden` and nothing changed; returns its message."""
    desk.engine.drain_changes()
    before = {tid: tk.to_record() for tid, tk in desk.engine.tickets.items()}
    counters = {cid: st.to_record() for cid, st in desk.engine.counters.items()}
    out = desk.err(name, actor, "forbidden", **args)
    assert out.events == []
    assert {tid: tk.to_record() for tid, tk in desk.engine.tickets.items()} == before
    assert {cid: st.to_record() for cid, st in desk.engine.counters.items()} == counters
    assert not desk.engine.drain_changes()
    return out.error_message


def test_a_counter_cannot_cancel_another_services_ticket(desk):
    desk.issue("paspor-baru")  # A001
    message = _refused_unchanged(desk, "cancel", officer(4), ticket="A001", reason="x")
    assert "A001" in message and "Loket 4" in message and "paspor-baru" in message
    assert desk.status("A001") == "waiting"
    assert desk.waiting_numbers() == ["A001"]
    # by its id too
    _refused_unchanged(desk, "cancel", officer(4), ticket="t_20240108_A001")


def test_a_counter_cannot_cancel_a_ticket_of_a_lane_it_does_not_serve(desk):
    desk.issue("paspor-baru", "lansia")  # A001, a priority lane
    message = _refused_unchanged(desk, "cancel", officer(2), ticket="A001")
    assert "lansia" in message
    assert desk.status("A001") == "waiting"


def test_a_counter_cannot_cancel_a_ticket_of_a_stage_it_does_not_serve(desk):
    desk.issue("paspor-baru")  # A001 at the first stage, pemeriksaan-berkas
    message = _refused_unchanged(desk, "cancel", officer(3), ticket="A001")
    assert "pemeriksaan-berkas" in message
    assert desk.status("A001") == "waiting"


def test_a_counter_cannot_cancel_a_ticket_another_counter_is_handling(desk):
    desk.issue("paspor-baru")
    desk.call(1, "loket-1")  # A001 called at loket-1; loket-2 serves its service and lane
    _refused_unchanged(desk, "cancel", officer(2), ticket="A001")
    assert desk.status("A001") == "called"
    assert desk.engine.counters["loket-1"].ticket == "t_20240108_A001"


def test_call_ticket_needs_the_lane_and_the_stage_too(desk):
    desk.issue("paspor-baru", "lansia")  # A001
    desk.issue("paspor-baru")  # A002, regular, stage 1
    _refused_unchanged(desk, "call_ticket", officer(2), counter="loket-2", ticket="A001")
    _refused_unchanged(desk, "call_ticket", officer(3), counter="loket-3", ticket="A002")
    _refused_unchanged(desk, "call_ticket", officer(4), counter="loket-4", ticket="A002")
    assert desk.waiting_numbers() == ["A001", "A002"]
    # what each counter does serve, it may call by hand
    assert desk.ok("call_ticket", officer(2), counter="loket-2", ticket="A002")["number"] \
        == "A002"


def test_a_counter_may_not_submit_a_survey_for_a_ticket_it_does_not_serve(desk):
    desk.issue("paspor-baru")
    desk.serve(1, "loket-1")
    _refused_unchanged(desk, "submit_survey", officer(4), ticket="A001", answers=ANSWERS)
    assert desk.engine.tickets["t_20240108_A001"].surveyed is False
    assert desk.ok("submit_survey", officer(1), ticket="A001", answers=ANSWERS) == {}


def test_a_transfer_to_a_counter_goes_only_to_one_that_serves_lane_and_stage(desk):
    desk.issue("paspor-baru", "lansia")
    desk.call(1, "loket-1")
    before = desk.engine.tickets["t_20240108_A001"].to_record()
    # loket-2 serves passports, but not the lansia lane
    out = desk.err("transfer", officer(1), "bad_request", counter="loket-1",
                   service="paspor-baru", stage="foto-wawancara", to_counter="loket-2")
    assert "lansia" in out.error_message
    assert desk.engine.tickets["t_20240108_A001"].to_record() == before
    # loket-3 serves the photo stage, but not the first one
    desk.err("transfer", officer(1), "bad_request", counter="loket-1",
             service="paspor-baru", stage="pemeriksaan-berkas", to_counter="loket-3")
    moved = desk.ok("transfer", officer(1), counter="loket-1", service="paspor-baru",
                    stage="foto-wawancara", to_counter="loket-3")
    assert moved["to_counter"] == "loket-3"


def test_in_scope_counter_cancels_and_admin_cancels_anything(desk):
    desk.issue("paspor-baru")  # A001
    desk.issue("izin-tinggal")  # E001
    desk.issue("paspor-baru", "lansia")  # A002
    assert desk.ok("cancel", officer(4), ticket="E001")["status"] == "cancelled"
    assert desk.ok("cancel", officer(1), ticket="A001", reason="dobel")["status"] == "cancelled"
    desk.call(1, "loket-1")  # A002 at loket-1
    assert desk.ok("cancel", ADMIN, ticket="A002")["status"] == "cancelled"


def test_a_counter_device_not_logged_in_anywhere_cancels_nothing(desk):
    desk.issue("paspor-baru")
    _refused_unchanged(desk, "cancel", Actor("counter", "console-9", "joko", "Joko"),
                       ticket="A001")
    _refused_unchanged(desk, "cancel", KIOSK, ticket="A001")  # any other role, too


def test_the_refusal_is_in_both_languages():
    for key in ("err_scope_service", "err_scope_lane", "err_scope_stage",
                "err_ticket_elsewhere"):
        params = {"number": "A001", "counter": "Loket 4", "service": "paspor-baru",
                  "lane": "lansia", "stage": "bap"}
        texts = {t(f"server.{key}", lang, **params) for lang in ("id", "en")}
        assert len(texts) == 2 and all("A001" in text for text in texts)
