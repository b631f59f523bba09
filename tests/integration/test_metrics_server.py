"""GET /metrics on the real server: what the office did shows in the Prometheus text."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from server.store.sqlite import Store
from tests.integration.ws_helpers import device


def scrape(server, token: str) -> dict[tuple[str, tuple], float]:
    request = urllib.request.Request(f"{server.http_url}/metrics",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def pair_monitor(server) -> str:
    store = Store(server.db_path)
    try:
        return store.add_device("prometheus", "monitor")
    finally:
        store.close()


def test_metrics_count_what_the_office_did(live_server):
    token = pair_monitor(live_server)
    before = scrape(live_server, token)
    lane = (("lane", "reguler"), ("service", "paspor-baru"))
    assert before[("antrean_waiting", lane)] == 0  # every service's lanes, from the start
    assert before[("antrean_database_ok", ())] == 1

    kiosk = device(live_server, "kiosk-1")
    console = device(live_server, "console-1")
    for _ in range(3):
        kiosk.ok("issue_ticket", service="paspor-baru", lane="reguler")
    kiosk.ok("issue_ticket", service="paspor-baru", lane="lansia")
    kiosk.ok("report_device_status", status="paper_out", detail="roll empty")
    console.ok("login", officer="budi", pin="1234", counter="loket-1")
    assert console.ok("call_next", counter="loket-1")["lane"] == "lansia"
    console.ok("start_service", counter="loket-1")
    console.ok("finish", counter="loket-1")
    console.ok("call_next", counter="loket-1")

    m = scrape(live_server, token)
    elderly = (("lane", "lansia"), ("service", "paspor-baru"))
    assert m[("antrean_tickets_issued_total", lane)] == 3
    assert m[("antrean_tickets_issued_total", elderly)] == 1
    assert m[("antrean_tickets_called_total", elderly)] == 1
    assert m[("antrean_tickets_called_total", lane)] == 1
    assert m[("antrean_tickets_finished_total", elderly)] == 1
    assert m[("antrean_waiting", lane)] == 2 and m[("antrean_waiting", elderly)] == 0
    assert m[("antrean_clients", (("role", "kiosk"),))] == 1
    assert m[("antrean_clients", (("role", "counter"),))] == 1
    assert m[("antrean_clients", (("role", "display"),))] == 0
    printer = (("device", "kiosk-1"), ("role", "kiosk"))
    assert m[("antrean_device_status", (*printer[:1], ("role", "kiosk"),
                                        ("status", "paper_out")))] == 1
    assert m[("antrean_device_status", (*printer[:1], ("role", "kiosk"),
                                        ("status", "ok")))] == 0
    assert m[("antrean_device_status_age_seconds", printer)] >= 0
    # two successful calls: each measured from its frame to its broadcast
    assert m[("antrean_call_to_broadcast_seconds_count", ())] == 2
    assert 0 < m[("antrean_call_to_broadcast_seconds_sum", ())] < 5
    commits = m[("antrean_commit_seconds_count", ())]
    assert commits >= 8 and m[("antrean_commit_seconds_bucket", (("le", "+Inf"),))] == commits


def test_each_server_keeps_its_own_numbers(live_server, tmp_path, open_office):
    """A registry per hub: a second server in the same process starts from zero."""
    from server.app import ServerThread
    token = pair_monitor(live_server)
    device(live_server, "kiosk-1").ok("issue_ticket", service="paspor-baru", lane="reguler")
    other_db = tmp_path / "other" / "antrean.db"
    other_db.parent.mkdir()
    store = Store(other_db)
    other_token = store.add_device("prometheus", "monitor")
    store.close()
    with ServerThread(open_office, other_db) as other:
        lane = (("lane", "reguler"), ("service", "paspor-baru"))
        assert scrape(live_server, token)[("antrean_tickets_issued_total", lane)] == 1
        assert ("antrean_tickets_issued_total", lane) not in scrape(other, other_token)
