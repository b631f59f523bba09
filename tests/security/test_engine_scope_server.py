"""Through the real server: a console logged in at one counter cannot cancel (or call by
hand) a ticket of a service that counter does not serve; the queue is untouched."""

from __future__ import annotations

from tests.integration.ws_helpers import device, join


def _waiting_numbers(live_server) -> list[str]:
    admin = device(live_server, "admin-1")  # a fresh full snapshot
    try:
        return [tk["number"] for tk in admin.welcome["snapshot"]["waiting"]]
    finally:
        admin.close()


def test_a_console_cannot_cancel_another_services_ticket(live_server):
    kiosk = device(live_server, "kiosk-1")
    permits = device(live_server, "console-1")
    passports = device(live_server, "console-2")
    board = join(live_server.url, "observer")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")  # A001
    kiosk.ok("issue_ticket", service="paspor-baru", lane="lansia")  # A002
    permits.ok("login", officer="rina", pin="1357", counter="loket-4")  # residence permits
    passports.ok("login", officer="sari", pin="5678", counter="loket-2")

    message = permits.refused("cancel", "forbidden", ticket="A001", reason="iseng")
    assert "A001" in message and "Loket 4" in message
    day = kiosk.welcome["snapshot"]["office"]["day"].replace("-", "")
    permits.refused("cancel", "forbidden", ticket=f"t_{day}_A002")
    permits.refused("call_ticket", "forbidden", counter="loket-4", ticket="A002")
    assert _waiting_numbers(live_server) == ["A002", "A001"]

    # the next command still works, and the right counter may cancel
    assert passports.ok("cancel", ticket="A001", reason="dobel")["status"] == "cancelled"
    assert board.event("ticket_cancelled")["data"]["ticket"]["number"] == "A001"
    assert _waiting_numbers(live_server) == ["A002"]
    for client in (kiosk, permits, passports, board):
        client.close()


def test_an_officer_takes_back_only_their_services_no_shows_and_not_once_logged_out(
        live_server):
    """`reinstate` opened to counters: a console may take back a no-show of its own
    services only, while its officer is logged in there; another counter's console, a
    console with no officer and a public screen are refused, and the ticket stays a
    no-show until the right officer acts."""
    kiosk = device(live_server, "kiosk-1")
    permits = device(live_server, "console-1")
    passports = device(live_server, "console-2")
    nobody = device(live_server, "console-3")  # paired, but no officer logged in
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")  # A001
    permits.ok("login", officer="rina", pin="1357", counter="loket-4")
    passports.ok("login", officer="sari", pin="5678", counter="loket-2")
    passports.ok("call_next", counter="loket-2")
    gone = passports.ok("no_show", counter="loket-2")
    assert gone["status"] == "no_show"

    permits.refused("reinstate", "forbidden", ticket="A001")  # residence permits only
    nobody.refused("reinstate", "forbidden", ticket="A001")
    board = join(live_server.url, "display", "board-1", live_server.tokens["board-1"])
    board.refused("reinstate", "forbidden", ticket="A001")
    assert _waiting_numbers(live_server) == []

    back = passports.ok("reinstate", ticket="A001")
    assert back["status"] == "waiting" and _waiting_numbers(live_server) == ["A001"]
    for client in (kiosk, permits, passports, nobody, board):
        client.close()
