"""The real server answers every command by its spec in the protocol: the hub checks the
arguments it acts on itself (a login's officer and PIN, before the PIN check; a report
link's), the engine the rest, each refusal `bad_request` naming the argument in the
office's language; a command without what its spec requires is a bad frame."""

from __future__ import annotations

from ws_helpers import device

from i18n import t


def test_arguments_are_checked_by_the_spec_wherever_the_command_is_answered(live_server):
    lang = live_server.thread.config.default_language
    console = device(live_server, "console-1")
    # the hub, before it checks the PIN
    for bad in ({"pin": 1234}, {"pin": "1" * 101}, {"officer": ["budi"]}):
        args = {"officer": "budi", "pin": "1234", "counter": "loket-1", **bad}
        (arg,) = bad
        assert console.refused("login", "bad_request", **args) == t("server.err_bad_arg", lang,
                                                                     arg=arg)
    assert console.ok("login", officer="budi", pin="1234", counter="loket-1")
    # the engine
    assert console.refused("pause", "bad_request", counter="loket-1", reason="x" * 201) == \
        t("server.err_bad_text", lang, arg="reason", limit=200)
    assert console.refused("call_ticket", "bad_request", counter="loket-1", ticket=7) == \
        t("server.err_bad_arg", lang, arg="ticket")
    # the frame itself: a command without a required argument
    message = console.refused("call_ticket", "bad_request", counter="loket-1")
    assert "ticket" in message
    admin = device(live_server, "admin-1")
    assert admin.refused("report_link", "bad_request", **{
        "from": "2026-12-07", "to": "2026-12-07", "format": "exe"}) == \
        t("server.err_bad_arg", lang, arg="format")
    for client in (console, admin):
        client.close()
