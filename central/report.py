"""The directorate's report: every office side by side, from the central PostgreSQL.

Counts, the share within target and the SKM/IKM come from the offices' day aggregates —
each office's own report fold (reports/kpi.py), so an office's row here equals its own
report — and the waits' median and p90 from the ticket facts, computed by PostgreSQL in
one pass (`GROUPING SETS`) with the office report's definitions: the median of the whole
seconds (halfway between the middle two), p90 the nearest rank. National figures are over
every visit of every office, not an average of the offices.

Outputs: XLSX (one sheet per view, the office report's cell styles), HTML (the office
report's page style and chart style) and PDF (that HTML printed by headless Chromium).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

import psycopg

from central.schema import require_current
from i18n import t
from reports import kpi, skm
from reports.report import Table, minutes

WORST = 10  # offices in the "worst waiting" view
COUNT_METRICS = ("issued", "served", "no_show", "calls", "within_target", "wait_sum",
                 "skm_n", *(f"skm_u{i}" for i in range(1, 10)))


def C(key: str, lang: str, **kw: Any) -> str:
    return t(f"central.{key}", lang, **kw)


def R(key: str, lang: str, **kw: Any) -> str:
    return t(f"report.{key}", lang, **kw)


@dataclass
class Figures:
    """One row of the report: an office, a service or lane of one, or a national total."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    calls: int = 0
    within_target: int = 0
    wait_p50_s: float | None = None
    wait_p90_s: float | None = None

    @property
    def sla_share(self) -> float | None:
        return self.within_target / self.calls if self.calls else None


@dataclass
class OfficeRow:
    office: str
    name: str
    total: Figures
    services: dict[str, Figures] = field(default_factory=dict)
    lanes: dict[str, Figures] = field(default_factory=dict)
    skm: skm.SkmResult = field(default_factory=lambda: skm.from_sums(0, [0] * 9))
    days: int = 0


@dataclass
class CentralReport:
    date_from: date
    date_to: date
    generated_at: datetime
    offices: list[OfficeRow]
    national: Figures
    national_services: dict[str, Figures]
    national_lanes: dict[str, Figures]
    national_skm: skm.SkmResult

    def worst(self, n: int = WORST) -> list[OfficeRow]:
        waited = [o for o in self.offices if o.total.wait_p90_s is not None]
        return sorted(waited, key=lambda o: (-(o.total.wait_p90_s or 0),
                                             o.total.sla_share or 0))[:n]


def _figures(agg: kpi.Agg, match: Any) -> Figures:
    s = kpi.stats(agg, match)
    return Figures(s.issued, s.served, s.no_show, s.calls, s.within_target)


def build(conn: psycopg.Connection, date_from: date, date_to: date,
          now: datetime | None = None) -> CentralReport:
    """Read the period from the centre and put the report together."""
    if date_to < date_from:
        raise ValueError("the period ends before it starts")
    require_current(conn)
    period = (date_from, date_to)
    names = dict(conn.execute("SELECT office, name FROM offices").fetchall())
    aggs: dict[str, kpi.Agg] = {}
    days: dict[str, int] = {}
    for office, scope, lane, metric, value in conn.execute(
            "SELECT office, scope, lane, metric, sum(value) FROM day_aggregates "
            "WHERE day BETWEEN %s AND %s AND metric = ANY(%s) "
            "GROUP BY office, scope, lane, metric", (*period, list(COUNT_METRICS))):
        aggs.setdefault(office, {})[(scope, lane, metric)] = value
    for office, n in conn.execute("SELECT office, count(*) FROM office_days WHERE day "
                                  "BETWEEN %s AND %s GROUP BY office", period):
        days[office] = n
    ticket = kpi.is_ticket_scope
    offices: dict[str, OfficeRow] = {}
    for office in sorted(set(aggs) | set(days)):
        agg = aggs.get(office, {})
        row = OfficeRow(office, names.get(office, office), _figures(agg, ticket),
                        days=days.get(office, 0))
        for sid in sorted({k[0] for k in agg if ticket(k[0], k[1])}):
            row.services[sid] = _figures(agg, lambda s, ln, sid=sid: ticket(s, ln) and s == sid)
        for lid in sorted({k[1] for k in agg if ticket(k[0], k[1])}):
            row.lanes[lid] = _figures(agg, lambda s, ln, lid=lid: ticket(s, ln) and ln == lid)
        n, sums = kpi.skm_totals(agg)
        row.skm = skm.from_sums(n, sums, row.total.served)
        offices[office] = row
    every: kpi.Agg = kpi.merge(aggs.values())
    national = _figures(every, ticket)
    nat_services = {sid: _figures(every, lambda s, ln, sid=sid: ticket(s, ln) and s == sid)
                    for sid in sorted({k[0] for k in every if ticket(k[0], k[1])})}
    nat_lanes = {lid: _figures(every, lambda s, ln, lid=lid: ticket(s, ln) and ln == lid)
                 for lid in sorted({k[1] for k in every if ticket(k[0], k[1])})}
    n, sums = kpi.skm_totals(every)
    # the waits: one scan of the period's facts, every grouping at once
    for office, service, lane, g_office, g_service, g_lane, p50, p90 in conn.execute(
            "SELECT office, service, lane, GROUPING(office), GROUPING(service), "
            "GROUPING(lane), percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_s), "
            "percentile_disc(0.9) WITHIN GROUP (ORDER BY wait_s) FROM ticket_facts "
            "WHERE day BETWEEN %s AND %s AND wait_s IS NOT NULL GROUP BY GROUPING SETS "
            "((office), (office, service), (office, lane), (service), (lane), ())", period):
        if g_office:  # national
            target = (national if g_service and g_lane else
                      nat_services.get(service) if not g_service else nat_lanes.get(lane))
        else:
            row = offices.get(office)
            if row is None:
                continue
            target = (row.total if g_service and g_lane else
                      row.services.get(service) if not g_service else row.lanes.get(lane))
        if target is not None:
            target.wait_p50_s, target.wait_p90_s = float(p50), float(p90)
    return CentralReport(date_from, date_to, now or datetime.now().astimezone(),
                         list(offices.values()), national, nat_services, nat_lanes,
                         skm.from_sums(n, sums, national.served))


# ---------------------------------------------------------------------- views
def _cols(lang: str) -> tuple[list[str], list[str]]:
    return ([R("issued", lang), R("served", lang), R("no_show", lang),
             R("wait_median", lang), R("wait_p90", lang), R("sla_share", lang)],
            ["int", "int", "int", "min", "min", "pct"])


def _vals(f: Figures) -> list[Any]:
    return [f.issued, f.served, f.no_show, minutes(f.wait_p50_s), minutes(f.wait_p90_s),
            f.sla_share]


def _ikm(r: skm.SkmResult, lang: str) -> list[Any]:
    if not r.respondents:
        return [0, None, "", R("sample_short", lang) if r.population else ""]
    return [r.respondents, float(r.converted_rounded), r.grade,
            R("sample_ok" if r.sample_reached else "sample_short", lang)]


def views(rep: CentralReport, lang: str) -> list[Table]:
    cols, kinds = _cols(lang)
    ikm_cols = [R("respondents", lang), R("ikm_converted", lang), R("skm_grade", lang),
                R("sample_reached", lang)]
    ikm_kinds = ["int", "num2", "text", "text"]
    offices = Table("offices", C("view_offices", lang),
                    [R("office", lang), *cols, *ikm_cols], [
                        [o.name, *_vals(o.total), *_ikm(o.skm, lang)] for o in rep.offices]
                    + [[C("national", lang), *_vals(rep.national),
                        *_ikm(rep.national_skm, lang)]],
                    ["text", *kinds, *ikm_kinds])
    by_service = Table("services", C("view_services", lang),
                       [R("office", lang), R("service", lang), *cols],
                       [[o.name, sid, *_vals(f)] for o in rep.offices
                        for sid, f in o.services.items()]
                       + [[C("national", lang), sid, *_vals(f)]
                          for sid, f in rep.national_services.items()],
                       ["text", "text", *kinds])
    by_lane = Table("lanes", C("view_lanes", lang), [R("office", lang), R("lane", lang), *cols],
                    [[o.name, lid, *_vals(f)] for o in rep.offices
                     for lid, f in o.lanes.items()]
                    + [[C("national", lang), lid, *_vals(f)]
                       for lid, f in rep.national_lanes.items()],
                    ["text", "text", *kinds])
    worst = Table("worst", C("view_worst", lang), [R("office", lang), *cols],
                  [[o.name, *_vals(o.total)] for o in rep.worst()], ["text", *kinds],
                  note=C("worst_note", lang))
    return [offices, worst, by_service, by_lane]


# ---------------------------------------------------------------------- charts
def chart_worst(rep: CentralReport, lang: str) -> bytes | None:
    from reports import charts  # the office report's chart style (rcParams, colours)
    worst = rep.worst(15)
    if not worst:
        return None
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.2, 0.35 * len(worst) + 1.4))
    names = [n if len(n) <= 28 else n[:27] + "…" for n in (o.name for o in worst)]
    p90 = [(o.total.wait_p90_s or 0) / 60 for o in worst]
    p50 = [(o.total.wait_p50_s or 0) / 60 for o in worst]
    ys = list(range(len(worst)))[::-1]
    ax.barh(ys, p90, color=charts.ORANGE, label=R("wait_p90", lang))
    ax.barh(ys, p50, color=charts.BLUE, height=0.5, label=R("wait_median", lang))
    ax.set_yticks(ys, names)
    ax.set_xlabel(R("axis_minutes", lang))
    ax.set_title(C("view_worst", lang))
    ax.legend(loc="lower right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=charts.DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


# ---------------------------------------------------------------------- outputs
def render_html(rep: CentralReport, lang: str) -> str:
    from reports.html import CSS, fmt
    period = f"{rep.date_from:%d-%m-%Y} – {rep.date_to:%d-%m-%Y}"
    parts = ["<header class='top'>", f"<div class='office'>{escape(C('directorate', lang))}"
             "</div>", f"<h1>{escape(C('title', lang))}</h1>",
             f"<div class='period'>{escape(R('period', lang))}: {escape(period)}</div>",
             f"<div class='gen'>{escape(R('generated', lang))}: "
             f"{rep.generated_at:%d-%m-%Y %H:%M}</div></header>"]
    n = rep.national
    cards = [(R("card_issued", lang), fmt(n.issued, "int", lang)),
             (R("card_served", lang), fmt(n.served, "int", lang)),
             (R("wait_p90", lang), f"{fmt(minutes(n.wait_p90_s), 'min', lang)} "
              f"{R('min_unit', lang)}"),
             (R("card_sla", lang), fmt(n.sla_share, "pct", lang)),
             (R("card_ikm", lang), fmt(float(rep.national_skm.converted_rounded), "num2", lang)
              if rep.national_skm.respondents else "–")]
    parts.append("<div class='cards'>" + "".join(
        f"<div class='card'><div class='label'>{escape(a)}</div><div class='big'>"
        f"{escape(b)}</div><div class='sub'></div></div>" for a, b in cards) + "</div>")
    png = chart_worst(rep, lang)
    if png:
        parts.append(f"<figure><img src='data:image/png;base64,{base64.b64encode(png).decode()}'"
                     f" alt='{escape(C('view_worst', lang))}'></figure>")
    for table in views(rep, lang):
        kinds = table.kinds or ["auto"] * len(table.columns)
        head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
        body = "".join(
            "<tr>" + "".join(
                f"<{'th' if i == 0 else 'td'} class='{'num' if kinds[i] != 'text' else ''}'>"
                f"{escape(fmt(v, kinds[i], lang))}</{'th' if i == 0 else 'td'}>"
                for i, v in enumerate(row)) + "</tr>" for row in table.rows) or (
            f"<tr><td colspan='{len(table.columns)}' class='empty'>"
            f"{escape(R('no_data', lang))}</td></tr>")
        note = f"<p class='note'>{escape(table.note)}</p>" if table.note else ""
        parts.append(f"<section><h2>{escape(table.title)}</h2><table><thead><tr>{head}</tr>"
                     f"</thead><tbody>{body}</tbody></table>{note}</section>")
    title = f"{C('title', lang)} — {period}"
    return (f"<!DOCTYPE html><html lang='{escape(lang)}'><head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title><style>{CSS}</style></head>"
            f"<body><main>{''.join(parts)}</main></body></html>")


def write_xlsx(rep: CentralReport, out: Path, lang: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    from reports.render import FORMATS, HEAD_FILL, HEAD_FONT, TITLE_FONT, xlsx_cell
    wb = Workbook()
    wb.remove(wb.active)
    for table in views(rep, lang):
        ws = wb.create_sheet(table.title[:31])
        xlsx_cell(ws, 1, 1, table.title).font = TITLE_FONT
        for c, col in enumerate(table.columns, 1):
            cell = xlsx_cell(ws, 3, c, col)
            cell.fill, cell.font = HEAD_FILL, HEAD_FONT
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for r, row in enumerate(table.rows, 4):
            for c, (value, kind) in enumerate(zip(row, table.kinds, strict=False), 1):
                cell = xlsx_cell(ws, r, c, value)
                if kind in FORMATS and isinstance(value, (int, float)):
                    cell.number_format = FORMATS[kind]
        if table.note:
            xlsx_cell(ws, len(table.rows) + 5, 1, table.note)
        ws.freeze_panes = ws.cell(4, 2)
    wb.properties.title = C("title", lang)
    wb.save(out)
    return Path(out)


def write_pdf(rep: CentralReport, out: Path, lang: str) -> Path:
    from reports.pdf import chromium_available, html_to_pdf
    if not chromium_available():
        raise RuntimeError("the PDF is printed by headless Chromium, which is not installed "
                           "here: use --format html or xlsx")
    return html_to_pdf(render_html(rep, lang), Path(out))


WRITERS = {"xlsx": write_xlsx, "pdf": write_pdf,
           "html": lambda rep, out, lang: _write_text(out, render_html(rep, lang))}


def _write_text(out: Path, text: str) -> Path:
    Path(out).write_text(text, encoding="utf-8")
    return Path(out)
