"""User and TOML text in the report's spreadsheets is text: never a live formula.

The data is a real office day (engine + store) whose survey comments, officer name and
counter name start like formulas; the files are written by `antrean report`.
"""

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from antrean.cli import main as antrean
from config import office as office_config
from reports import render
from reports.render import table_csv, write_csv, write_xlsx
from reports.report import Table, build_report
from tests.security.conftest import (
    COUNTER_NAME,
    FORMULA_COMMENTS,
    HOSTILE_DAY,
    MARKUP_COMMENTS,
    OFFICER_NAME,
    SERVICE_NAME,
    hostile_config_text,
    play_hostile_day,
)

# What a spreadsheet takes for the start of a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The report shows a comment without the whitespace around it ("\t=1" reads "=1").
SHOWN_COMMENTS = [c.strip() for c in FORMULA_COMMENTS]
NAMES = [OFFICER_NAME, COUNTER_NAME]


def export(day, fmt: str, out: Path) -> Path:
    iso = day.day.isoformat()
    assert antrean(["report", "--db", str(day.db_path), "--config", str(day.config_path),
                    "--from", iso, "--to", iso, "--lang", "id", "--format", fmt,
                    "--out", str(out)]) == 0
    return out


def test_xlsx_writes_every_user_text_as_a_string_cell(hostile_day, tmp_path):
    wb = load_workbook(export(hostile_day, "xlsx", tmp_path / "r.xlsx"))
    formulas = [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows()
                for c in row if c.data_type == "f"]
    assert formulas == []
    cells = {c.value: c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)}
    for text in SHOWN_COMMENTS + NAMES:
        assert text in cells, text
        assert cells[text].data_type == "s", text
        # Excel's own "this is text" mark, so editing the cell keeps it text
        assert cells[text].quotePrefix, text
    comments = [r[2] for r in wb["Saran dan komentar"].iter_rows(min_row=4, values_only=True)]
    assert comments == SHOWN_COMMENTS + MARKUP_COMMENTS
    # figures stay numbers: the officer's row carries counts, not text
    officer_row = next(r for r in wb["Per petugas"].iter_rows(values_only=True)
                       if r[0] == OFFICER_NAME)
    assert officer_row[1:3] == (len(FORMULA_COMMENTS + MARKUP_COMMENTS),) * 2


@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice")
def test_libreoffice_reads_the_xlsx_texts_literally(hostile_day, tmp_path):
    path = export(hostile_day, "xlsx", tmp_path / "r.xlsx")
    out = tmp_path / "out"
    # 12th token -1: every sheet to its own CSV, "r-<sheet>.csv"; 76: UTF-8
    run = subprocess.run(["soffice", "--headless", "--norestore",
                          f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                          "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,"
                          "false,true,false,false,false,-1",
                          "--outdir", str(out), str(path)],
                         capture_output=True, text=True, timeout=120)
    sheets = {p.name.removeprefix("r-").removesuffix(".csv"): p for p in out.glob("r-*.csv")}
    assert "Saran dan komentar" in sheets, run.stdout + run.stderr

    def cells(sheet: str) -> list[str]:
        text = sheets[sheet].read_text(encoding="utf-8")
        return [c for row in csv.reader(io.StringIO(text)) for c in row]

    comments = cells("Saran dan komentar")
    for text in SHOWN_COMMENTS:
        assert text in comments, (text, comments)
    assert "y" not in comments and "1" not in comments  # HYPERLINK(...) and =1, computed
    assert OFFICER_NAME in cells("Per petugas")
    assert COUNTER_NAME in cells("Per loket")


def _csv_cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))) for c in row]


def test_csv_quotes_text_that_starts_like_a_formula(hostile_day, tmp_path):
    stacked = export(hostile_day, "csv", tmp_path / "r.csv").read_text(encoding="utf-8")
    with zipfile.ZipFile(export(hostile_day, "csv", tmp_path / "r.zip")) as zf:
        files = [zf.read(name).decode("utf-8") for name in zf.namelist()]
    for text in (stacked, *files):
        for cell in _csv_cells(text):
            if cell.startswith(FORMULA_TRIGGERS):
                float(cell)  # only a number may start with "-" (or "+")
    cells = _csv_cells(stacked)
    for text in SHOWN_COMMENTS + NAMES:
        assert "'" + text in cells, text
    for text in MARKUP_COMMENTS + [SERVICE_NAME]:
        assert text in cells, text  # nothing to neutralise: left as written
    officer_row = next(row for row in csv.reader(io.StringIO(stacked))
                       if row and row[0] == "'" + OFFICER_NAME)
    assert officer_row[1:3] == [str(len(FORMULA_COMMENTS + MARKUP_COMMENTS))] * 2


def test_negative_numbers_stay_numbers():
    table = Table("t", "T", ["text", "minutes", "count"],
                  [["-2+3", -2.5, -3], ["@A1", 0.0, 4]], ["text", "min", "int"])
    rows = list(csv.reader(io.StringIO(table_csv(table))))
    assert rows[1:] == [["'-2+3", "-2.50", "-3"], ["'@A1", "0.00", "4"]]
    ws = Workbook().active
    cell = render.xlsx_cell  # every XLSX cell of the report is written by it
    assert (cell(ws, 1, 1, -2.5).data_type, ws["A1"].value) == ("n", -2.5)
    assert (cell(ws, 1, 2, -3).data_type, ws["B1"].value) == ("n", -3)
    assert (cell(ws, 1, 3, "-2+3").data_type, ws["C1"].value) == ("s", "-2+3")


def test_control_characters_in_a_comment_do_not_break_the_export(tmp_path):
    config = office_config.always_open(office_config.parse(hostile_config_text()))
    db = tmp_path / "antrean.db"
    play_hostile_day(config, db, ["placeholder"])
    # The engine now refuses control characters in a new comment (docs/protocol.md, Free
    # text); a database written before that rule may still hold them.
    with sqlite3.connect(db) as conn:
        (seq, payload), = conn.execute(
            "SELECT seq, payload FROM events WHERE name = 'survey_submitted'").fetchall()
        data = json.loads(payload)
        data["comment"] = "bel\x07 esc\x1b[31m nul\x00 end"
        conn.execute("UPDATE events SET payload = ? WHERE seq = ?", (json.dumps(data), seq))
    rep = build_report(db, config, HOSTILE_DAY, HOSTILE_DAY)
    wb = load_workbook(write_xlsx(rep, tmp_path / "r.xlsx", "id"))
    comments = [r[2] for r in wb["Saran dan komentar"].iter_rows(min_row=4, values_only=True)]
    assert comments == ["bel\ufffd esc\ufffd[31m nul\ufffd end"]
    assert "bel\x07 esc\x1b[31m nul\x00 end" in _csv_cells(
        write_csv(rep, tmp_path / "r.csv", "id").read_text(encoding="utf-8"))
