"""A ticket's record (what the store keeps) holds every field and comes back whole."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from server.engine.model import Ticket
from server.store.sqlite import TICKET_COLUMNS

T0 = datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=UTC)


def test_every_field_survives_a_record_round_trip():
    values = {}
    for i, f in enumerate(dataclasses.fields(Ticket)):  # a distinct value in every field
        if f.name.endswith("_at") or f.name == "booking_slot":
            values[f.name] = T0 + timedelta(minutes=i)
        elif f.name in ("recalls", "transfers"):
            values[f.name] = i
        elif f.name == "surveyed":
            values[f.name] = True
        else:
            values[f.name] = f"{f.name}-{i}"
    ticket = Ticket(**values)
    record = ticket.to_record()
    assert list(record) == [f.name for f in dataclasses.fields(Ticket)] == list(TICKET_COLUMNS)
    assert record["called_at"] == values["called_at"].isoformat()
    assert Ticket.from_record(record) == ticket


def test_a_new_ticket_round_trips_with_its_empty_times():
    ticket = Ticket(id="t_20261123_A001", day="2026-11-23", number="A001", service="s",
                    stage="berkas", lane="reguler", status="waiting", token="tok", lang="id",
                    issued_at=T0, queued_at=T0)
    record = ticket.to_record()
    assert record["issued_at"] == record["queued_at"] == T0.isoformat()
    assert record["called_at"] is None and record["booking_slot"] is None
    assert Ticket.from_record(record) == ticket
