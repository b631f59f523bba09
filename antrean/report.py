"""`antrean report`, `antrean purge` and `antrean backup`: thin shells over reports.*.

Each returns 0 on success; a user mistake (bad date, missing database, unwritable path)
raises `antrean.cli.UserError`, which the `antrean` entry point prints as one line and
turns into exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from antrean.cli import UserError


def _config(path: str | None):
    from config import office as office_config
    try:
        return office_config.load(path)
    except office_config.ConfigError as exc:
        raise UserError(str(exc)) from None


def option_date(value: str, flag: str) -> date:
    """A command line's date option (`--from 2026-12-07`), or a clear error naming it."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise UserError(f"{flag} {value!r}: expected a date YYYY-MM-DD") from None


def write_report(db: str | Path, config, date_from: date, date_to: date, fmt: str,
                 out: str | Path, lang: str | None = None) -> Path:
    """Build the report and write it in `fmt` (csv|xlsx|html|pdf) to `out`."""
    from reports.report import build_report
    lang = lang or config.default_language
    rep = build_report(db, config, date_from, date_to, lang=lang)
    out = Path(out)
    if fmt == "csv":
        from reports.render import write_csv
        return write_csv(rep, out, lang)
    if fmt == "xlsx":
        from reports.render import write_xlsx
        return write_xlsx(rep, out, lang)
    if fmt == "html":
        from reports.html import render_html
        out.write_text(render_html(rep, lang), encoding="utf-8")
        return out
    if fmt == "pdf":
        from reports.pdf import write_pdf
        return write_pdf(rep, out, lang)
    raise UserError(f"unknown format {fmt!r} (csv, xlsx, html, pdf)")


def main(args: argparse.Namespace) -> int:
    """`antrean report --db FILE --from DATE --to DATE --format F --out PATH`."""
    from reports.source import SourceError
    config = _config(getattr(args, "config", None))
    date_from = option_date(args.date_from, "--from")
    date_to = option_date(args.date_to, "--to")
    if date_to < date_from:
        raise UserError("--to is before --from")
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        raise UserError(f"{out.parent}: no such folder")
    try:
        path = write_report(args.db, config, date_from, date_to, args.format, out,
                            getattr(args, "lang", None))
    except SourceError as exc:
        raise UserError(str(exc)) from None
    except ValueError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"{out}: cannot write: {exc.strerror or exc}") from None
    print(f"report {date_from}..{date_to} written to {path}")
    return 0


def purge_main(args: argparse.Namespace) -> int:
    """`antrean purge --db FILE [--config FILE] [--days N]`."""
    from reports.kpi import retention_fold
    from server.store.retention import purge
    config = _config(getattr(args, "config", None))
    if not Path(args.db).is_file():
        raise UserError(f"{args.db}: no such database")
    days = getattr(args, "days", None)
    if days is not None and days < 1:
        raise UserError("--days must be at least 1")
    import sqlite3
    try:
        result = purge(args.db, config, retention_fold(config), retention_days=days)
    except sqlite3.Error as exc:
        raise UserError(f"{args.db}: purge failed: {exc}") from None
    if result.days:
        print(f"purged {len(result.days)} day(s) {result.days[0]}..{result.days[-1]}: "
              f"{result.tickets_deleted} ticket rows and {result.events_deleted} events "
              f"folded into daily_aggregates")
    else:
        print("nothing to purge")
    return 0


def backup_main(args: argparse.Namespace) -> int:
    """`antrean backup --db FILE --out FILE`."""
    from server.store.backup import BackupError, backup
    try:
        path = backup(args.db, args.out)
    except BackupError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"{args.out}: cannot write: {exc.strerror or exc}") from None
    print(f"backup written to {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover - the antrean entry point is the real one
    sys.exit(1)
