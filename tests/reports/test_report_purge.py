"""Retention: purge folds old per-ticket data into daily_aggregates; reports still work."""

import argparse
import json
import sqlite3
from datetime import date, datetime, time, timedelta

import pytest

from antrean import report as cli
from antrean.cli import UserError
from reports.kpi import retention_fold
from reports.report import build_report, views
from server.store import retention as purge
from tests.reports.conftest import DAY, play_day

NEXT = date(2025, 3, 4)


def count(db, sql, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


def later(office, days):
    return datetime.combine(DAY + timedelta(days=days), time(12, 0), office.tz)


def test_purged_day_reports_the_same(tmp_path, office):
    db = tmp_path / "antrean.db"
    play_day(office, db, DAY)
    play_day(office, db, NEXT)
    before = build_report(db, office, DAY, NEXT, now=later(office, 10))
    before_day1 = build_report(db, office, DAY, DAY, now=later(office, 10))
    # retention 90 days; 91 days after DAY only DAY itself is old enough
    result = purge.purge(db, office, retention_fold(office),
                         now=datetime.combine(DAY + timedelta(days=91), time(1, 0), office.tz))
    assert result.days == ["2025-03-03"]
    assert result.tickets_deleted == 7 and result.events_deleted > 0
    assert count(db, "SELECT count(*) FROM tickets WHERE day = ?", "2025-03-03") == 0
    assert count(db, "SELECT count(*) FROM tickets WHERE day = ?", "2025-03-04") == 7
    assert count(db, "SELECT count(*) FROM events WHERE day = '2025-03-03' AND name IN "
                 "('ticket_issued','ticket_called','ticket_finished','survey_submitted')") == 0
    assert count(db, "SELECT count(*) FROM daily_aggregates WHERE day = '2025-03-03' "
                 "AND metric = 'purged'") == 1
    after = build_report(db, office, DAY, NEXT, now=later(office, 10))
    after_day1 = build_report(db, office, DAY, DAY, now=later(office, 10))
    assert after.purged_days == ["2025-03-03"]
    for a, b in ((before, after), (before_day1, after_day1)):
        assert a.summary == b.summary
        for name in ("services", "lanes", "counters", "officers"):
            assert [(r.key, r.stats) for r in getattr(a, name)] == \
                   [(r.key, r.stats) for r in getattr(b, name)], name
        assert a.hourly == b.hourly and a.skm == b.skm and a.profile == b.profile
        assert a.skm_services == b.skm_services
    # the comments were free text: gone with the per-ticket data
    assert after_day1.comments == [] and before_day1.comments
    # the day table marks the purged day
    days = next(t for t in views(after, "id") if t.key == "days")
    assert days.rows[0][0] == "2025-03-03 *" and days.note


def test_purge_is_idempotent_and_keeps_recent_days(tmp_path, office):
    db = tmp_path / "antrean.db"
    play_day(office, db, DAY)
    assert purge.purge(db, office, retention_fold(office), now=later(office, 30)).days == []
    now = later(office, 200)
    assert purge.purge(db, office, retention_fold(office), now=now).days == ["2025-03-03"]
    rows = count(db, "SELECT count(*) FROM daily_aggregates")
    assert purge.purge(db, office, retention_fold(office), now=now).days == []
    assert count(db, "SELECT count(*) FROM daily_aggregates") == rows
    assert build_report(db, office, DAY, DAY).summary.issued == 7


def test_kept_events_lose_embedded_tickets(tmp_path, office):
    db = tmp_path / "antrean.db"
    play_day(office, db, DAY)
    conn = sqlite3.connect(db)
    # a kept event of the day that carries a ticket (events are numbered as they
    # happen, so the day's own counter_opened is given one, in its place)
    (seq,) = conn.execute("SELECT min(seq) FROM events WHERE day = '2025-03-03' AND "
                          "name = 'counter_opened'").fetchone()
    conn.execute("UPDATE events SET payload = ? WHERE seq = ?",
                 [json.dumps({"counter": {"id": "loket-1", "status": "open", "ticket": {
                     "id": "t_x", "status_url": "http://h/t/secret"}}}), seq])
    conn.commit()
    conn.close()
    purge.purge(db, office, retention_fold(office), now=later(office, 200))
    payloads = [json.loads(p) for (p,) in sqlite3.connect(db).execute(
        "SELECT payload FROM events WHERE day = '2025-03-03'")]
    assert payloads and not any("secret" in json.dumps(p) for p in payloads)
    assert any(isinstance(p.get("counter"), dict) and p["counter"].get("ticket", 1) is None
               for p in payloads)


def test_purge_cli(tmp_path, office, capsys):
    db = tmp_path / "antrean.db"
    play_day(office, db, DAY)
    args = argparse.Namespace(db=str(db), config=None, days=1)
    assert cli.purge_main(args) == 0
    assert "purged 1 day(s)" in capsys.readouterr().out
    assert cli.purge_main(args) == 0
    assert "nothing to purge" in capsys.readouterr().out
    with pytest.raises(UserError):
        cli.purge_main(argparse.Namespace(db=str(tmp_path / "nope.db"), config=None, days=None))
    with pytest.raises(UserError):
        cli.purge_main(argparse.Namespace(db=str(db), config=None, days=0))
