"""Every output format, the CLI, the server's report page and the gallery."""

import argparse
import base64
import csv
import hashlib
import io
import re
import shutil
import zipfile

import pytest
from openpyxl import load_workbook

from antrean import report as cli
from antrean.cli import UserError
from antrean.cli import main as antrean
from i18n import missing_translations
from reports.pages import ReportRequest, page_csp, report_page
from reports.pdf import chromium_available, write_pdf
from reports.render import write_csv, write_xlsx
from reports.report import build_report
from tests.reports.conftest import DAY

browser = pytest.mark.skipif(not chromium_available(), reason="needs headless Chromium")


@pytest.fixture
def rep(scripted_db, office):
    return build_report(scripted_db, office, DAY, DAY)


def test_catalog_complete_and_real_fonts():
    assert not [k for k in missing_translations() if k.startswith("report.")]
    from matplotlib import font_manager
    path = font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    assert "DejaVuSans" in path


def test_csv_zip_stacked_and_folder(rep, tmp_path):
    z = write_csv(rep, tmp_path / "r.zip", "id")
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
        assert names[0] == "01-summary.csv" and "08-skm.csv" in names
        services = list(csv.reader(io.StringIO(zf.read("03-services.csv").decode("utf-8-sig"))))
    assert services[0][0] == "Layanan"
    row = next(r for r in services if r[0] == "Paspor Baru")
    assert row[2:6] == ["4", "3", "0", "1"]  # issued, served, no-show, transferred
    stacked = (write_csv(rep, tmp_path / "r.csv", "en")).read_text("utf-8-sig")
    assert "By service" in stacked and "Community Satisfaction Survey (SKM)" in stacked
    folder = write_csv(rep, tmp_path / "csvs", "id")
    assert len(list(folder.glob("*.csv"))) == len(names)


def test_xlsx_one_sheet_per_view(rep, tmp_path):
    path = write_xlsx(rep, tmp_path / "r.xlsx", "id")
    wb = load_workbook(path)
    assert wb.sheetnames[:3] == ["Ringkasan", "Per hari", "Per layanan"]
    assert "Survei Kepuasan Masyarakat (SK" in wb.sheetnames[7]
    summary = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=4, values_only=True)}
    assert summary["Tiket diambil"] == 7 and summary["Selesai dilayani"] == 4
    assert summary["Tunggu rata-rata (menit)"] == pytest.approx(595 / 60, abs=0.01)
    assert summary["IKM konversi"] == pytest.approx(89.81)
    skm = [r for r in wb.worksheets[7].iter_rows(values_only=True) if r[0]]
    assert any(r[0] == "IKM konversi (IKM × 25)" and r[1] == "89,81" for r in skm)
    assert any(r[0] == "U9" and r[1] == "Sarana dan Prasarana" for r in skm)


def test_html_is_self_contained_with_skm_layout(rep):
    from reports.html import render_html
    html = render_html(rep, "id")
    assert "<img src='data:image/png;base64," in html
    assert "src='http" not in html and "href='http" not in html
    for text in ("NRR tertimbang (NRR × 1/9)", "89,81", "Sangat Baik", "Sarana dan Prasarana",
                 "Per loket", "Cepat, terima kasih", "U9"):
        assert text in html, text
    english = render_html(rep, "en")
    assert "Weighted NRR" in english and "89.81" in english


def test_pdf_fallback_without_browser(rep, tmp_path):
    path = write_pdf(rep, tmp_path / "r.pdf", "id", force_fallback=True)
    assert path.read_bytes().startswith(b"%PDF")


@browser
def test_pdf_with_chromium(rep, tmp_path):
    path = write_pdf(rep, tmp_path / "r.pdf", "id")
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") >= 2


def test_cli_through_the_antrean_entry_point(scripted_db, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert antrean(["report", "--db", str(scripted_db), "--from", "2025-03-03", "--to",
                    "2025-03-03", "--format", "xlsx", "--out", str(out)]) == 0
    assert out.is_file()
    assert antrean(["report", "--db", str(scripted_db), "--from", "2025-3-x", "--to",
                    "2025-03-03", "--format", "csv", "--out", str(tmp_path / "x")]) == 1
    assert "--from" in capsys.readouterr().err
    assert antrean(["report", "--db", str(tmp_path / "none.db"), "--from", "2025-03-03",
                    "--to", "2025-03-03", "--format", "html", "--out",
                    str(tmp_path / "r.html")]) == 1
    assert "no such database" in capsys.readouterr().err


def test_cli_main_html_and_bad_period(scripted_db, tmp_path):
    args = argparse.Namespace(db=str(scripted_db), config=None, date_from="2025-03-03",
                              date_to="2025-03-03", format="html",
                              out=str(tmp_path / "r.html"))
    assert cli.main(args) == 0 and "Laporan Kinerja Layanan" in (tmp_path / "r.html").read_text()
    args.date_to = "2025-03-01"
    with pytest.raises(UserError):
        cli.main(args)
    args.date_to, args.out = "2025-03-03", str(tmp_path / "no" / "dir" / "r.html")
    with pytest.raises(UserError):
        cli.main(args)


def test_report_page(scripted_db, office, tmp_path):
    status, ctype, body = report_page(scripted_db, office, ReportRequest(DAY, DAY))
    page = body.decode()
    assert status == 200 and ctype.startswith("text/html")
    assert "03/03/2025" in page and "89,81" in page  # the range it was made for, the IKM
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d WIB", page)  # made at, as every screen says
    assert "<form" not in page and "href" not in page  # nothing that would need a secret
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in page_csp()  # its one inline style, allowed
    status, ctype, body = report_page(scripted_db, office, ReportRequest(DAY, DAY, "xlsx"))
    assert status == 200 and "spreadsheet" in ctype and body[:2] == b"PK"
    status, _, body = report_page(scripted_db, office, ReportRequest(DAY, DAY, "csv", "en"))
    assert status == 200 and body[:2] == b"PK"
    status, _, _ = report_page(tmp_path / "missing.db", office, ReportRequest(DAY, DAY))
    assert status == 500


def test_report_request_from_command_args():
    day = DAY.isoformat()
    assert ReportRequest.from_args({"from": day, "to": day, "format": "pdf"}, "id") == \
        ReportRequest(DAY, DAY, "pdf", "id")
    assert ReportRequest.from_args({"from": day, "to": "2025-03-05", "format": "html",
                                    "lang": "en"}, "id").lang == "en"
    for args, bad in (({"from": "nonsense", "to": day, "format": "html"}, "from"),
                      ({"from": day, "to": "2025-03-01", "format": "html"}, "to"),
                      ({"from": day, "to": None, "format": "html"}, "to"),
                      ({"from": day, "to": day, "format": "exe"}, "format"),
                      ({"from": day, "to": day, "format": "html", "lang": "fr"}, "lang")):
        with pytest.raises(ValueError, match=bad):
            ReportRequest.from_args(args, "id")


@browser
@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils")
def test_gallery_writes_every_format(tmp_path):
    from antrean.gallery.reports import render_gallery
    paths = render_gallery(tmp_path, days=1)
    names = {p.name for p in paths}
    assert {"report.csv", "report-csv.zip", "report.xlsx", "report.html", "report.pdf",
            "report-page.png", "report-pdf-1.png"} <= names
    assert all(p.stat().st_size > 0 for p in paths)


@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice")
def test_xlsx_opens_in_libreoffice(rep, tmp_path):
    import subprocess
    path = write_xlsx(rep, tmp_path / "r.xlsx", "id")
    run = subprocess.run(["soffice", "--headless", "--norestore",
                          f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                          "--convert-to", "csv", "--outdir", str(tmp_path / "out"), str(path)],
                         capture_output=True, text=True, timeout=120)
    if "could not be loaded" in run.stdout + run.stderr and not _calc_installed():
        pytest.skip("LibreOffice without Calc")
    text = (tmp_path / "out" / "r.csv").read_text(errors="replace")
    assert "Tiket diambil" in text and "Kantor Imigrasi" in text


def _calc_installed() -> bool:
    from pathlib import Path
    return any(Path(p).exists() for p in ("/usr/lib/libreoffice/program/libsclo.so",))
