"""The command table: every command of the protocol the engine answers has exactly one
handler; a role the command's spec does not list is refused `forbidden`; an argument that
breaks the spec is refused `bad_request` naming it, in the office's language; a refused
command changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from engine_helpers import Desk, at

from i18n import t
from protocol.messages import APPLICANT, ARGS, COMMANDS, ROLES, Bilingual, Text
from server.engine import Actor
from server.engine.handlers import HANDLERS

ENGINE_COMMANDS = sorted(name for name, spec in COMMANDS.items()
                         if spec.answered_by == "engine")
# a valid value of every argument any command takes
VALID: dict[str, Any] = {
    "service": "paspor-baru", "lane": "reguler", "lang": "id", "booking_code": "BK-1",
    "officer": "budi", "pin": "1234", "counter": "loket-1", "ticket": "A001",
    "stage": "pemeriksaan-berkas", "to_counter": "loket-2", "note": "berkas", "reason": "rapat",
    "status": "ok", "detail": "kertas", "text": {"id": "Halo", "en": "Hello"},
    "until": "2024-01-08T12:00", "bookings": [], "answers": [4] * 9, "comment": "baik",
    "from": "2024-01-08", "to": "2024-01-08", "format": "html",
    # the supervisor's
    "name": "Siti", "code": "483912", "kiosk": "kiosk-1", "request": "r1", "role": "kiosk",
    "position": "front", "quota": 10, "supervisor": True, "disabled": False, "unlock": True,
    "day": "2024-01-08", "limit": 10, "days": [],
}
VALID.update({"count": 3, "tickets": []})  # a kiosk's offline issuing
VALID.update({"profile": {"age": "30_39"}})  # the survey's respondent profile
VALID.update({"keep_priority": True})  # a transfer: a priority ticket stays one


def test_every_engine_command_of_the_protocol_has_exactly_one_handler():
    assert sorted(HANDLERS) == ENGINE_COMMANDS
    assert len(set(HANDLERS.values())) == len(HANDLERS)  # no handler serves two commands
    hub = sorted(name for name, spec in COMMANDS.items() if spec.answered_by == "hub")
    assert hub == ["approve_pairing", "audit", "reject_pairing", "reload_config",
                   "report_link", "revoke_device", "save_officer", "ticket_history"]
    assert all(spec.answered_by in ("engine", "hub") for spec in COMMANDS.values())


def test_every_argument_of_every_spec_has_a_kind_and_a_sample_here():
    named = {arg for spec in COMMANDS.values() for arg in (*spec.required, *spec.optional)}
    assert named == ARGS.keys() == VALID.keys()


def _unchanged(desk: Desk, name: str, actor: Actor, args: dict[str, Any], code: str) -> str:
    desk.engine.drain_changes()
    out = desk.err(name, actor, code, **args)
    assert out.events == []
    assert not desk.engine.drain_changes()
    return out.error_message


@pytest.mark.parametrize(("name", "role"), [
    (name, role) for name in ENGINE_COMMANDS for role in sorted({*ROLES, APPLICANT})
    if role not in COMMANDS[name].roles])
def test_a_role_the_spec_does_not_list_is_forbidden(office, name, role):
    desk = Desk(office, at(9, 0))
    args = {arg: VALID[arg] for arg in COMMANDS[name].required}
    message = _unchanged(desk, name, Actor(role, f"{role}-1", "budi", session="s"), args,
                         "forbidden")
    assert message == t("server.err_forbidden_role", office.default_language, name=name,
                        role=role)


def _sender(name: str) -> Actor:
    role = sorted(COMMANDS[name].roles)[0]
    return Actor(role, f"{role}-1", "budi", "Budi", counter="loket-1", session="s")


def _engine_args(name: str, optional: bool = False) -> list[str]:
    """The arguments the engine checks: all but those the hub acts on first (login's)."""
    spec = COMMANDS[name]
    return [arg for arg in (*spec.required, *(spec.optional if optional else ()))
            if arg not in spec.hub_checked]


@pytest.mark.parametrize(("name", "arg"), [
    (name, arg) for name in ENGINE_COMMANDS for arg in _engine_args(name)])
@pytest.mark.parametrize("missing", [None, ""])
def test_a_missing_required_argument_is_named(office, name, arg, missing):
    desk = Desk(office, at(9, 0))
    args = {a: VALID[a] for a in COMMANDS[name].required}
    args[arg] = missing
    message = _unchanged(desk, name, _sender(name), args, "bad_request")
    assert message == t("server.err_bad_arg", office.default_language, arg=arg)


@pytest.mark.parametrize(("name", "arg"), [
    (name, arg) for name in ENGINE_COMMANDS for arg in _engine_args(name, optional=True)])
def test_an_argument_of_the_wrong_kind_is_named(office, name, arg):
    spec = COMMANDS[name]
    kind = spec.kind(arg)
    desk = Desk(office, at(9, 0))
    args = {a: VALID[a] for a in spec.required}
    args[arg] = {"not": "this"}
    message = _unchanged(desk, name, _sender(name), args, "bad_request")
    if isinstance(kind, Text | Bilingual):
        assert message == t("server.err_bad_text", office.default_language, arg=arg,
                            limit=kind.limit)
    else:
        assert message == t("server.err_bad_arg", office.default_language, arg=arg)
    assert f"'{arg}'" in message


def test_the_hub_checks_the_pin_of_a_login_the_engine_the_rest(office):
    assert COMMANDS["login"].hub_checked == ("officer", "pin")
    desk = Desk(office, at(9, 0))
    officer = Actor("counter", "console-1", "budi", "Budi", session="s")
    desk.err("login", officer, "bad_request", counter=7)
    assert desk.ok("login", officer, counter="loket-1")["officer"]["id"] == "budi"


def test_the_bounds_of_the_spec_hold(office):
    desk = Desk(office, at(9, 0))
    officer = Actor("counter", "console-1", "budi", "Budi", session="s")
    assert desk.ok("login", officer, officer="budi", pin="1", counter="loket-1")
    desk.err("pause", officer, "bad_request", counter="loket-1", reason="x" * 201)
    desk.err("call_ticket", officer, "bad_request", counter="loket-1", ticket="A" * 101)
    desk.err("issue_ticket", Actor("kiosk", "kiosk-1"), "bad_request", service="paspor-baru",
             lane="reguler", lang="fr")
    desk.err("submit_survey", officer, "bad_request", ticket="A001", answers=[4] * 8)
    desk.err("submit_survey", officer, "bad_request", ticket="A001", answers=[True] * 9)
    desk.err("submit_survey", officer, "bad_request", ticket="A001", answers=[5] * 9)
    assert desk.ok("pause", officer, counter="loket-1", reason="x" * 200)


def test_unknown_commands_and_hub_commands_are_not_the_engines(office):
    desk = Desk(office, at(9, 0))
    admin = Actor("admin", "admin-1")
    message = desk.err("frobnicate", admin, "unknown_command").error_message
    assert message == t("server.err_unknown_command", office.default_language,
                        name="frobnicate")
    desk.err("report_link", admin, "unknown_command", **{"from": "2024-01-08",
                                                          "to": "2024-01-08",
                                                          "format": "html"})
