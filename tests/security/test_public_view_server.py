"""Through the real server: what observers, display boards and kiosks receive — live
events, the welcome snapshot and a resync's replay — holds no survey comment, no reason,
no transfer note, no device name or detail, no officer and no ticket token, and still
every event, gap-free. A kiosk's own ticket comes in its command result, link and all."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.integration.ws_helpers import TIMEOUT, WsClient, device, join

NIK = "3201234567890001"
SECRETS = {
    "survey comment": f"NIK {NIK} HP 081234567890",
    "pause reason": "izin ke dokter 4411",
    "cancel reason": "data salah 4422",
    "close reason": "pulang cepat 4433",
    "transfer note": "berkas kurang 4444",
    "kiosk detail": "kertas tinggal 2 m 4455",
    "board detail": "hdmi lepas 4466",
    "officer id": "budi",
    "officer name": "Budi Santoso",
    "status url": "/t/",
}
DEVICE_NAMES = ("kiosk-1", "board-1", "console-1", "admin-1")
DONE = "Layanan selesai untuk hari ini"  # the day's last event: an announcement


def _frames_until_done(client: WsClient) -> list[str]:
    """Every frame the client received up to the closing announcement (those its command
    calls already read, then the rest as sent)."""
    frames = [json.dumps(msg, ensure_ascii=False) for msg in client.events + client.others]
    client.events.clear()
    client.others.clear()
    while not any(DONE in text for text in frames):
        frames.append(client.ws.recv(timeout=TIMEOUT))
    return frames


def _leaks(texts: list[str], own_device: str | None = None) -> list[str]:
    found = [what for what, secret in SECRETS.items() if any(secret in t for t in texts)]
    found += [name for name in DEVICE_NAMES if name != own_device
              and any(name in t for t in texts)]
    return found


def _survey(url: str) -> dict[str, Any]:
    answers = "answers=4,4,4,4,4,4,4,4,4&comment=" + urllib.request.quote(
        SECRETS["survey comment"])
    with urllib.request.urlopen(f"{url}/survey?{answers}", timeout=TIMEOUT) as resp:
        return json.loads(resp.read())


def test_public_roles_receive_no_free_text_officers_or_tokens(live_server):
    observer = join(live_server.url, "observer")
    board = device(live_server, "board-1")
    kiosk = device(live_server, "kiosk-1")
    console = device(live_server, "console-1")
    admin = device(live_server, "admin-1")
    first_seq = observer.welcome["seq"]

    tickets = [kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
               for _ in range(4)]
    assert all(tk["status_url"].startswith(live_server.http_url + "/t/") for tk in tickets)
    kiosk.ok("report_device_status", status="paper_near_end", detail=SECRETS["kiosk detail"])
    board.ok("report_device_status", status="offline", detail=SECRETS["board detail"])
    console.ok("login", officer="budi", pin="1234", counter="loket-1")
    console.ok("call_next", counter="loket-1")
    console.ok("start_service", counter="loket-1")
    console.ok("transfer", counter="loket-1", service="paspor-baru",
               note=SECRETS["transfer note"])
    console.ok("call_ticket", counter="loket-1", ticket="A001")
    console.ok("start_service", counter="loket-1")
    console.ok("finish", counter="loket-1")
    assert _survey(tickets[0]["status_url"])["ok"] is True
    console.ok("cancel", ticket="A004", reason=SECRETS["cancel reason"])
    console.ok("call_next", counter="loket-1")
    console.ok("no_show", counter="loket-1")
    console.ok("pause", counter="loket-1", reason=SECRETS["pause reason"])

    # while paused: a fresh snapshot for each public role
    fresh = [join(live_server.url, "observer"), device(live_server, "board-1"),
             device(live_server, "kiosk-1")]
    snapshots = {c.welcome["role"]: json.dumps(c.welcome["snapshot"]) for c in fresh}
    full = json.dumps(device(live_server, "admin-1").welcome["snapshot"])
    assert SECRETS["pause reason"] in full and "Budi Santoso" in full and "/t/" in full
    for role, text in snapshots.items():
        assert _leaks([text]) == [], role
    for client in fresh:
        client.close()

    console.ok("resume", counter="loket-1")
    console.ok("close_counter", counter="loket-1", reason=SECRETS["close reason"])
    admin.ok("set_announcement", text={"id": DONE, "en": "Done for today"})

    # the staff stream had it all, the public streams none of it
    staff = _frames_until_done(admin)
    assert set(_leaks(staff, "admin-1")) >= set(SECRETS) - {"status url"}
    for client, own in ((observer, None), (board, "board-1"), (kiosk, "kiosk-1")):
        frames = _frames_until_done(client)
        events = [json.loads(f) for f in frames if json.loads(f)["type"] == "event"]
        assert _leaks([f for f in frames if json.loads(f)["type"] == "event"], own) == [], own
        seqs = [e["seq"] for e in events]
        assert seqs == list(range(first_seq + 1, first_seq + 1 + len(seqs))), own
        by_name = {e["name"]: e["data"] for e in events}
        assert by_name["survey_submitted"] == {} and by_name["device_status"] == {}
        assert by_name["ticket_called"]["counter_name"] == "Loket 1"
        assert set(by_name["ticket_issued"]["ticket"]) >= {"id", "number", "service"}

    # a resync's replay is the public projection too
    again = join(live_server.url, "observer", last_seq=max(1, first_seq))
    assert again.welcome["snapshot"] is None
    replayed = _frames_until_done(again)
    assert len(replayed) > 20 and _leaks(replayed) == []
    for client in (observer, board, kiosk, console, admin, again):
        client.close()
