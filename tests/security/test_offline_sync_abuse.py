"""Through the real server: offline issuing cannot be turned against the queue. A kiosk
cannot hand over numbers leased to another kiosk, nor reach another kiosk's offline
tickets (or their status links) by their ids, nor take another ticket's status token;
roles other than a kiosk can neither lease nor sync; malformed and oversized entries
are refused each on its own, and the valid entries of the same batch are kept."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import pytest

from protocol.messages import MAX_FRAME_BYTES
from tests.integration.ws_helpers import device, join


def _now(client: Any) -> str:
    return datetime.fromisoformat(client.ok("ping")["server_time"]).isoformat()


def _entry(kiosk: str, number: str, when: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"k_{kiosk}_{uuid.uuid4()}", "number": number, "service": "paspor-baru",
            "lane": "reguler", "lang": "id", "issued_at": when, **extra}


def _waiting(live_server) -> list[str]:
    admin = device(live_server, "admin-1")
    try:
        return [tk["number"] for tk in admin.welcome["snapshot"]["waiting"]]
    finally:
        admin.close()


def test_a_kiosk_cannot_sync_numbers_leased_to_another_kiosk(live_server):
    owner = device(live_server, "kiosk-1")
    thief = device(live_server, "kiosk-2")
    numbers = owner.ok("lease_numbers", service="paspor-baru", lane="reguler",
                       count=2)["numbers"]
    when = _now(thief)
    answers = thief.ok("sync_offline", tickets=[_entry("kiosk-2", n, when)
                                                for n in numbers])["tickets"]
    assert [a["error"]["code"] for a in answers] == ["invalid_state", "invalid_state"]
    assert all("ticket" not in a for a in answers)
    assert _waiting(live_server) == []
    # the owner's numbers are still the owner's
    answers = owner.ok("sync_offline", tickets=[_entry("kiosk-1", n, when)
                                                for n in numbers])["tickets"]
    assert [a["ok"] for a in answers] == [True, True]
    assert _waiting(live_server) == numbers
    owner.close()
    thief.close()


def test_a_kiosk_cannot_reach_another_kiosks_ticket_or_link_by_its_id(live_server):
    owner = device(live_server, "kiosk-1")
    thief = device(live_server, "kiosk-2")
    (number,) = owner.ok("lease_numbers", service="paspor-baru", lane="reguler",
                         count=1)["numbers"]
    token = "S3cret-status-token-0001"
    mine = _entry("kiosk-1", number, _now(owner), token=token)
    assert owner.ok("sync_offline", tickets=[mine])["tickets"][0]["ok"]
    # the same entry, sent by another kiosk: no ticket, no link in the answer
    answer = thief.ok("sync_offline", tickets=[mine])["tickets"][0]
    assert answer["ok"] is False and answer["error"]["code"] == "bad_request"
    assert answer["id"] is None and token not in str(answer)
    # nor can it give its own offline ticket that ticket's status token
    (own,) = thief.ok("lease_numbers", service="paspor-baru", lane="reguler",
                      count=1)["numbers"]
    taken = thief.ok("sync_offline", tickets=[_entry("kiosk-2", own, _now(thief),
                                                     token=token)])["tickets"][0]
    assert taken["error"]["code"] == "invalid_state" and token not in str(taken)
    assert _waiting(live_server) == [number]
    owner.close()
    thief.close()


@pytest.mark.parametrize("name", ["console-1", "board-1", "admin-1", "observer"])
def test_other_roles_can_neither_lease_nor_sync(live_server, name):
    kiosk = device(live_server, "kiosk-1")
    (number,) = kiosk.ok("lease_numbers", service="paspor-baru", lane="reguler",
                         count=1)["numbers"]
    client = join(live_server.url, "observer") if name == "observer" \
        else device(live_server, name)
    client.refused("lease_numbers", "forbidden", service="paspor-baru", lane="reguler",
                   count=5)
    client.refused("sync_offline", "forbidden",
                   tickets=[_entry("kiosk-1", number, _now(kiosk))])
    assert _waiting(live_server) == []
    assert kiosk.ok("lease_numbers", service="paspor-baru", lane="reguler",
                    count=5)["held"][0] == number  # nothing leased to anyone else
    kiosk.close()
    client.close()


def test_malformed_and_oversized_entries_are_refused_each_and_the_others_kept(live_server):
    kiosk = device(live_server, "kiosk-1")
    numbers = kiosk.ok("lease_numbers", service="paspor-baru", lane="reguler",
                       count=3)["numbers"]
    when = _now(kiosk)
    good = [_entry("kiosk-1", n, when) for n in numbers]
    hostile = [
        {"id": "k_kiosk-1_" + "9" * 8, "number": "A" * 20_000, "service": "paspor-baru",
         "lane": "reguler", "issued_at": when},  # oversized
        _entry("kiosk-1", numbers[0], when, service="x" * 10_000),
        _entry("kiosk-1", numbers[1], when, issued_at="\u202e2024-01-08T08:00"),
        _entry("kiosk-1", numbers[2], when, token="<img src=x onerror=alert(1)>aaaaaaaaaa"),
        _entry("kiosk-1", numbers[0], when, lang={"id": "x"}),
        {"id": {"$ne": None}}, "A001", 12, None, [good[0]],
        {**good[1], "id": "k_kiosk-1_../../etc/passwd"},
    ]
    batch = [hostile[0], good[0], *hostile[1:6], good[1], *hostile[6:], good[2]]
    # one frame the server takes: each entry is judged on its own
    assert len(json.dumps(batch).encode()) < MAX_FRAME_BYTES
    answers = kiosk.ok("sync_offline", tickets=batch)["tickets"]
    assert len(answers) == len(batch)
    oks = [a["ticket"]["number"] for a in answers if a["ok"]]
    assert oks == numbers
    refused = [a for a in answers if not a["ok"]]
    assert len(refused) == len(hostile)
    assert {a["error"]["code"] for a in refused} == {"bad_request"}
    assert all("A" * 100 not in a["error"]["message"] and "<img" not in a["error"]["message"]
               for a in refused)
    assert _waiting(live_server) == numbers
    # the server goes on serving
    assert kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")["number"] == "A004"
    kiosk.close()
