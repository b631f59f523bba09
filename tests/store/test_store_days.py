"""A range of office days, as reports, retention and the simulator select it:
`events_of_days` and `tickets_of_days` give exactly those days' rows. Real SQLite."""

from __future__ import annotations

import pytest

from server.engine.model import Changes, ticket_id
from server.store.sqlite import TICKET_COLUMNS, Store, encode_part, events_of_days, tickets_of_days

DAYS = ["2026-11-20", "2026-11-21", "2026-11-23", "2026-11-24", "2027-01-01"]  # 22nd closed
RANGES = [("2026-11-20", "2026-11-20"), ("2026-11-21", "2026-11-23"),
          ("2026-11-22", "2026-11-22"), ("2026-11-22", "2026-11-23"),
          ("2026-11-24", "2026-12-31"), (None, "2026-11-21"), (None, "2026-11-19"),
          ("2026-11-25", "2026-11-30"), ("2026-11-01", "2027-01-01"), (None, "2027-12-31")]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("days") / "a.db")
    for day in DAYS:
        for batch in range(3):
            events = [(f"{day}T09:00:00+07:00", day, "kiosk-1", "ticket_issued", {"n": i})
                      for i in range(batch + 1)]
            # numbers in several series, as several services issue them, and one in the
            # thousands: sorted as text, they are not in the order they were issued
            tickets = [dict.fromkeys(TICKET_COLUMNS) | {
                "id": ticket_id(day.replace("-", ""), number), "day": day, "number": number}
                for number in (f"A{batch + 1:03d}", f"B{batch + 1:03d}", f"C{batch + 1000}")]
            store.commit_encoded([encode_part(events, Changes(tickets=tickets), [])])
    yield store
    store.close()


@pytest.mark.parametrize(("first", "last"), RANGES)
def test_events_of_days_are_exactly_their_events(store, first, last):
    where, params = events_of_days(first, last)
    got = store.conn.execute(f"SELECT seq, day FROM events WHERE {where} ORDER BY seq",
                             params).fetchall()
    every = store.conn.execute("SELECT seq, day FROM events ORDER BY seq").fetchall()
    assert got == [(seq, day) for seq, day in every if (first or "") <= day <= last]


@pytest.mark.parametrize(("first", "last"), RANGES)
def test_tickets_of_days_are_exactly_their_tickets(store, first, last):
    where, params = tickets_of_days(first, last)
    got = store.conn.execute(f"SELECT id FROM tickets WHERE {where} ORDER BY id",
                             params).fetchall()
    every = store.conn.execute("SELECT id, day FROM tickets ORDER BY id").fetchall()
    assert got == [(tid,) for tid, day in every if (first or "") <= day <= last]
    assert len(every) == 9 * len(DAYS)


def test_a_day_is_an_iso_date():
    with pytest.raises(ValueError):
        tickets_of_days("2026-11-23", "23-11-2026")
