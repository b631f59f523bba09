"""The outbox the server writes: one anonymised fact per visit, in the same commit as the
events that end it, agreeing with the hand-counted day of the report tests; and the
closed days' folds (central/outbox.py) that go with them."""

from __future__ import annotations

import sqlite3
from datetime import date

from central import outbox
from server.store import schema
from server.store.outbox import FACT_COLUMNS
from tests.reports.conftest import DAY, HAND, play_day

PERSONAL = ("token", "booking", "officer", "name", "comment", "number", "lang", "note")


def facts(db) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM outbox_facts ORDER BY id")]
    finally:
        conn.close()


def test_one_fact_per_visit_as_the_report_counts_them(tmp_path, office):
    db = tmp_path / "antrean.db"
    play_day(office, db)
    rows = facts(db)
    outcomes = [r["outcome"] for r in rows]
    for outcome, key in (("served", "served"), ("no_show", "no_show"),
                         ("transferred", "transferred"), ("cancelled", "cancelled"),
                         ("expired", "expired")):
        assert outcomes.count(outcome) == HAND[key], outcome
    assert sum(r["first_visit"] for r in rows) == HAND["issued"]
    assert sorted(r["wait_s"] for r in rows if r["wait_s"] is not None) == sorted(HAND["waits"])
    assert sorted(r["service_s"] for r in rows if r["service_s"] is not None) == sorted(
        HAND["services"])
    assert {r["day"] for r in rows} == {DAY.isoformat()}
    # the transferred visit keeps its own service time and counter; its next visit is not
    # a new issue
    moved = next(r for r in rows if r["outcome"] == "transferred")
    assert moved["counter"] and moved["service_s"] == 300 and moved["called_at"]
    assert len({r["visit"] for r in rows}) == len(rows)


def test_a_fact_holds_nothing_personal():
    columns = " ".join(FACT_COLUMNS)
    for word in PERSONAL:
        assert word not in columns, word


def test_closed_days_are_folded_once_then_for_good(tmp_path, office):
    db = tmp_path / "antrean.db"
    play_day(office, db)  # rolled over: the office is in the next day
    conn = outbox.connect(db)
    try:
        assert schema.version(conn) == schema.LATEST
        assert outbox.fold_closed_days(conn, office) == [DAY.isoformat()]
        assert outbox.fold_closed_days(conn, office) == []  # nothing new: nothing again
        figures = {(s, ln, m): v for _, s, ln, m, v in conn.execute(
            "SELECT * FROM outbox_aggregates")}
        assert sum(v for (s, ln, m), v in figures.items() if m == "issued") == HAND["issued"]
        assert sum(v for (s, ln, m), v in figures.items() if m == "skm_n") == 3
        assert not any(s.startswith("officer:") or ":" in m for s, ln, m in figures)
        # two days later the day is final: folded once more, then never again
        later = date.fromordinal(DAY.toordinal() + 2)
        assert outbox.fold_closed_days(conn, office, today=later) == [DAY.isoformat()]
        assert outbox.fold_closed_days(conn, office, today=later) == []
        pending = outbox.pending(conn)
        assert pending.facts == len(facts(db)) and pending.days == [DAY.isoformat()]
    finally:
        conn.close()
