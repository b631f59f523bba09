"""docs/protocol.md is the protocol's reference: it must say what `protocol/messages.py`
and the hub enforce, so a role, command, event, error code or limit added or changed in
the code without the reference fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from protocol import messages as m
from server.hub import http, links
from server.hub import websocket as hub

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
CELL_SPLIT = re.compile(r"(?<!\\)\|")
CODE = re.compile(r"`([^`]+)`")


def section(title: str) -> str:
    """The text under the level-2 heading `title`, up to the next level-2 heading."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/protocol.md has no section '## {title}'"
    return match.group(1)


def table_rows(text: str, first_header: str) -> list[list[str]]:
    """The body rows of the table in `text` whose first header cell is `first_header`."""
    rows: list[list[str]] = []
    inside = False
    for line in text.splitlines():
        if not line.startswith("|"):
            if inside:
                break
            continue
        cells = [c.strip() for c in CELL_SPLIT.split(line.strip())[1:-1]]
        if not inside:
            inside = cells[0] == first_header
            continue
        if set(cells[0]) <= {"-", " "}:
            continue
        rows.append(cells)
    assert rows, f"no table headed '{first_header}'"
    return rows


def names(cell: str) -> list[str]:
    return CODE.findall(cell)


def outside_parentheses(cell: str) -> str:
    while (stripped := re.sub(r"\([^()]*\)", "", cell)) != cell:
        cell = stripped
    return cell


def test_every_role_is_documented():
    documented = {names(row[0])[0] for row in table_rows(section("Handshake"), "role")}
    assert documented == m.ROLES


def test_public_roles_are_the_ones_the_server_treats_as_public():
    text = section("What public roles receive")
    first = text.split(")", 1)[0]  # "... to public roles (`display`, ...)"
    assert set(names(first)) == m.PUBLIC_ROLES


def test_command_table_has_every_command_with_the_roles_the_server_enforces():
    rows = table_rows(section("Commands"), "name")
    # "—": no socket role (a command only the HTTP side sends, as the applicant)
    documented = {names(row[0])[0]: {r.strip() for r in row[1].split(",")} - {"—"}
                  for row in rows}
    # the roles a socket client can take (the phone page's `applicant` is none)
    assert documented == {name: set(spec.roles) & m.ROLES for name, spec in m.COMMANDS.items()}


def test_command_table_names_each_required_argument_as_required():
    for row in table_rows(section("Commands"), "name"):
        name, args = names(row[0])[0], row[2]
        for arg in m.COMMANDS[name].required:
            assert f"`{arg}`" in args, f"{name}: required argument {arg} not documented"
            assert f"`{arg}?`" not in args, f"{name}: {arg} is required, documented optional"


def test_event_table_lists_every_event():
    documented = [names(row[0])[0] for row in table_rows(section("Events"), "name")]
    assert sorted(documented) == sorted(m.EVENT_NAMES)


def test_public_event_table_is_what_public_event_lets_through():
    """Each event's documented public keys are exactly those `public_event` keeps when
    handed every key the reference mentions."""
    prose = re.sub(r"^```.*?^```", "", DOC.read_text(encoding="utf-8"), flags=re.M | re.S)
    probe = {word: "x" for word in CODE.findall(prose)}
    documented: dict[str, set[str]] = {}
    for event_cell, data_cell in table_rows(section("What public roles receive"), "event"):
        if event_cell.startswith("any other"):
            events = [n for n in names(event_cell) if n in m.EVENT_NAMES]
        else:
            events = names(event_cell)
        keys = set() if data_cell == "`{}`" else set(names(outside_parentheses(data_cell)))
        for event in events:
            documented[event] = keys
    assert set(documented) == set(m.EVENT_NAMES)
    for event, keys in documented.items():
        assert set(m.public_event(event, probe)) == keys, event


@pytest.mark.parametrize(("label", "fields"), [
    ("ticket", m.PUBLIC_TICKET_FIELDS),
    ("counter", (*m.PUBLIC_COUNTER_FIELDS, "ticket")),
    ("service", m.PUBLIC_SERVICE_FIELDS),
    ("`service_stats`", m.PUBLIC_STATS_FIELDS),
])
def test_public_field_lists_are_the_whitelist(label, fields):
    text = section("What public roles receive")
    match = re.search(rf"^- {re.escape(label)}: (.*?)(?=^- |^\n)", text, re.M | re.S)
    assert match, label
    assert names(match.group(1)) == list(fields)


def test_error_code_table_has_every_error_code():
    rows = table_rows(section("Commands and results"), "code")
    assert sorted(names(row[0])[0] for row in rows) == sorted(c.value for c in m.ErrorCode)


def test_device_statuses_are_documented():
    text = section("Commands")
    for status in m.DEVICE_STATUSES:
        assert f"`{status}`" in text


def test_limits_are_the_ones_the_server_keeps():
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    limits = " ".join(section("Limits, rates and slow clients").split())
    assert f"| frame size | {m.MAX_FRAME_BYTES // 1024} KiB |" in limits
    assert f"| {m.BAD_FRAMES_PER_MINUTE} a minute | close {m.POLICY_VIOLATION} |" in limits
    assert f"within {hub.HELLO_TIMEOUT:g} s of connecting" in limits
    assert f"a `resync` as {hub.RESYNC_COST}" in limits
    assert f"| replay on welcome | {hub.REPLAY_LIMIT:,} events |" in limits
    assert f"| unacknowledged data | {hub.SLOW_CLIENT_LIMIT // 2**20} MiB |" in limits
    assert f"past {hub.SLOW_CLIENT_LIMIT // 16 // 1024} KiB" in limits
    assert f"at most {hub.REPLAY_LIMIT:,} events behind" in text
    assert f"more than {http.MAX_QUERY_FIELDS} fields" in text
    assert f"valid {int(links.LINK_TTL.total_seconds())} seconds" in text

