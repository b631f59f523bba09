"""Pairing by a code, the device's side (office_client/pairing.py): the plain state
machine against scripted server messages, and where the token goes (the credentials
file, nowhere else)."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import pytest

from office_client import credentials
from office_client.pairing import (
    RATE_LIMITED_RETRY_MS,
    REFUSED_RETRY_MS,
    Pairing,
    device_label,
    display_code,
)

NOW = datetime(2026, 12, 7, 1, 12, tzinfo=UTC)  # 08:12 WIB
EXPIRES = "2026-12-07T08:22:00+07:00"
TOKEN = "tok_3f9a1b2c4d5e6f708192a3b4c5d6e7f8"


def error(code: str, message: str = "") -> dict:
    return {"type": "error", "error": {"code": code, "message": message}}


def waiting(role: str = "kiosk", label: str = "kiosk-lobby-pc", now: datetime = NOW,
            code: str = "483 912") -> Pairing:
    pairing = Pairing(role, label, clock=lambda: now)
    pairing.connected()
    assert pairing.on_pairing({"type": "pairing", "code": code, "expires_at": EXPIRES})
    return pairing


def test_the_hello_asks_for_a_code_with_role_and_label_and_no_token():
    pairing = Pairing("counter", "desk pc/2")
    hello = pairing.hello()
    assert hello == {"type": "hello", "protocol": 1, "role": "counter",
                     "device": "desk-pc-2", "last_seq": 0, "pairing": True}
    assert pairing.view().stage == "connecting" and not pairing.view().online


def test_a_code_is_shown_with_its_expiry_in_the_offices_clock():
    view = waiting().view()
    assert (view.stage, view.code, view.online) == ("waiting", "483 912", True)
    assert f"{view.expires_at:%H:%M}" == "08:22"
    assert view.notice is None


@pytest.mark.parametrize("raw, shown", [("483 912", "483 912"), ("483912", "483 912"),
                                        (" 000 001 ", "000 001"), ("48391", None),
                                        ("483 9120", None), ("abc def", None), (483912, None),
                                        (None, None), ("٤٨٣٩١٢", None)])
def test_only_six_digits_make_a_code(raw, shown):
    assert display_code(raw) == shown


def test_a_malformed_pairing_message_changes_nothing():
    pairing = Pairing("kiosk", "kiosk-1")
    pairing.connected()
    assert not pairing.on_pairing({"type": "pairing", "code": "<b>12</b>"})
    assert pairing.view().stage == "connecting" and pairing.view().code is None


def test_approval_hands_over_name_and_token_and_keeps_the_token_out_of_sight():
    pairing = waiting()
    paired = pairing.on_paired({"type": "paired", "name": "kiosk-lobi-2", "token": TOKEN})
    assert paired is not None and (paired.name, paired.token) == ("kiosk-lobi-2", TOKEN)
    view = pairing.view()
    assert (view.stage, view.name, view.code) == ("paired", "kiosk-lobi-2", None)
    assert TOKEN not in repr(paired) and TOKEN not in repr(view)


@pytest.mark.parametrize("msg", [
    {"type": "paired", "name": "kiosk-2"},  # no token
    {"type": "paired", "name": "kiosk-2", "token": ""},
    {"type": "paired", "name": "kiosk-2", "token": 12345},
    {"type": "paired", "name": "kiosk-2", "token": "a\nb"},
    {"type": "paired", "name": "kiosk-2", "token": "x" * 513},
    {"type": "paired", "name": "../etc/passwd", "token": TOKEN},
    {"type": "paired", "name": "", "token": TOKEN},
    {"type": "paired", "token": TOKEN},
])
def test_a_paired_message_without_a_name_and_token_is_ignored(msg):
    pairing = waiting()
    assert pairing.on_paired(msg) is None
    assert pairing.view().stage == "waiting" and pairing.view().code == "483 912"


@pytest.mark.parametrize("minutes, notice", [
    (10, "expired"),  # past its expires_at
    (3, "ended"),  # rejected (or expired by a server clock ahead): the error does not say
])
def test_an_ended_code_says_why_and_a_new_one_is_asked_for_at_once(minutes, notice):
    pairing = waiting(now=NOW + timedelta(minutes=minutes))
    pairing.on_error(error("unauthorized", "The pairing request was rejected or has expired"))
    pairing.disconnected()
    view = pairing.view()
    assert (view.stage, view.code, view.notice, view.previous_code) == \
        ("connecting", None, notice, "483 912")
    assert pairing.retry_delay_ms(500) == 500
    pairing.connected()  # the next connection asks again: the same hello
    assert pairing.hello()["pairing"] is True
    assert pairing.on_pairing({"type": "pairing", "code": "120 771", "expires_at": EXPIRES})
    view = pairing.view()  # the new code, and still why the old one went
    assert (view.code, view.notice, view.previous_code) == ("120 771", notice, "483 912")


def test_too_many_requests_waits_longer_and_the_notice_goes_with_the_next_code():
    pairing = Pairing("display", "board-hall")
    pairing.connected()
    pairing.on_error(error("rate_limited", "too many pairing requests"))
    pairing.disconnected()
    assert pairing.view().notice == "rate_limited"
    assert pairing.retry_delay_ms(500) == RATE_LIMITED_RETRY_MS
    pairing.connected()
    assert pairing.on_pairing({"type": "pairing", "code": "555 000", "expires_at": EXPIRES})
    assert pairing.view().notice is None
    assert pairing.retry_delay_ms(500) == 500


def test_a_server_that_gives_no_code_is_asked_again_later_not_in_a_loop():
    pairing = Pairing("kiosk", "kiosk-1")
    pairing.connected()
    pairing.on_error(error("unauthorized", "a token is required"))
    pairing.disconnected()
    assert pairing.view().notice == "refused"
    assert pairing.retry_delay_ms(500) == REFUSED_RETRY_MS
    assert pairing.retry_delay_ms(60_000) == 60_000


def test_a_dropped_link_ends_the_code_on_screen():
    pairing = waiting()
    pairing.disconnected()
    view = pairing.view()
    assert (view.stage, view.online, view.code, view.notice, view.previous_code) == \
        ("connecting", False, None, "link_lost", "483 912")


def test_only_kiosks_counters_and_displays_pair_by_a_code():
    for role in ("admin", "observer", "supervisor", "tablet"):
        with pytest.raises(ValueError):
            Pairing(role, "x")


@pytest.mark.parametrize("role, wanted, host, label", [
    ("kiosk", None, "lobby-pc", "kiosk-lobby-pc"),
    ("kiosk", "kiosk-lobby-1", "lobby-pc", "kiosk-lobby-1"),
    ("display", None, "Hall TV (2)", "display-Hall-TV-2"),
    ("counter", "../../x", None, "x"),
    ("counter", None, None, "counter"),
    ("kiosk", None, "h" * 100, ("kiosk-" + "h" * 100)[:40]),
    ("kiosk", None, "a" * 34 + "-.b", "kiosk-" + "a" * 34),
])
def test_the_label_is_a_plain_device_name(role, wanted, host, label):
    assert device_label(role, wanted, host) == label


# ---------------------------------------------------------------------- the file
def test_the_token_is_stored_readable_by_its_owner_only_keeping_the_pin(tmp_path):
    path = credentials.credentials_path("kiosk", tmp_path / "antrean")
    pin = ":".join(["AB"] * 32)
    server = "wss://antrean.lan:8765/ws"
    credentials.save(path, credentials.Credentials(server, "kiosk-lobby-pc", None, pin))
    credentials.store_paired(path, server, "kiosk-lobi-2", TOKEN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert credentials.load(path) == credentials.Credentials(server, "kiosk-lobi-2", TOKEN,
                                                             pin)


def test_a_restart_uses_the_paired_name_not_the_label_it_asked_with(tmp_path):
    folder = tmp_path / "antrean"
    server = "ws://127.0.0.1:8765/ws"
    first, path = credentials.resolve("board-hall", server, "board-hall",
                                      token_required=False, directory=folder)
    assert first.token is None  # unpaired: the app will ask for a code
    credentials.store_paired(path, server, "papan-aula", TOKEN)
    again, _ = credentials.resolve("board-hall", None, "board-hall", token_required=False,
                                   directory=folder)
    assert (again.server, again.device, again.token) == (server, "papan-aula", TOKEN)
