"""`antrean central init|status|report`: thin shells over central/.

The URL may carry a password: no message here repeats it (`central.shipper.redact`).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from antrean.cli import UserError


def main(args: argparse.Namespace) -> int:
    return {"init": init_main, "status": status_main,
            "report": report_main}[args.central_command](args)


def _connect(url: str):  # noqa: ANN202 (a psycopg connection)
    import psycopg

    from central.shipper import connect_central, redact, scrub
    try:
        return connect_central(url)
    except psycopg.Error as exc:
        reason = scrub(str(exc), url).strip().splitlines()[-1] if str(exc).strip() else ""
        raise UserError(f"cannot reach the central database {redact(url)}: "
                        f"{reason or type(exc).__name__}") from None


@contextmanager
def _central(url: str) -> Iterator:
    """A connection to the centre for one command; its errors as the user's (the URL's
    password never repeated), and closed whatever happens."""
    import psycopg

    from central.schema import CentralSchemaError
    from central.shipper import redact, scrub
    conn = _connect(url)
    try:
        yield conn
    except CentralSchemaError as exc:
        raise UserError(str(exc)) from None
    except psycopg.Error as exc:
        raise UserError(f"{redact(url)}: {scrub(str(exc), url)}") from None
    finally:
        conn.close()


def init_main(args: argparse.Namespace) -> int:
    from central.schema import ensure_months, migrate, months_ahead
    from central.shipper import redact
    if args.months < 0:
        raise UserError("--months must be 0 or more")
    with _central(args.url) as conn:
        version = migrate(conn)
        ensure_months(conn, months_ahead(date.today().replace(day=1), args.months))
    print(f"central schema version {version} at {redact(args.url)}")
    return 0


def status_main(args: argparse.Namespace) -> int:
    import sqlite3

    from antrean.report import _config
    from central import outbox
    from central.shipper import redact
    config = _config(args.config)
    if not Path(args.db).is_file():
        raise UserError(f"{args.db}: no such database")
    try:
        conn = outbox.connect(args.db)
        try:
            lines = outbox.pending(conn).lines()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise UserError(f"{args.db}: cannot read the outbox: {exc}") from None
    url = config.central.url
    print(f"central: {redact(url) if url else 'not configured ([central] url)'}")
    for line in lines:
        print(line)
    return 0


def report_main(args: argparse.Namespace) -> int:
    from antrean.report import option_date
    from central.report import WRITERS, build
    date_from = option_date(args.date_from, "--from")
    date_to = option_date(args.date_to, "--to")
    if date_to < date_from:
        raise UserError("--to is before --from")
    with _central(args.url) as conn:
        rep = build(conn, date_from, date_to)
    try:
        out = WRITERS[args.format](rep, Path(args.out), args.lang)
    except (OSError, RuntimeError) as exc:
        raise UserError(f"{args.out}: {exc}") from None
    print(out)
    return 0
