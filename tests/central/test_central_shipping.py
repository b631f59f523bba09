"""Three simulated offices ship into one real PostgreSQL (conftest.py): the central
report's totals are the sum of the three office reports; a WAN cut in the middle of a
batch loses and duplicates nothing; re-sending changes nothing."""

from __future__ import annotations

import shutil
import threading
import time
from datetime import date

import psycopg
import pytest

from central import outbox
from central.report import build, render_html, write_xlsx
from central.shipper import Shipper
from config.office import Central
from reports.demo_day import simulate_days
from reports.report import build_report

FIRST = date(2025, 3, 3)  # a Monday
DAYS = 3
OFFICES = (("kanim-bogor", "Kanim Bogor", 11), ("kanim-depok", "Kanim Depok", 12),
           ("kanim-bekasi", "Kanim <Bekasi> & Co", 13))
WAIT = 120  # seconds: at most, for shipping that takes a second or two


def office_config(base, office_id: str, name: str, url: str, batch: int = 1000):
    return base.model_copy(update={
        "office": base.office.model_copy(update={"id": office_id, "name": name}),
        "central": Central(url=url, batch_size=batch, retry_max_seconds=0.5)})


@pytest.fixture(scope="module")
def office_days(tmp_path_factory, office):
    """Three offices' databases, each with DAYS simulated days (made once)."""
    folder = tmp_path_factory.mktemp("offices")
    made = {}
    for office_id, name, seed in OFFICES:
        db = folder / f"{office_id}.db"
        simulate_days(office_config(office, office_id, name, "postgresql://x@/y"), db, FIRST,
                      days=DAYS, seed=seed)
        made[office_id] = db
    return made


@pytest.fixture
def offices(office_days, tmp_path, office, central_url):
    """Copies of the three databases (each test ships from scratch) and their configs."""
    out = []
    for office_id, name, _ in OFFICES:
        db = tmp_path / f"{office_id}.db"
        shutil.copy(office_days[office_id], db)
        out.append((office_config(office, office_id, name, central_url), db))
    return out


def local_facts(db) -> int:
    conn = outbox.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM outbox_facts").fetchone()[0]
    finally:
        conn.close()


def central_report(url, last: date):
    with psycopg.connect(url, autocommit=True) as conn:
        return build(conn, FIRST, last)


def ship_all(configs_dbs, **kw) -> None:
    shippers = [Shipper(cfg, db, idle_s=3600, **kw).start() for cfg, db in configs_dbs]
    try:
        for s in shippers:
            assert s.drained.wait(WAIT), s.last_error
    finally:
        for s in shippers:
            s.stop()
    for cfg, db in configs_dbs:
        conn = outbox.connect(db)
        try:
            left = outbox.pending(conn)
        finally:
            conn.close()
        assert left.facts == 0 and left.days == [], (cfg.office.id, left)


def test_the_central_report_is_the_sum_of_the_office_reports(offices, central_url, tmp_path):
    ship_all(offices)  # three offices at once, into one database
    last = max(d for d in (FIRST.fromordinal(FIRST.toordinal() + i) for i in range(7)))
    rep = central_report(central_url, last)
    assert [o.office for o in rep.offices] == sorted(o for o, _, _ in OFFICES)
    own = {cfg.office.id: build_report(db, cfg, FIRST, last) for cfg, db in offices}
    for row in rep.offices:
        mine = own[row.office]
        s = mine.summary
        assert row.days == DAYS
        assert (row.total.issued, row.total.served, row.total.no_show, row.total.calls,
                row.total.within_target) == (s.issued, s.served, s.no_show, s.calls,
                                             s.within_target)
        assert s.issued > 100 and s.no_show > 0  # a real week, not an empty one
        assert (row.total.wait_p50_s, row.total.wait_p90_s) == (s.wait_median_s, s.wait_p90_s)
        for svc in mine.services:
            got = row.services[svc.key]
            assert (got.issued, got.served, got.no_show, got.wait_p50_s, got.wait_p90_s,
                    got.sla_share) == (svc.stats.issued, svc.stats.served, svc.stats.no_show,
                                       svc.stats.wait_median_s, svc.stats.wait_p90_s,
                                       svc.stats.sla_share), svc.key
        for lane in mine.lanes:
            got = row.lanes[lane.key]
            assert (got.issued, got.wait_p50_s, got.wait_p90_s) == (
                lane.stats.issued, lane.stats.wait_median_s, lane.stats.wait_p90_s), lane.key
        assert row.skm.respondents == mine.skm.respondents > 0
        assert row.skm.converted_rounded == mine.skm.converted_rounded
        assert (row.skm.grade, row.skm.sample_reached) == (mine.skm.grade,
                                                           mine.skm.sample_reached)
    reports = own.values()
    for field in ("issued", "served", "no_show", "calls", "within_target"):
        assert getattr(rep.national, field) == sum(getattr(r.summary, field) for r in reports)
    assert rep.national_skm.respondents == sum(r.skm.respondents for r in reports)
    assert rep.national_skm.sums == tuple(map(sum, zip(*(r.skm.sums for r in reports),
                                                       strict=True)))
    worst = rep.worst()
    assert [o.total.wait_p90_s for o in worst] == sorted(
        (o.total.wait_p90_s for o in rep.offices), reverse=True)
    # the outputs: every office, the national line; names are data, never markup
    html = render_html(rep, "id")
    assert "Kanim &lt;Bekasi&gt; &amp; Co" in html and "<Bekasi>" not in html
    assert "Nasional" in html and "data:image/png;base64," in html
    from openpyxl import load_workbook
    book = load_workbook(write_xlsx(rep, tmp_path / "central.xlsx", "en"))
    first = book.worksheets[0]
    names = [first.cell(r, 1).value for r in range(4, 4 + len(rep.offices) + 1)]
    assert names == [o.name for o in rep.offices] + ["National"]
    assert first.cell(4 + len(rep.offices), 2).value == rep.national.issued


def test_resending_changes_nothing(offices, central_url):
    ship_all(offices[:1])
    with psycopg.connect(central_url, autocommit=True) as conn:
        before = conn.execute("SELECT count(*), sum(wait_s) FROM ticket_facts").fetchone()
        aggs = conn.execute("SELECT count(*), sum(value) FROM day_aggregates").fetchone()
    cfg, db = offices[0]
    conn = outbox.connect(db)
    try:  # as if no confirmation had ever come back: everything goes again
        conn.execute("DELETE FROM outbox_state")
        conn.execute("UPDATE outbox_days SET shipped = 0")
    finally:
        conn.close()
    ship_all(offices[:1])
    with psycopg.connect(central_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*), sum(wait_s) FROM ticket_facts").fetchone() \
            == before
        assert conn.execute("SELECT count(*), sum(value) FROM day_aggregates").fetchone() \
            == aggs
    assert before[0] == local_facts(db)


def _wait_until(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        threading.Event().wait(0.05)


def test_a_wan_cut_mid_batch_loses_and_duplicates_nothing(offices, central_url,
                                                          postgres_server):
    cfg, db = offices[0]
    cfg = cfg.model_copy(update={"central": Central(url=central_url, batch_size=40,
                                                    retry_max_seconds=0.5)})
    total = local_facts(db)
    assert total > 200
    # hold the facts table so that the shipper's first batch is stuck inside its
    # transaction at the centre, then cut the centre off (every session dropped at once)
    blocker = psycopg.connect(central_url)
    blocker.execute("LOCK TABLE ticket_facts IN ACCESS EXCLUSIVE MODE")
    shipper = Shipper(cfg, db, idle_s=3600).start()
    try:
        def stuck() -> bool:
            with psycopg.connect(central_url, autocommit=True) as probe:
                return bool(probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'antrean'"
                    " AND wait_event_type = 'Lock'").fetchone()[0])
        _wait_until(stuck)
        postgres_server.stop("fast")
        try:
            _wait_until(lambda: shipper.rounds_failed >= 2)  # it keeps trying, and failing
            conn = outbox.connect(db)
            try:
                assert outbox.pending(conn).facts == total  # nothing claimed shipped
            finally:
                conn.close()
        finally:
            postgres_server.start()
        shipper.wake()
        assert shipper.drained.wait(WAIT), shipper.last_error
    finally:
        shipper.stop()
        blocker.close()
    with psycopg.connect(central_url, autocommit=True) as conn:
        count, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT local_id) FROM ticket_facts").fetchone()
    assert count == distinct == total
    rep = central_report(central_url, date(2025, 3, 9))
    own = build_report(db, cfg, FIRST, date(2025, 3, 9))
    assert (rep.national.issued, rep.national.served, rep.national.wait_p90_s) == (
        own.summary.issued, own.summary.served, own.summary.wait_p90_s)
