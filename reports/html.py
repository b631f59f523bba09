"""The report as one self-contained HTML page (charts embedded as PNG data URIs).

Used as the `--format html` file, as the report page on the server (a one-time link) and
as the source of the PDF (printed by headless Chromium). Numbers are written the way the
reader's language writes them (Indonesian: 1.234 and 12,5).
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from i18n.formats import format_clock
from reports import charts
from reports.report import (
    L,
    Report,
    Table,
    element_names,
    localise,
    minutes,
    signature_lines,
    skm_summary_rows,
    skm_table,
    views,
)


def fmt(value: Any, kind: str, lang: str) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) and kind not in ("pct",):
        text = f"{value:,}"
    elif kind == "pct":
        text = f"{100 * value:.0f}%"
    elif kind in ("min", "hours"):
        text = f"{value:,.1f}"
    elif kind == "num3":
        text = f"{value:,.3f}"
    elif kind in ("num2", "ratio"):
        text = f"{value:,.2f}"
    elif kind == "int" or isinstance(value, int):
        text = f"{int(value):,}"
    else:
        text = f"{value:,.2f}"
    return localise(text, lang)


def _table(table: Table, lang: str, cls: str = "") -> str:
    keep = range(len(table.columns))
    kinds = table.kinds or ["auto"] * len(table.columns)
    head = "".join(f"<th>{escape(table.columns[i])}</th>" for i in keep)
    body = []
    for row in table.rows:
        cells = []
        for n, i in enumerate(keep):
            kind = kinds[i] if i < len(kinds) else "auto"
            num = isinstance(row[i], (int, float)) and not isinstance(row[i], bool)
            tag = "th" if n == 0 else "td"
            cells.append(f"<{tag} class='{'num' if num else ''}'>"
                         f"{escape(fmt(row[i], kind, lang))}</{tag}>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not body:
        body.append(f"<tr><td colspan='{len(keep)}' class='empty'>"
                    f"{escape(L('no_data', lang))}</td></tr>")
    note = f"<p class='note'>{escape(table.note)}</p>" if table.note else ""
    return (f"<table class='{cls}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{note}")


def _img(png: bytes | None, alt: str, cls: str = "") -> str:
    if not png:
        return ""
    data = base64.b64encode(png).decode()
    return (f"<figure class='{cls}'><img src='data:image/png;base64,{data}' "
            f"alt='{escape(alt)}'></figure>")


def _cards(rep: Report, lang: str) -> str:
    s = rep.summary
    ikm = rep.skm
    cards = [
        (L("card_issued", lang), fmt(s.issued, "int", lang), ""),
        (L("card_served", lang), fmt(s.served, "int", lang), ""),
        (L("card_wait", lang), f"{fmt(minutes(s.wait_mean_s), 'min', lang)} "
         f"{L('min_unit', lang)}",
         f"P90 {fmt(minutes(s.wait_p90_s), 'min', lang)} {L('min_unit', lang)}"),
        (L("card_sla", lang), fmt(s.sla_share, "pct", lang), ""),
        (L("card_ikm", lang), fmt(float(ikm.converted_rounded), "num2", lang)
         if ikm.respondents else "–",
         f"{ikm.grade} · {L('grade_' + ikm.grade.lower(), lang)}" if ikm.grade else ""),
    ]
    return "<div class='cards'>" + "".join(
        f"<div class='card'><div class='label'>{escape(a)}</div>"
        f"<div class='big'>{escape(b)}</div><div class='sub'>{escape(c)}</div></div>"
        for a, b, c in cards) + "</div>"


def _signature(rep: Report, lang: str) -> str:
    when, acknowledged, title, name, nip = (escape(x) for x in signature_lines(rep, lang))
    return (f"<div class='signature'><div>{when}</div><div>{acknowledged}</div>"
            f"<div>{title}</div><div class='sign-space'></div>"
            f"<div class='sign-name'>{name}</div><div>{nip}</div></div>")


def _skm_section(rep: Report, lang: str, tables: dict[str, Table]) -> str:
    r = rep.skm
    summary = "".join(f"<tr><th>{escape(a)}</th><td>{escape(b)}</td></tr>"
                      for a, b in skm_summary_rows(r, lang))
    legend = "".join(f"<li><b>U{i}</b> {escape(n)}</li>"
                     for i, n in enumerate(element_names(lang), 1))
    grade_cls = f"grade grade-{(r.grade or 'x').lower()}"
    badge = (f"<div class='{grade_cls}'><div class='letter'>{r.grade}</div>"
             f"<div>{escape(L('grade_' + r.grade.lower(), lang))}</div>"
             f"<div class='score'>{fmt(float(r.converted_rounded), 'num2', lang)}</div></div>"
             if r.grade else "")
    comments = tables["comments"]
    comment_html = ""
    if comments.rows:
        items = "".join(f"<li><span class='meta'>{escape(d)} · {escape(s)}</span> "
                        f"{escape(c)}</li>" for d, s, c in comments.rows[::-1][:40])
        comment_html = f"<h3>{escape(comments.title)}</h3><ul class='comments'>{items}</ul>"
    return (f"<section class='skm'><h2>{escape(L('view_skm', lang))}</h2>"
            f"<div class='skm-top'><div>{_table(skm_table(r, lang, ''), lang, 'skm-t')}"
            f"<table class='skm-sum'>{summary}</table></div>{badge}</div>"
            f"<ol class='legend'>{legend}</ol>"
            f"<p class='note'>{escape(L('skm_method', lang))}</p>"
            f"<h3>{escape(L('view_skm_services', lang))}</h3>"
            f"{_table(tables['skm_services'], lang)}"
            f"<h3>{escape(tables['skm_profile'].title)}</h3>"
            f"{_table(tables['skm_profile'], lang, 'profile')}{comment_html}</section>")


CSS = """
:root { --blue:#1f5fa8; --ink:#1b1f24; --muted:#5b6470; --line:#d9dee5; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink);
       margin: 0; background: #f4f6f9; font-size: 14px; }
main { max-width: 1100px; margin: 0 auto; padding: 0 20px 40px; background: #fff; }
header.top { background: var(--blue); color: #fff; padding: 18px 20px; margin: 0 -20px 16px; }
header.top h1 { margin: 0; font-size: 26px; }
header.top .office { font-size: 16px; opacity: .9; }
header.top .period { font-size: 18px; margin-top: 6px; font-weight: bold; }
header.top .gen { font-size: 12px; opacity: .8; }
form.pick { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; padding: 10px 0 16px;
            border-bottom: 1px solid var(--line); margin-bottom: 16px; }
form.pick label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
form.pick input, form.pick select, form.pick button { font-size: 16px; padding: 6px 10px; }
form.pick button { background: var(--blue); color: #fff; border: 0; border-radius: 4px; }
form.pick a { font-size: 14px; }
.cards { display: grid; grid-template-columns: repeat(5, 1fr); gap: 10px; margin: 6px 0 18px; }
.card { border: 1px solid var(--line); border-top: 4px solid var(--blue); border-radius: 6px;
        padding: 10px 12px; }
.card .label { font-size: 13px; color: var(--muted); }
.card .big { font-size: 28px; font-weight: bold; margin-top: 2px; }
.card .sub { font-size: 12px; color: var(--muted); min-height: 1em; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
figure { margin: 0; break-inside: avoid; }
figure.narrow { max-width: 640px; }
figure img { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
h2 { font-size: 20px; color: var(--blue); border-bottom: 2px solid var(--blue);
     padding-bottom: 4px; margin: 26px 0 10px; break-after: avoid; }
h3 { font-size: 16px; margin: 18px 0 6px; break-after: avoid; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 4px 0; }
thead th { background: var(--blue); color: #fff; font-weight: 600; padding: 6px 6px;
           text-align: right; vertical-align: bottom; }
thead th:first-child { text-align: left; }
tbody th { text-align: left; font-weight: 600; padding: 5px 6px; }
td { padding: 5px 6px; text-align: right; }
tbody tr:nth-child(even) { background: #f1f4f8; }
tbody tr { border-bottom: 1px solid var(--line); break-inside: avoid; }
td.empty { text-align: center; color: var(--muted); padding: 14px; }
.note { font-size: 12px; color: var(--muted); margin: 4px 0 10px; }
section { break-inside: auto; }
.skm-top { display: grid; grid-template-columns: 1fr 170px; gap: 14px; align-items: start; }
table.skm-t td, table.skm-t th { text-align: center; }
table.skm-t tbody th { text-align: left; }
table.skm-sum { width: auto; margin-top: 8px; font-size: 14px; }
table.skm-sum th { text-align: left; padding-right: 18px; }
table.skm-sum td { text-align: left; font-weight: bold; }
.grade { border-radius: 8px; color: #fff; text-align: center; padding: 12px 8px;
         background: #777; }
.grade .letter { font-size: 64px; font-weight: bold; line-height: 1; }
.grade .score { font-size: 22px; font-weight: bold; margin-top: 4px; }
.grade-a { background: #2e8b57; } .grade-b { background: #1f5fa8; }
.grade-c { background: #e07b1a; } .grade-d { background: #c0392b; }
ol.legend { columns: 3; font-size: 12.5px; list-style: none; padding: 0; margin: 8px 0; }
ol.legend li { margin: 2px 0; break-inside: avoid; }
ul.comments { font-size: 13px; columns: 2; padding-left: 18px; }
ul.comments li { margin: 3px 0; break-inside: avoid; }
ul.comments .meta { color: var(--muted); font-size: 11.5px; }
dl.defs dt { font-weight: bold; } dl.defs dd { margin: 0 0 6px; color: var(--muted); }
.error { background: #fdecea; color: #8a1c12; padding: 12px; border-radius: 6px;
         font-size: 16px; }
table.profile { width: auto; min-width: 60%; }
.signature { margin: 28px 0 0 auto; width: 45%; min-width: 280px; font-size: 14px;
             break-inside: avoid; }
.signature .sign-space { height: 64px; }
.signature .sign-name { font-weight: bold; text-decoration: underline; }
@page { size: A4; margin: 12mm 10mm; }
@page wide { size: A4 landscape; margin: 10mm; }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  header.top { margin: 0 0 12px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  thead th, .grade, .card, tbody tr:nth-child(even) { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
  form.pick { display: none; }
  .cards { grid-template-columns: repeat(5, 1fr); }
  .card .big { font-size: 22px; }
  table { font-size: 9pt; }
  tbody th:first-child, thead th:first-child { min-width: 11em; }
  .wide { page: wide; }
  h2 { break-before: auto; }
}
@media screen and (max-width: 760px) { .cards { grid-template-columns: repeat(2, 1fr); }
  .charts { grid-template-columns: 1fr; } .skm-top { grid-template-columns: 1fr; } }
"""


def render_html(rep: Report, lang: str, form: str = "", error: str = "") -> str:
    """The whole page. `form` is the date-picker HTML the server page puts on top."""
    tables = {tb.key: tb for tb in views(rep, lang)}
    pics = charts.all_charts(rep, lang)
    lanes_reg = rep.regular_wait_s
    prio = [r for r in rep.lanes if r.extra.get("priority") and r.stats.calls]
    prio_line = ""
    if lanes_reg and prio:
        parts = ", ".join(f"{r.name} {fmt(minutes(r.stats.wait_mean_s), 'min', lang)}"
                          for r in prio)
        prio_line = (f"<p class='note'>{escape(L('view_lanes', lang))}: "
                     f"{escape(L('wait_mean', lang))} — "
                     f"{escape(next(r.name for r in rep.lanes if not r.extra.get('priority')))}"
                     f" {fmt(minutes(lanes_reg), 'min', lang)}; {escape(parts)}.</p>")
    # dd/mm/yyyy as Indonesians write a date, the time as every screen does ("08:46 WIB")
    period = f"{rep.date_from:%d/%m/%Y}" + ("" if rep.date_from == rep.date_to
                                             else f" – {rep.date_to:%d/%m/%Y}")
    body = [
        "<header class='top'>",
        f"<div class='office'>{escape(rep.office)}</div>",
        f"<h1>{escape(L('title', lang))}</h1>",
        f"<div class='period'>{escape(L('period', lang))}: {escape(period)}</div>",
        f"<div class='gen'>{escape(L('generated', lang))}: "
        f"{rep.generated_at:%d/%m/%Y} "
        f"{format_clock(rep.generated_at, rep.generated_at.tzinfo)}</div></header>",
        form,
        f"<p class='error'>{escape(error)}</p>" if error else "",
        _cards(rep, lang),
        "<div class='charts'>",
        _img(pics.get("hourly"), L("chart_hourly", lang)),
        _img(pics.get("sla"), L("chart_sla", lang)),
        _img(pics.get("lanes"), L("chart_lanes", lang)),
        _img(pics.get("days") or pics.get("skm"),
             L("chart_days" if "days" in pics else "chart_skm", lang)),
        "</div>",
        # the wide tables print on landscape pages (A4 across), at 9 pt
        "<div class='wide'>",
        f"<section><h2>{escape(tables['services'].title)}</h2>"
        f"{_table(tables['services'], lang)}</section>",
        f"<section><h2>{escape(tables['lanes'].title)}</h2>{prio_line}"
        f"{_table(tables['lanes'], lang)}</section>",
        f"<section><h2>{escape(tables['counters'].title)}</h2>"
        f"{_table(tables['counters'], lang)}</section>",
        f"<section><h2>{escape(tables['officers'].title)}</h2>"
        f"{_table(tables['officers'], lang)}</section>",
        f"<section><h2>{escape(tables['days'].title)}</h2>"
        f"{_table(tables['days'], lang)}</section>",
        f"<section><h2>{escape(tables['hourly'].title)}</h2>"
        f"{_table(tables['hourly'], lang)}</section>",
        "</div>",
        _skm_section(rep, lang, tables),
        _img(pics.get("skm") if "days" in pics else None, L("chart_skm", lang), "narrow"),
        _signature(rep, lang),
        f"<section><h2>{escape(L('definitions', lang))}</h2><dl class='defs'>"
        + "".join(f"<dt>{escape(L(k, lang))}</dt><dd>{escape(L(d, lang))}</dd>"
                  for k, d in (("wait_mean", "def_wait"), ("svc_mean", "def_service"),
                               ("sla_share", "def_sla"), ("wait_p90", "def_pct"),
                               ("utilisation", "utilisation_note")))
        + "</dl></section>",
    ]
    title = f"{L('title', lang)} — {rep.office} — {period}"
    return (f"<!DOCTYPE html><html lang='{escape(lang)}'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{CSS}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>")
