"""Report figures against a hand count of a scripted day (tests/reports/conftest.py)."""

from datetime import date, datetime, time
from statistics import mean, median

import pytest

from reports import kpi
from reports.report import build_report, views
from reports.source import SourceError, connect_ro, read_period
from tests.reports.conftest import DAY, HAND, at, play_day


@pytest.fixture
def rep(scripted_db, office):
    return build_report(scripted_db, office, DAY, DAY)


def by_key(rows):
    return {r.key: r.stats for r in rows}


def test_day_totals_match_the_hand_count(rep):
    s = rep.summary
    for name in ("issued", "served", "no_show", "transferred", "cancelled", "expired"):
        assert getattr(s, name) == HAND[name], name
    waits = sorted(HAND["waits"])
    assert s.calls == 6
    assert s.wait_mean_s == pytest.approx(mean(waits)) == 595
    assert s.wait_median_s == median(waits) == 510
    assert s.wait_p90_s == 1020  # nearest rank: ceil(0.9 × 6) = 6th of 6
    assert s.wait_max_s == 1020
    # F001 waited 17 min for a 15-min target; everything else was within target
    assert s.within_target == 5 and s.sla_share == pytest.approx(5 / 6)
    services = sorted(HAND["services"])
    assert s.svc_n == 5
    assert s.svc_mean_s == pytest.approx(mean(services)) == 396
    assert s.svc_median_s == 360 and s.svc_p90_s == 600 and s.svc_max_s == 600


def test_per_service(rep):
    svc = by_key(rep.services)
    assert set(svc) == {"paspor-baru", "paspor-ganti", "informasi"}
    pb = svc["paspor-baru"]
    assert (pb.issued, pb.served, pb.transferred, pb.expired, pb.no_show) == (4, 3, 1, 1, 0)
    assert pb.calls == 4  # A002 twice (two stages), A001, A003
    assert pb.wait_mean_s == pytest.approx((480 + 540 + 240 + 990) / 4)
    assert pb.wait_median_s == 510 and pb.sla_share == 1.0
    info = svc["informasi"]
    assert (info.issued, info.served, info.no_show, info.calls) == (2, 1, 1, 2)
    assert info.within_target == 1 and info.wait_max_s == 1020
    ganti = svc["paspor-ganti"]
    assert (ganti.issued, ganti.cancelled, ganti.calls) == (1, 1, 0)
    assert ganti.wait_mean_s is None and ganti.sla_share is None


def test_per_lane_and_priority_against_regular(rep):
    lanes = by_key(rep.lanes)
    assert lanes["reguler"].issued == 4 and lanes["reguler"].calls == 3
    assert lanes["reguler"].wait_mean_s == pytest.approx((540 + 1020 + 990) / 3)
    assert lanes["lansia"].wait_mean_s == pytest.approx((480 + 240) / 2)
    assert lanes["lansia"].transferred == 1 and lanes["lansia"].served == 1
    assert lanes["ibu-anak"].wait_mean_s == 300
    assert lanes["disabilitas"].issued == 1 and lanes["disabilitas"].expired == 1
    assert rep.regular_wait_s == pytest.approx(850)
    table = next(t for t in views(rep, "id") if t.key == "lanes")
    ratio = {row[0]: row[-1] for row in table.rows}
    assert ratio["Lansia 60+"] == pytest.approx(360 / 850)
    assert ratio["Umum"] == pytest.approx(1.0)


def test_per_counter_with_utilisation(rep):
    c = by_key(rep.counters)
    assert (c["loket-1"].calls, c["loket-1"].served, c["loket-1"].transferred) == (2, 1, 1)
    assert c["loket-1"].serving_s == pytest.approx(300 + 600)
    assert c["loket-1"].open_s == 35 * 60  # 08:00 login → 08:35 close
    assert c["loket-1"].utilisation == pytest.approx(900 / 2100)
    # loket-2: open 08:00–08:28, paused 08:28–08:40, open 08:40–08:45
    assert c["loket-2"].open_s == 28 * 60 + 5 * 60 and c["loket-2"].paused_s == 12 * 60
    assert c["loket-2"].utilisation == pytest.approx((480 + 360) / 1980)
    assert (c["loket-5"].served, c["loket-5"].no_show, c["loket-5"].open_s) == (1, 1, 1800)
    assert c["loket-5"].utilisation == pytest.approx(240 / 1800)


def test_per_officer_with_names(rep):
    o = {r.name: r.stats for r in rep.officers}
    assert set(o) == {"Budi Santoso", "Sari Dewi", "Andi Pratama"}
    assert (o["Budi Santoso"].served, o["Budi Santoso"].transferred) == (1, 1)
    assert o["Sari Dewi"].served == 2 and o["Sari Dewi"].svc_mean_s == 420
    assert (o["Andi Pratama"].served, o["Andi Pratama"].no_show) == (1, 1)


def test_hourly(rep):
    # every visit of the scripted day began in the 08:00 hour: the day's own figures
    waits = sorted(HAND["waits"])
    assert rep.hourly == [kpi.Hour(8, 7, 6, pytest.approx(595), median(waits), 1020)]


def test_skm_from_the_day(rep):
    r = rep.skm
    assert r.respondents == 3
    assert r.sums == (11, 11, 10, 12, 10, 11, 11, 10, 11)
    assert float(r.converted_rounded) == 89.81 and r.grade == "A"  # 97 × 25 / 27
    assert r.population == 4 and r.min_sample == 4 and not r.sample_reached
    per = {sid: res for sid, _, res in rep.skm_services}
    assert float(per["paspor-baru"].converted_rounded) == 84.72  # 61 × 25 / 18
    assert per["paspor-baru"].grade == "B"
    assert per["informasi"].grade == "A" and float(per["informasi"].converted) == 100
    assert rep.comments == [("2025-03-03", "Paspor Baru", "Cepat, terima kasih")]


def test_today_before_rollover_has_nothing_expired(tmp_path, office):
    db = tmp_path / "today.db"
    play_day(office, db, rollover=False)
    now = at(office, 9, 0)
    rep = build_report(db, office, DAY, DAY, now=now)
    assert rep.summary.expired == 0 and rep.summary.issued == 7
    assert by_key(rep.counters)["loket-1"].open_s == 2100



def test_multi_day_period_adds_days(tmp_path, office):
    db = tmp_path / "two.db"
    play_day(office, db, DAY)
    play_day(office, db, date(2025, 3, 4))
    rep = build_report(db, office, DAY, date(2025, 3, 4))
    assert rep.summary.issued == 14 and rep.summary.served == 8
    assert rep.summary.wait_median_s == 510 and rep.summary.wait_p90_s == 1020
    assert [r.stats.issued for r in rep.days] == [7, 7]
    assert rep.skm.respondents == 6
    one = build_report(db, office, date(2025, 3, 4), date(2025, 3, 4))
    assert one.summary.issued == 7 and one.summary.expired == 1


def test_empty_period_and_bad_input(scripted_db, office, tmp_path):
    rep = build_report(scripted_db, office, date(2025, 1, 1), date(2025, 1, 2))
    assert rep.summary.issued == 0 and rep.summary.wait_mean_s is None
    assert rep.skm.respondents == 0 and rep.skm.grade is None
    assert all(t.rows is not None for t in views(rep, "id"))
    with pytest.raises(ValueError):
        build_report(scripted_db, office, DAY, date(2025, 3, 1))
    with pytest.raises(SourceError):
        build_report(tmp_path / "missing.db", office, DAY, DAY)
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(SourceError):
        connect_ro(tmp_path / "junk.db")


def test_damaged_event_rows_are_skipped(scripted_db, office):
    import sqlite3
    conn = sqlite3.connect(scripted_db)
    conn.execute("INSERT INTO events(seq, at, day, actor, name, payload) VALUES "
                 "(99999, '2025-03-03T09:00:00+07:00', '2025-03-03', 'x', 'ticket_called', "
                 "'{not json')")
    conn.execute("INSERT INTO events(seq, at, day, actor, name, payload) VALUES "
                 "(100000, '2025-03-03T09:00:00+07:00', '2025-03-03', 'x', 'ticket_called', "
                 "'{\"ticket\": 5}')")
    conn.commit()
    conn.close()
    assert build_report(scripted_db, office, DAY, DAY).summary.calls == 6


def test_read_period_is_read_only(scripted_db):
    db = connect_ro(scripted_db)
    data = read_period(db, DAY, DAY)
    assert data.events and data.officer_names["budi"] == "Budi Santoso"
    import sqlite3
    with pytest.raises(sqlite3.OperationalError):
        db.execute("DELETE FROM events")


def test_percentiles_on_histograms():
    items = [(10.0, 1), (20.0, 1), (30.0, 1), (40.0, 1)]
    assert kpi.median(items) == 25 and kpi.percentile(items, 0.9) == 40
    assert kpi.percentile([(5.0, 10)], 0.9) == 5 and kpi.median([]) is None
    assert kpi.percentile([(float(v), 1) for v in range(1, 11)], 0.9) == 9
    _ = datetime, time


def test_respondent_profile_counts_every_respondent_once_per_question(rep):
    """Three respondents: one answered all four questions, one only the age, one none;
    a skipped question counts as "not answered", so each question adds up to three."""
    assert rep.profile["age"] == {"u20": 0, "20_29": 0, "30_39": 1, "40_49": 0, "50_59": 0,
                                  "60_up": 1, "none": 1}
    assert rep.profile["gender"] == {"l": 0, "p": 1, "none": 2}
    assert rep.profile["education"]["sma"] == 1 and rep.profile["education"]["none"] == 2
    assert all(sum(counts.values()) == rep.skm.respondents == 3
               for counts in rep.profile.values())
    table = next(tb for tb in views(rep, "id") if tb.key == "skm_profile")
    rows = {(q, a): (n, share) for q, a, n, share in table.rows}
    assert rows[("Umur", "di bawah 20 tahun")] == (0, 0)  # the question, on its first row
    assert rows[("", "60 tahun ke atas")] == (1, pytest.approx(1 / 3))
    assert [q for q, *_ in table.rows if q] == ["Umur", "Jenis kelamin", "Pendidikan",
                                                "Pekerjaan"]


MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")


def test_the_signature_block_names_the_signer_from_the_office_toml(rep):
    from reports.report import signature_lines
    when, acknowledged, title, name, nip = signature_lines(rep, "id")
    # signed on the day it is made: "Kota Contoh, 7 Desember 2026"
    day = rep.generated_at.date()
    assert when == f"Kota Contoh, {day.day} {MONTHS_ID[day.month - 1]} {day.year}"
    assert acknowledged == "Mengetahui," and title.startswith("Kepala Kantor")
    assert name == "Dra. Ratna Wulandari, M.Si." and nip == "NIP 19700101 199503 2 001"
