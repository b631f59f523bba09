"""CSV and XLSX outputs of a report: one CSV / one sheet per view.

CSV: a `.zip` path gets one CSV per view; a `.csv` path gets every view stacked, each
under its title (a single file a spreadsheet opens); any other path is a folder of CSVs.
XLSX (openpyxl): one sheet per view with numbers kept numeric (minutes `0.0`, shares
`0.0%`), a frozen header and the SKM table with its element names and index lines.

Every text cell is data, whoever wrote it (a survey comment, a name from the office's
TOML): `csv_cell` and `xlsx_cell` are the only ways a value reaches either format, so no
text becomes a live formula (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.report import (
    L,
    Report,
    Table,
    element_names,
    signature_lines,
    skm_summary_rows,
    views,
)

# A cell starting with one of these is a formula to Excel and LibreOffice on import.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would run as a formula gets a leading `'` (the
    OWASP guidance), which spreadsheets show as text. Numbers are left alone: only text
    is neutralised, so a negative number stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_cell(ws: Any, row: int, column: int, value: Any) -> Cell:
    """An XLSX cell: text is always a string cell. openpyxl stores a str starting with `=`
    as a formula; the explicit string type stops that, and quotePrefix keeps Excel from
    turning the cell into a formula when someone edits it. Characters XML cannot carry
    (control characters) are shown as U+FFFD instead of failing the whole export."""
    cell = ws.cell(row, column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "pct" and isinstance(value, float):
        return f"{100 * value:.1f}"
    if kind in ("num3",) and isinstance(value, float):
        return f"{value:.3f}"
    if kind in ("ratio", "num2") and isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return csv_cell(value)


def _csv_header(col: str, kind: str) -> str:
    return csv_cell(f"{col} (%)" if kind == "pct" else col)


def table_csv(table: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    kinds = table.kinds or ["auto"] * len(table.columns)
    w.writerow([_csv_header(c, k) for c, k in zip(table.columns, kinds, strict=False)])
    for row in table.rows:
        w.writerow([_csv_value(v, k) for v, k in zip(row, kinds, strict=False)])
    if table.note:
        w.writerow([])
        w.writerow([csv_cell(table.note)])
    return buf.getvalue()


def _csv_line(text: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([csv_cell(text)])
    return buf.getvalue()


def _slug(i: int, table: Table) -> str:
    return f"{i + 1:02d}-{table.key}.csv"


def write_csv(rep: Report, out: Path, lang: str) -> Path:
    tables = views(rep, lang)
    out = Path(out)
    if out.suffix.lower() == ".zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for i, table in enumerate(tables):
                # BOM: Excel then reads the file as UTF-8 (names with "–", "Σ")
                zf.writestr(_slug(i, table), "\ufeff" + table_csv(table))
        return out
    if out.suffix.lower() == ".csv":
        parts = [f"{_csv_line(table.title)}{table_csv(table)}" for table in tables]
        out.write_text("\ufeff" + "\n".join(parts), encoding="utf-8", newline="")
        return out
    out.mkdir(parents=True, exist_ok=True)
    for i, table in enumerate(tables):
        (out / _slug(i, table)).write_text("\ufeff" + table_csv(table), encoding="utf-8",
                                           newline="")
    return out


# ---------------------------------------------------------------------- xlsx
HEAD_FILL = PatternFill("solid", fgColor="1F5FA8")
HEAD_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
FORMATS = {"min": "0.0", "pct": "0.0%", "num3": "0.000", "num2": "0.00", "ratio": "0.00",
           "hours": "0.0", "int": "0"}


def _sheet_title(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "-", title)[:31]
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def _write_table(ws: Any, table: Table, start_row: int, title: bool = True) -> int:
    r = start_row
    if title:
        xlsx_cell(ws, r, 1, table.title).font = TITLE_FONT
        r += 2
    kinds = table.kinds or ["auto"] * len(table.columns)
    for c, col in enumerate(table.columns, 1):
        cell = xlsx_cell(ws, r, c, col)
        cell.fill, cell.font = HEAD_FILL, HEAD_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    header_row = r
    for row in table.rows:
        r += 1
        for c, (value, kind) in enumerate(zip(row, kinds, strict=False), 1):
            cell = xlsx_cell(ws, r, c, value)
            if kind in FORMATS and isinstance(value, (int, float)):
                cell.number_format = FORMATS[kind]
            elif kind == "auto" and isinstance(value, float):
                cell.number_format = "0.00"
    if table.note:
        r += 2
        xlsx_cell(ws, r, 1, table.note).font = Font(italic=True)
    return header_row


def write_xlsx(rep: Report, out: Path, lang: str) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for table in views(rep, lang):
        ws = wb.create_sheet(_sheet_title(table.title, used))
        header_row = _write_table(ws, table, 1)
        if table.key == "summary":
            for row in ws.iter_rows(min_row=header_row + 1):
                if row[0].value == L("sla_share", lang) and isinstance(row[1].value, float):
                    row[1].number_format = "0.0%"
        if table.key == "skm":
            r = ws.max_row + 2
            for label, value in skm_summary_rows(rep.skm, lang):
                xlsx_cell(ws, r, 1, label).font = Font(bold=True)
                xlsx_cell(ws, r, 2, value)
                r += 1
            r += 1
            xlsx_cell(ws, r, 1, L("skm_element", lang)).font = Font(bold=True)
            for i, name in enumerate(element_names(lang), 1):
                xlsx_cell(ws, r + i, 1, f"U{i}")
                xlsx_cell(ws, r + i, 2, name)
            xlsx_cell(ws, r + 11, 1, L("skm_method", lang)).font = Font(italic=True)
            when, acknowledged, title, name, nip = signature_lines(rep, lang)
            r += 14
            for line in (when, acknowledged, title, "", "", "", name, nip):
                xlsx_cell(ws, r, 8, line).font = Font(bold=line == name)
                r += 1
        if len(table.columns) > 8:  # printed across the page, as the PDF prints it
            ws.page_setup.orientation = "landscape"
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
            ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.freeze_panes = ws.cell(header_row + 1, 2)
        ws.row_dimensions[header_row].height = 45
        for c in range(1, len(table.columns) + 1):
            width = max([len(str(table.columns[c - 1])) // 2 + 2]
                        + [len(str(row[c - 1])) + 2 for row in table.rows
                           if c - 1 < len(row) and isinstance(row[c - 1], str)])
            ws.column_dimensions[get_column_letter(c)].width = min(max(width, 11), 60)
    wb.properties.title = f"{L('title', lang)} — {rep.office}"
    wb.save(out)
    return Path(out)
