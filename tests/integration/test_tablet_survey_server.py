"""Tablet mode at a counter: the survey of the applicant who just left that desk."""

import json
import urllib.error
import urllib.request

from websockets.sync.client import connect


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _run(ws, cid, name, **args):
    ws.send(json.dumps({"type": "command", "id": cid, "name": name, "args": args}))
    while True:
        msg = json.loads(ws.recv(timeout=10))
        if msg.get("type") == "result" and msg["id"] == cid:
            assert msg["ok"], msg
            return msg["data"]


def test_tablet_opens_the_survey_of_the_ticket_just_finished(live_server):
    token = live_server.tokens["console-3"]  # paired bound to loket-3
    url = f"{live_server.http_url}/tablet?token={token}"
    status, _, body = _get(url)
    assert status == 200 and b"Survei" in body  # nobody finished yet: the waiting page
    with connect(live_server.url) as kiosk, connect(live_server.url) as desk:
        kiosk.send(json.dumps({"type": "hello", "role": "kiosk", "device": "kiosk-1",
                               "token": live_server.tokens["kiosk-1"]}))
        kiosk.recv(timeout=10)
        desk.send(json.dumps({"type": "hello", "role": "counter", "device": "console-3",
                              "token": token}))
        desk.recv(timeout=10)
        ticket = _run(kiosk, "k1", "issue_ticket", service="paspor-baru", lane="reguler")
        _run(desk, "d0", "login", officer="budi", pin="1234", counter="loket-3")
        for i, name in enumerate(("call_next", "start_service", "finish")):
            _run(desk, f"d{i + 1}", name, counter="loket-3")
    status, headers, _ = _get(url)
    assert status == 302
    status_token = ticket["status_url"].rsplit("/", 1)[1]
    assert headers["Location"].startswith(f"/t/{status_token}?tablet=")
    answers = "4,4,4,4,4,4,4,4,4"
    with urllib.request.urlopen(f"{ticket['status_url']}/survey?answers={answers}",
                                timeout=10) as r:
        assert json.load(r)["ok"]
    status, _, body = _get(url)  # answered: back to the waiting page
    assert status == 200 and b"Survei" in body


def test_tablet_needs_a_counter_token(live_server):
    for token in ("nope", live_server.tokens["kiosk-1"]):
        assert _get(f"{live_server.http_url}/tablet?token={token}")[0] == 401
