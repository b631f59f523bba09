"""Through the real server: a 60,000-character or structured reason is refused
`bad_request`, the counter and the queue stay as they were, and the next command works."""

from __future__ import annotations

from tests.integration.ws_helpers import device

HUGE = "x" * 60_000


def _counter(live_server, cid: str) -> dict:
    admin = device(live_server, "admin-1")  # a fresh full snapshot
    try:
        return next(c for c in admin.welcome["snapshot"]["counters"] if c["id"] == cid)
    finally:
        admin.close()


def test_huge_or_structured_reasons_are_refused(live_server):
    kiosk = device(live_server, "kiosk-1")
    console = device(live_server, "console-1")
    admin = device(live_server, "admin-1")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    console.ok("login", officer="budi", pin="1234", counter="loket-1")

    for reason in (HUGE, {"nik": "3201234567890001"}, ["a", "b"], "pulang\x1b[2J"):
        console.refused("close_counter", "bad_request", counter="loket-1", reason=reason)
        admin.refused("close_counter", "bad_request", counter="loket-1", reason=reason)
        console.refused("pause", "bad_request", counter="loket-1", reason=reason)
        console.refused("cancel", "bad_request", ticket="A001", reason=reason)
    counter = _counter(live_server, "loket-1")
    assert counter["status"] == "open" and counter["officer"] == "budi"
    assert counter["pause_reason"] is None

    # the next commands work
    assert console.ok("call_next", counter="loket-1")["number"] == "A001"
    console.ok("no_show", counter="loket-1")
    closed = console.ok("close_counter", counter="loket-1", reason="pulang")
    assert closed["status"] == "closed"
    assert admin.event("counter_closed")["data"]["reason"] == "pulang"
    for client in (kiosk, console, admin):
        client.close()
