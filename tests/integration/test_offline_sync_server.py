"""Through the real server: a kiosk leases numbers, the server restarts (the leases survive
it), the kiosk hands over the tickets it issued from them; boards see them like any
other ticket, the printed QR code's page works, and each ticket is kept exactly once
however often it is sent, across restarts too."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any

from ws_helpers import device, join


def server_now(client: Any) -> datetime:
    """The server's time as the kiosk knows it (its offset from `ping`)."""
    return datetime.fromisoformat(client.ok("ping")["server_time"])


def offline_entry(number: str, when: datetime, service: str = "paspor-baru",
                  lane: str = "reguler", kiosk: str = "kiosk-1") -> dict[str, Any]:
    return {"id": f"k_{kiosk}_{uuid.uuid4()}", "number": number, "service": service,
            "lane": lane, "lang": "en", "issued_at": when.isoformat(),
            "token": uuid.uuid4().hex[:24]}


def test_leases_survive_a_restart_and_offline_tickets_join_their_line(live_server):
    kiosk = device(live_server, "kiosk-1")
    assert kiosk.welcome["server_time"]  # the kiosk's clock offset comes from here
    kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")  # A001
    leased = kiosk.ok("lease_numbers", service="paspor-baru", lane="reguler", count=3)
    assert leased["numbers"] == ["A002", "A003", "A004"]
    assert leased["day"] == kiosk.welcome["snapshot"]["office"]["day"]
    leased_at = server_now(kiosk)
    kiosk.close()

    # the server goes away (and comes back with what it committed); the kiosk issues
    # A002 and A003 offline meanwhile
    live_server.restart()
    online = device(live_server, "kiosk-2")
    assert online.ok("issue_ticket", service="paspor-baru", lane="reguler")["number"] == "A005"
    board = device(live_server, "board-1")
    kiosk = device(live_server, "kiosk-1")
    first = offline_entry("A002", leased_at)
    second = offline_entry("A003", leased_at + timedelta(milliseconds=1))
    answers = kiosk.ok("sync_offline", tickets=[first, second])["tickets"]
    assert [(a["id"], a["ok"], a["ticket"]["number"]) for a in answers] == [
        (first["id"], True, "A002"), (second["id"], True, "A003")]
    assert answers[0]["ticket"]["status_url"].endswith("/t/" + first["token"])

    # the board sees them like any other ticket, marked offline, without their links
    shown = [board.event("ticket_issued")["data"] for _ in range(2)]
    assert [d["ticket"]["number"] for d in shown] == ["A002", "A003"]
    assert all(d["offline"] is True and "status_url" not in d["ticket"] for d in shown)
    # in their turn: before A005, issued online after them
    admin = device(live_server, "admin-1")
    waiting = [tk["number"] for tk in admin.welcome["snapshot"]["waiting"]]
    assert waiting == ["A001", "A002", "A003", "A005"]
    # the printed QR code's page works
    with urllib.request.urlopen(f"{live_server.http_url}/t/{first['token']}.json",
                                timeout=10) as resp:
        page = json.loads(resp.read())
    assert page["number"] == "A002" and page["ahead"] == 1

    # the answer was lost: the kiosk sends both again, after another restart
    kiosk.close()
    live_server.restart()
    kiosk = device(live_server, "kiosk-1")
    again = kiosk.ok("sync_offline", tickets=[second, first])["tickets"]
    assert [(a["ok"], a["ticket"]["id"]) for a in again] == [
        (True, answers[1]["ticket"]["id"]), (True, answers[0]["ticket"]["id"])]
    admin = device(live_server, "admin-1")
    waiting = [tk["number"] for tk in admin.welcome["snapshot"]["waiting"]]
    assert waiting == ["A001", "A002", "A003", "A005"]
    # the lease it did not use is still its own; refilled up to the office's 5
    refill = kiosk.ok("lease_numbers", service="paspor-baru", lane="reguler", count=5)
    assert refill["held"] == ["A004", "A006", "A007", "A008", "A009"]
    kiosk.close()
    online.close()
    board.close()
    admin.close()


def test_a_lease_is_recorded_for_staff_and_refusals_are_logged(live_server):
    kiosk = device(live_server, "kiosk-1")
    admin = device(live_server, "admin-1")
    board = join(live_server.url, "observer")
    kiosk.ok("lease_numbers", service="informasi", lane="reguler", count=2)
    assert admin.event("numbers_leased")["data"] == {
        "kiosk": "kiosk-1", "service": "informasi", "lane": "reguler",
        "numbers": ["F001", "F002"]}
    assert board.event("numbers_leased")["data"] == {}
    assert kiosk.event("numbers_leased")["data"] == {}  # a kiosk is a public role
    stray = offline_entry("F009", server_now(kiosk), service="informasi")
    answer = kiosk.ok("sync_offline", tickets=[stray])["tickets"][0]
    assert answer == {"id": stray["id"], "ok": False, "error": answer["error"]}
    assert answer["error"]["code"] == "invalid_state" and "F009" in answer["error"]["message"]
    refusal = admin.event("offline_ticket_refused")["data"]
    assert (refusal["kiosk"], refusal["id"], refusal["number"], refusal["code"]) == (
        "kiosk-1", stray["id"], "F009", "invalid_state")
    assert board.event("offline_ticket_refused")["data"] == {}
    for client in (kiosk, admin, board):
        client.close()
