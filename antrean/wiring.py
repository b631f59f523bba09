"""How the parts are put together: what the server gets from the reports and the
central shipping."""

from __future__ import annotations

from pathlib import Path

from config.office import OfficeConfig
from server.hub.links import ReportRequest
from server.hub.report_hooks import ReportHooks


def _report_page(db_path: str | Path, config: OfficeConfig, request: ReportRequest | None
                 ) -> tuple[int, str, bytes, str]:
    # imported when a report is asked for: the report modules load matplotlib
    from reports.pages import link_page
    return link_page(db_path, config, request)


def _retention_fold(config: OfficeConfig):  # noqa: ANN202 (reports.kpi's DayFold)
    from reports.kpi import retention_fold
    return retention_fold(config)


def _central(config: OfficeConfig, db_path: str | Path):  # noqa: ANN202 (a Shipper)
    # imported only where an office ships: psycopg and the reports load with it
    from central.shipper import start_shipper
    return start_shipper(config, db_path)


def report_hooks() -> ReportHooks:
    return ReportHooks(page=_report_page, retention_fold=_retention_fold, central=_central)
