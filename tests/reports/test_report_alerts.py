"""Service-level alerts of the engine's tick (server/engine/core.py `_check_alerts`):
crossing a target sends `alert` once; it is sent again only after `alert_cleared`."""

from datetime import date, datetime, time

from reports.demo_day import KIOSK, officer_actor
from server.engine.core import Engine

DAY = date(2025, 3, 3)
BUDI = officer_actor("console-1", "budi")


def T(config, hh, mm, ss=0):
    return datetime.combine(DAY, time(hh, mm, ss), config.tz)


def names(events):
    return [(n, d.get("service"), d.get("kind")) for n, d in events
            if n in ("alert", "alert_cleared")]


def test_wait_alert_once_then_cleared(office):
    e = Engine(office, T(office, 7, 50))
    e.handle("login", {"counter": "loket-1"}, BUDI, T(office, 7, 55))
    assert e.handle("issue_ticket", {"service": "paspor-baru", "lane": "reguler"}, KIOSK,
                    T(office, 8, 0)).ok
    assert names(e.tick(T(office, 8, 30))) == []  # exactly 30 min is within target
    ev = e.tick(T(office, 8, 31))
    assert names(ev) == [("alert", "paspor-baru", "wait")]
    alert = next(d for n, d in ev if n == "alert")
    assert alert["value"] == 31.0 and alert["target"] == 30
    assert names(e.tick(T(office, 8, 35))) == []  # once
    assert [a["kind"] for a in e.snapshot(T(office, 8, 35), "admin")["alerts"]] == ["wait"]
    e.handle("call_next", {"counter": "loket-1"}, BUDI, T(office, 8, 36))
    assert names(e.tick(T(office, 8, 36, 5))) == [("alert_cleared", "paspor-baru", "wait")]
    assert names(e.tick(T(office, 8, 40))) == []
    assert e.snapshot(T(office, 8, 40), "admin")["alerts"] == []


def test_service_time_alert_names_the_counter(office):
    e = Engine(office, T(office, 7, 50))
    e.handle("login", {"counter": "loket-1"}, BUDI, T(office, 7, 55))
    e.handle("issue_ticket", {"service": "paspor-baru", "lane": "reguler"}, KIOSK,
             T(office, 8, 0))
    e.handle("call_next", {"counter": "loket-1"}, BUDI, T(office, 8, 1))
    e.handle("start_service", {"counter": "loket-1"}, BUDI, T(office, 8, 2))
    assert names(e.tick(T(office, 8, 17))) == []  # 15 min = the target
    ev = e.tick(T(office, 8, 17, 30))
    assert names(ev) == [("alert", "paspor-baru", "service_time")]
    assert next(d for n, d in ev if n == "alert")["counter"] == "loket-1"
    assert names(e.tick(T(office, 8, 25))) == []
    e.handle("finish", {"counter": "loket-1"}, BUDI, T(office, 8, 26))
    assert names(e.tick(T(office, 8, 26, 5))) == [
        ("alert_cleared", "paspor-baru", "service_time")]


def test_waiting_count_alert(office):
    e = Engine(office, T(office, 7, 50))
    e.handle("login", {"counter": "loket-1"}, BUDI, T(office, 7, 55))
    for i in range(61):  # max_waiting = 60 for paspor-baru
        assert e.handle("issue_ticket", {"service": "paspor-baru", "lane": "reguler"}, KIOSK,
                        T(office, 8, 0, i % 60)).ok
    ev = e.tick(T(office, 8, 5))
    assert names(ev) == [("alert", "paspor-baru", "waiting")]
    assert next(d for n, d in ev if n == "alert")["value"] == 61
    e.handle("call_next", {"counter": "loket-1"}, BUDI, T(office, 8, 6))
    assert names(e.tick(T(office, 8, 6, 5))) == [("alert_cleared", "paspor-baru", "waiting")]


def test_no_alert_for_services_without_targets(office):
    # paspor-ganti has no max_waiting and no target_service_minutes
    e = Engine(office, T(office, 7, 50))
    for _ in range(100):
        e.handle("issue_ticket", {"service": "paspor-ganti", "lane": "reguler"}, KIOSK,
                 T(office, 8, 0))
    assert names(e.tick(T(office, 8, 10))) == []


def test_alert_not_repeated_after_restart(office):
    e = Engine(office, T(office, 7, 50))
    e.handle("issue_ticket", {"service": "informasi", "lane": "reguler"}, KIOSK,
             T(office, 8, 0))
    assert names(e.tick(T(office, 8, 16))) == [("alert", "informasi", "wait")]
    changes = e.drain_changes()
    restored = Engine.restore(office, T(office, 8, 17), changes.meta, changes.tickets,
                              changes.counters, [])
    assert names(restored.tick(T(office, 8, 18))) == []


def test_alerts_reset_at_day_rollover(office):
    e = Engine(office, T(office, 7, 50))
    e.handle("issue_ticket", {"service": "informasi", "lane": "reguler"}, KIOSK,
             T(office, 8, 0))
    assert names(e.tick(T(office, 8, 16)))
    ev = e.tick(datetime.combine(date(2025, 3, 4), time(0, 0, 5), office.tz))
    assert ("day_rolled_over", None, None) not in names(ev)
    assert e.alerts == {}
