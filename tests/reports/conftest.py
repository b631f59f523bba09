"""A scripted day on the real engine and a real store, with every time explicit, so the
report's figures can be checked against a hand count (see HAND below)."""

from datetime import date, datetime, time

import pytest

from reports.demo_day import ADMIN, KIOSK, Recorder, officer_actor

DAY = date(2025, 3, 3)  # a Monday
BUDI = officer_actor("console-1", "budi", "Budi Santoso")
SARI = officer_actor("console-2", "sari", "Sari Dewi")
ANDI = officer_actor("console-5", "andi", "Andi Pratama")


def at(config, hh: int, mm: int, ss: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), config.tz)


def play_day(config, db_path, day: date = DAY, rollover: bool = True) -> None:
    """The hand-counted day. Times in comments are office-local."""
    T = lambda hh, mm, ss=0: at(config, hh, mm, ss, day)  # noqa: E731
    rec = Recorder(config, db_path, T(7, 0))
    rec.store.add_officer("budi", "Budi Santoso", "1234")
    rec.store.add_officer("sari", "Sari Dewi", "5678")
    rec.store.add_officer("andi", "Andi Pratama", "2468")
    do = rec.do
    do("login", {"counter": "loket-1"}, BUDI, T(8, 0))
    do("login", {"counter": "loket-2"}, SARI, T(8, 0))
    do("login", {"counter": "loket-5"}, ANDI, T(8, 0))
    issue = lambda s, ln, t: do("issue_ticket", {"service": s, "lane": ln}, KIOSK, t)  # noqa
    issue("paspor-baru", "reguler", T(8, 1))       # A001
    issue("paspor-baru", "lansia", T(8, 2))        # A002
    issue("informasi", "reguler", T(8, 3))         # F001
    issue("paspor-baru", "reguler", T(8, 4))       # A003
    issue("informasi", "ibu-anak", T(8, 5))        # F002
    issue("paspor-ganti", "reguler", T(8, 6))      # B001
    c1, c2, c5 = {"counter": "loket-1"}, {"counter": "loket-2"}, {"counter": "loket-5"}
    assert do("call_next", c1, BUDI, T(8, 10)).data["number"] == "A002"   # wait 8:00
    assert do("call_next", c2, SARI, T(8, 10)).data["number"] == "A001"   # wait 9:00
    assert do("call_next", c5, ANDI, T(8, 10)).data["number"] == "F002"   # wait 5:00
    do("start_service", c1, BUDI, T(8, 11))
    do("start_service", c5, ANDI, T(8, 10, 30))
    do("start_service", c2, SARI, T(8, 12))
    do("finish", c5, ANDI, T(8, 14, 30))                                    # svc 4:00
    do("transfer", {**c1, "service": "paspor-baru"}, BUDI, T(8, 16))        # svc 5:00
    do("cancel", {"ticket": "B001", "reason": "salah layanan"}, ADMIN, T(8, 18))
    do("finish", c2, SARI, T(8, 20))                                        # svc 8:00
    assert do("call_next", c1, BUDI, T(8, 20)).data["number"] == "A002"   # wait 4:00
    assert do("call_next", c5, ANDI, T(8, 20)).data["number"] == "F001"   # wait 17:00
    assert do("call_next", c2, SARI, T(8, 20, 30)).data["number"] == "A003"  # wait 16:30
    do("start_service", c1, BUDI, T(8, 21))
    do("start_service", c2, SARI, T(8, 21))
    do("recall", c5, ANDI, T(8, 21))
    do("no_show", c5, ANDI, T(8, 22))
    issue("paspor-baru", "disabilitas", T(8, 25))  # A004: never called, expires
    do("finish", c2, SARI, T(8, 27))                                        # svc 6:00
    do("pause", {**c2, "reason": "istirahat"}, SARI, T(8, 28))
    do("logout", {}, ANDI, T(8, 30))
    do("finish", c1, BUDI, T(8, 31))                                        # svc 10:00
    do("close_counter", c1, BUDI, T(8, 35))
    survey = lambda tid, ans, comment="", profile=None: do(  # noqa: E731
        "submit_survey", {"ticket": tid, "answers": ans, "comment": comment,
                          "profile": profile}, ADMIN, T(8, 40))
    survey(f"t_{day:%Y%m%d}_A001", [4, 4, 3, 4, 3, 4, 4, 3, 4], "Cepat, terima kasih",
           {"age": "60_up", "gender": "p", "education": "sma", "occupation": "lainnya"})
    survey(f"t_{day:%Y%m%d}_A002", [3, 3, 3, 4, 3, 3, 3, 3, 3], "", {"age": "30_39"})
    survey(f"t_{day:%Y%m%d}_F002", [4, 4, 4, 4, 4, 4, 4, 4, 4])
    do("resume", c2, SARI, T(8, 40))
    do("close_counter", c2, SARI, T(8, 45))
    if rollover:
        rec.tick(datetime.combine(date.fromordinal(day.toordinal() + 1), time(0, 0, 5),
                                  config.tz))
    rec.close()


# The hand count of play_day (seconds).
HAND = {
    "issued": 7, "served": 4, "no_show": 1, "transferred": 1, "cancelled": 1, "expired": 1,
    "waits": [480, 540, 300, 240, 1020, 990],
    "services": [300, 480, 240, 600, 360],
}


@pytest.fixture
def scripted_db(tmp_path, office):
    db = tmp_path / "antrean.db"
    play_day(office, db)
    return db
