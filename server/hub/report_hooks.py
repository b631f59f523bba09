"""What the hub uses from the reports, handed in by whoever composes the server (the
`antrean` command line, the tests): `server/` imports no report.

- `page(db_path, config, request)`: what `GET /report/<token>` answers — the report a
  one-time link was made for (None: a used or unknown link) as (status, content type,
  body, the HTML page's Content-Security-Policy). Called on a thread.
- `retention_fold(config)`: the aggregates retention keeps of a day before it deletes the
  day's per-ticket data (see `server.store.retention`), run after each day's rollover.
- `central(config, db_path)`: starts shipping the outbox to the directorate's database
  when the office is configured to (`[central] url`; central/shipper.py), else None; the
  server stops it when it stops. It runs on a thread of its own: the queue never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from config.office import OfficeConfig
from server.hub.links import ReportRequest
from server.store.retention import DayFold

ReportPage = Callable[[str | Path, OfficeConfig, ReportRequest | None],
                      tuple[int, str, bytes, str]]


class Background(Protocol):
    def stop(self) -> None: ...


@dataclass(frozen=True)
class ReportHooks:
    page: ReportPage
    retention_fold: Callable[[OfficeConfig], DayFold]
    central: Callable[[OfficeConfig, str | Path], Background | None] | None = None
