"""The central PostgreSQL's layout, versioned in `central_schema` (one row).

`MIGRATIONS[n - 1]` takes the database from version n - 1 to n, in one transaction with
the version it sets, under an advisory lock, so two `antrean central init` runs at once
do the work once. A change of layout is a new migration appended here.

Ticket facts and day aggregates are partitioned by month of the office day: a month's
report reads one partition, and old months can be detached or dropped whole. Partitions
are made as data arrives (`central_ensure_month`, which serialises its callers with an
advisory lock) and a year ahead by `init`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import psycopg

Migration = Callable[[psycopg.Connection], None]
LOCK_KEY = 0x616E7472  # pg_advisory_xact_lock key of the migrations ("antr")


def _v1(conn: psycopg.Connection) -> None:
    for statement in (
        "CREATE TABLE offices (office text PRIMARY KEY, name text NOT NULL, "
        "timezone text NOT NULL, last_received_at timestamptz)",
        # one row per ended visit in an office (server/store/outbox.py); the key is the
        # office and the fact's own id there (the day is in it: partitions need it)
        "CREATE TABLE ticket_facts (office text NOT NULL, local_id bigint NOT NULL, "
        "day date NOT NULL, service text NOT NULL, stage text, lane text NOT NULL, "
        "first_visit boolean NOT NULL, issued_at timestamptz, queued_at timestamptz, "
        "called_at timestamptz, started_at timestamptz, finished_at timestamptz, "
        "outcome text NOT NULL, counter text, wait_s integer, service_s integer, "
        "PRIMARY KEY (office, day, local_id)) PARTITION BY RANGE (day)",
        # the directorate's questions: a period's waits per service and lane across the
        # offices (the report), and one service's history everywhere
        "CREATE INDEX ticket_facts_by_service ON ticket_facts (service, lane, day) "
        "INCLUDE (wait_s)",
        # each closed office day's report fold (reports/kpi.py), officers and histograms left
        # out: issued, served, within target, SKM element sums, ...
        "CREATE TABLE day_aggregates (office text NOT NULL, day date NOT NULL, "
        "scope text NOT NULL, lane text NOT NULL, metric text NOT NULL, "
        "value double precision NOT NULL, PRIMARY KEY (office, day, scope, lane, metric)) "
        "PARTITION BY RANGE (day)",
        "CREATE INDEX day_aggregates_by_metric ON day_aggregates (metric, day)",
        # which office days the centre holds, and whether the office still may refold it
        "CREATE TABLE office_days (office text NOT NULL, day date NOT NULL, "
        "final boolean NOT NULL, received_at timestamptz NOT NULL, "
        "PRIMARY KEY (office, day))",
        """CREATE FUNCTION central_ensure_month(d date) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            first date := date_trunc('month', d)::date;
            parent text;
            part text;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtext('antrean-central-partitions'));
            FOREACH parent IN ARRAY ARRAY['ticket_facts', 'day_aggregates'] LOOP
                part := parent || to_char(first, '"_y"YYYY"m"MM');
                IF to_regclass(part) IS NULL THEN
                    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) '
                                   'TO (%L)', part, parent, first,
                                   (first + interval '1 month')::date);
                END IF;
            END LOOP;
        END $$""",
    ):
        conn.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (_v1,)
LATEST = len(MIGRATIONS)


class CentralSchemaError(Exception):
    """The central database is not (yet) one this Antrean can use."""


def version(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT to_regclass('central_schema') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    got = conn.execute("SELECT version FROM central_schema").fetchone()
    return got[0] if got else 0


def migrate(conn: psycopg.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the centre up to `len(migrations)`; returns its version. `conn` autocommit."""
    latest = len(migrations)
    while True:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            conn.execute("CREATE TABLE IF NOT EXISTS central_schema (version integer NOT NULL)")
            current = version(conn)
            if current > latest:
                raise CentralSchemaError(f"central schema version {current}, newer than this "
                                         f"Antrean's ({latest}): upgrade Antrean")
            if current == latest:
                return current
            migrations[current](conn)
            conn.execute("DELETE FROM central_schema")
            conn.execute("INSERT INTO central_schema(version) VALUES (%s)", (current + 1,))


def require_current(conn: psycopg.Connection) -> None:
    current = version(conn)
    if current != LATEST:
        raise CentralSchemaError(
            f"the central database is at schema version {current}, this Antrean needs "
            f"{LATEST}: run `antrean central init URL`")


def ensure_months(conn: psycopg.Connection, days: Sequence[date]) -> None:
    """The month partitions for these days exist (each call its own short transaction)."""
    for first in sorted({d.replace(day=1) for d in days}):
        with conn.transaction():
            conn.execute("SELECT central_ensure_month(%s)", (first,))


def months_ahead(start: date, count: int) -> list[date]:
    out, y, m = [], start.year, start.month
    for _ in range(count):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
