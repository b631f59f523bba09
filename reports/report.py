"""The office report as data: KPIs and SKM of a period, and its views as tables.

`build_report` reads a period from the database (raw events for kept days, aggregates for
purged days), folds each day (reports.kpi) and derives every view. `views` turns a Report
into language-specific tables that every output format (CSV, XLSX, HTML, PDF) shares, so
the formats can never disagree on a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from config.office import OfficeConfig, ReportSigner
from i18n import t
from i18n.formats import format_day
from reports import kpi, skm
from reports.kpi import Agg, Stats
from reports.source import connect_ro, read_period

MAX_DAYS = 366 * 3


@dataclass
class Row:
    key: str
    name: str
    stats: Stats
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    office: str
    date_from: date
    date_to: date
    generated_at: datetime
    total: Agg
    summary: Stats
    days: list[Row]
    services: list[Row]
    lanes: list[Row]
    counters: list[Row]
    officers: list[Row]
    hourly: list[kpi.Hour]
    skm: skm.SkmResult
    skm_services: list[tuple[str, str, skm.SkmResult]]
    comments: list[tuple[str, str, str]]  # (day, service name, comment)
    purged_days: list[str]
    profile: dict[str, dict[str, int]]  # respondents by profile field and code
    signer: ReportSigner

    @property
    def regular_wait_s(self) -> float | None:
        regular = [r for r in self.lanes if not r.extra.get("priority")]
        return regular[0].stats.wait_mean_s if regular else None


def _days(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


def build_report(db_path: str | Path, config: OfficeConfig, date_from: date, date_to: date,
                 now: datetime | None = None, lang: str | None = None) -> Report:
    if date_to < date_from:
        raise ValueError("the period ends before it starts")
    if (date_to - date_from).days > MAX_DAYS:
        raise ValueError(f"the period is longer than {MAX_DAYS} days")
    lang = lang or config.default_language
    now = now or datetime.now(config.tz)
    db = connect_ro(db_path)
    try:
        data = read_period(db, date_from, date_to)
    finally:
        db.conn.close()
    per_day: list[tuple[date, Agg, bool]] = []
    for day in _days(date_from, date_to):
        iso = day.isoformat()
        if iso in data.aggregates:
            per_day.append((day, data.aggregates[iso], True))
        else:
            agg = kpi.fold_day(day, kpi.day_events(data.events, day), config, until=now)
            per_day.append((day, agg, False))
    total = kpi.merge(a for _, a, _ in per_day)
    return _derive(config, lang, date_from, date_to, now, per_day, total, data)


def _derive(config: OfficeConfig, lang: str, date_from: date, date_to: date, now: datetime,
            per_day: list[tuple[date, Agg, bool]], total: Agg, data: Any) -> Report:
    ticket = kpi.is_ticket_scope
    svc_names = {s.id: s.name.get(lang) for s in config.services}
    lane_cfg = {lane.id: lane for lane in config.lanes}
    seen_services = {k[0] for k in total if ticket(k[0], k[1])}
    services = [Row(sid, svc_names.get(sid, sid),
                    kpi.stats(total, lambda s, ln, sid=sid: ticket(s, ln) and s == sid),
                    {"target_min": config.service(sid).target_wait_minutes
                     if config.service(sid) else None})
                for sid in [s.id for s in config.services] + sorted(seen_services - set(svc_names))
                if sid in seen_services]
    seen_lanes = {k[1] for k in total if ticket(k[0], k[1])}
    lanes = [Row(lid, lane_cfg[lid].name.get(lang) if lid in lane_cfg else lid,
                 kpi.stats(total, lambda s, ln, lid=lid: ticket(s, ln) and ln == lid),
                 {"priority": bool(lane_cfg[lid].priority) if lid in lane_cfg else False})
             for lid in [lane.id for lane in config.lanes] + sorted(seen_lanes - set(lane_cfg))
             if lid in seen_lanes]
    counter_names = {c.id: c.name for c in config.counters}
    counters = [Row(cid, counter_names.get(cid, cid),
                    kpi.stats(total, lambda s, ln, cid=cid: s == kpi.counter_scope(cid)))
                for cid in sorted(kpi.scopes(total, "counter:"),
                                  key=lambda c: ([x.id for x in config.counters] + [c]).index(c))]
    officers = [Row(oid, data.officer_names.get(oid, oid),
                    kpi.stats(total, lambda s, ln, oid=oid: s == kpi.officer_scope(oid)))
                for oid in kpi.scopes(total, "officer:")]
    days = [Row(day.isoformat(), day.isoformat(), kpi.stats(agg, ticket), {"purged": purged})
            for day, agg, purged in per_day]
    summary = kpi.stats(total, ticket)
    n, sums = kpi.skm_totals(total)
    overall = skm.from_sums(n, sums, summary.served)
    skm_services = []
    for row in services:
        sn, ssums = kpi.skm_totals(total, row.key)
        if sn:
            skm_services.append((row.key, row.name, skm.from_sums(sn, ssums, row.stats.served)))
    kept = {d.isoformat() for d, _, purged in per_day if not purged}
    comments = [(ev.data.get("day") or ev.day, svc_names.get(ev.data.get("service"), "?"),
                 str(ev.data.get("comment")).strip())
                for ev in data.events if ev.name == "survey_submitted"
                and (ev.data.get("day") or ev.day) in kept and str(ev.data.get("comment") or "")
                .strip()]
    return Report(config.office.name, date_from, date_to, now, total, summary, days, services,
                  lanes, counters, officers, kpi.hourly(total), overall, skm_services,
                  comments, [d.isoformat() for d, _, p in per_day if p],
                  kpi.skm_profile(total), config.report)


# ---------------------------------------------------------------------- views
@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    # per column: "int", "min" (minutes, 1 decimal), "pct" (0–1), "num3", "text"
    kinds: list[str] = field(default_factory=list)
    note: str = ""


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def L(key: str, lang: str, **kw: Any) -> str:
    return t(f"report.{key}", lang, **kw)


def _stats_cols(lang: str, *, outcomes: bool = True, waits: bool = True,
                service: bool = True) -> tuple[list[str], list[str]]:
    cols, kinds = [], []
    if outcomes:
        cols += [L(k, lang) for k in ("issued", "served", "no_show", "transferred",
                                      "cancelled", "expired")]
        kinds += ["int"] * 6
    if waits:
        cols += [L(k, lang) for k in ("calls", "wait_mean", "wait_median", "wait_p90",
                                      "wait_max", "sla_share")]
        kinds += ["int", "min", "min", "min", "min", "pct"]
    if service:
        cols += [L(k, lang) for k in ("svc_mean", "svc_median", "svc_p90", "svc_max")]
        kinds += ["min"] * 4
    return cols, kinds


def _stats_vals(s: Stats, *, outcomes: bool = True, waits: bool = True,
                service: bool = True) -> list[Any]:
    vals: list[Any] = []
    if outcomes:
        vals += [s.issued, s.served, s.no_show, s.transferred, s.cancelled, s.expired]
    if waits:
        vals += [s.calls, minutes(s.wait_mean_s), minutes(s.wait_median_s),
                 minutes(s.wait_p90_s), minutes(s.wait_max_s), s.sla_share]
    if service:
        vals += [minutes(s.svc_mean_s), minutes(s.svc_median_s), minutes(s.svc_p90_s),
                 minutes(s.svc_max_s)]
    return vals


def views(rep: Report, lang: str) -> list[Table]:
    """Every view of the report, as plain tables (one sheet / CSV / HTML table each)."""
    out: list[Table] = []
    s = rep.summary
    out.append(Table("summary", L("view_summary", lang), [L("measure", lang), L("value", lang)], [
        [L("office", lang), rep.office],
        [L("period", lang), f"{rep.date_from.isoformat()} – {rep.date_to.isoformat()}"],
        [L("issued", lang), s.issued], [L("served", lang), s.served],
        [L("no_show", lang), s.no_show], [L("transferred", lang), s.transferred],
        [L("cancelled", lang), s.cancelled], [L("expired", lang), s.expired],
        [L("calls", lang), s.calls],
        [L("wait_mean", lang), minutes(s.wait_mean_s)],
        [L("wait_median", lang), minutes(s.wait_median_s)],
        [L("wait_p90", lang), minutes(s.wait_p90_s)],
        [L("wait_max", lang), minutes(s.wait_max_s)],
        [L("sla_share", lang), s.sla_share],
        [L("svc_mean", lang), minutes(s.svc_mean_s)],
        [L("svc_median", lang), minutes(s.svc_median_s)],
        [L("svc_p90", lang), minutes(s.svc_p90_s)],
        [L("svc_max", lang), minutes(s.svc_max_s)],
        [L("ikm_converted", lang), float(rep.skm.converted_rounded) if rep.skm.respondents
         else None],
        [L("skm_grade", lang), _grade_text(rep.skm, lang)],
        [L("respondents", lang), rep.skm.respondents],
    ], ["text", "auto"]))
    cols, kinds = _stats_cols(lang)
    out.append(Table("days", L("view_days", lang), [L("day", lang), *cols],
                     [[r.name + (" *" if r.extra.get("purged") else ""), *_stats_vals(r.stats)]
                      for r in rep.days], ["text", *kinds],
                     L("purged_note", lang) if rep.purged_days else ""))
    out.append(Table("services", L("view_services", lang),
                     [L("service", lang), L("target", lang), *cols],
                     [[r.name, r.extra.get("target_min"), *_stats_vals(r.stats)]
                      for r in rep.services], ["text", "int", *kinds]))
    reg = rep.regular_wait_s
    out.append(Table("lanes", L("view_lanes", lang),
                     [L("lane", lang), L("priority", lang), *cols, L("vs_regular", lang)],
                     [[r.name, L("yes" if r.extra["priority"] else "no", lang),
                       *_stats_vals(r.stats),
                       (r.stats.wait_mean_s / reg) if reg and r.stats.wait_mean_s is not None
                       else None] for r in rep.lanes],
                     ["text", "text", *kinds, "ratio"], L("vs_regular_note", lang)))
    dcols, dkinds = _stats_cols(lang, outcomes=False, waits=False)
    desk = [L("calls", lang), L("served", lang), L("no_show", lang), L("transferred", lang)]
    out.append(Table("counters", L("view_counters", lang),
                     [L("counter", lang), *desk, *dcols, L("open_time", lang),
                      L("serving_time", lang), L("utilisation", lang)],
                     [[r.name, r.stats.calls, r.stats.served, r.stats.no_show,
                       r.stats.transferred, *_stats_vals(r.stats, outcomes=False, waits=False),
                       round(r.stats.open_s / 3600, 2), round(r.stats.serving_s / 3600, 2),
                       r.stats.utilisation] for r in rep.counters],
                     ["text", "int", "int", "int", "int", *dkinds, "hours", "hours", "pct"],
                     L("utilisation_note", lang)))
    out.append(Table("officers", L("view_officers", lang),
                     [L("officer", lang), *desk, *dcols],
                     [[r.name, r.stats.calls, r.stats.served, r.stats.no_show,
                       r.stats.transferred, *_stats_vals(r.stats, outcomes=False, waits=False)]
                      for r in rep.officers], ["text", "int", "int", "int", "int", *dkinds]))
    out.append(Table("hourly", L("view_hourly", lang),
                     [L("hour", lang), L("arrivals", lang), L("visits", lang),
                      L("wait_mean", lang), L("wait_median", lang), L("wait_p90", lang)],
                     [[f"{h.hour:02d}:00–{h.hour + 1:02d}:00", h.arrivals, h.visits,
                       minutes(h.wait_mean_s), minutes(h.wait_median_s),
                       minutes(h.wait_p90_s)] for h in rep.hourly],
                     ["text", "int", "int", "min", "min", "min"]))
    out.append(skm_table(rep.skm, lang, L("view_skm", lang)))
    out.append(Table("skm_services", L("view_skm_services", lang),
                     [L("service", lang), L("respondents", lang), L("ikm", lang),
                      L("ikm_converted", lang), L("skm_grade", lang), L("population", lang),
                      L("min_sample", lang), L("sample_reached", lang)],
                     [[name, r.respondents, float(r.ikm), float(r.converted_rounded),
                       _grade_text(r, lang), r.population, r.min_sample,
                       L("yes" if r.sample_reached else "no", lang)]
                      for _, name, r in rep.skm_services],
                     ["text", "int", "num3", "num2", "text", "int", "int", "text"]))
    out.append(profile_table(rep, lang))
    out.append(Table("comments", L("view_comments", lang),
                     [L("day", lang), L("service", lang), L("comment", lang)],
                     [list(c) for c in rep.comments], ["text", "text", "text"]))
    return out


def profile_table(rep: Report, lang: str) -> Table:
    """Respondents by age group, gender, education and occupation (PermenPAN-RB 14/2017's
    respondent characteristics): count and share of the respondents, per answer."""
    n = rep.skm.respondents
    rows = [[L(f"profile_{field}", lang) if i == 0 else "", L(f"profile_{field}_{code}", lang),
             count, count / n if n else None]
            for field, counts in rep.profile.items()
            for i, (code, count) in enumerate(counts.items())]
    return Table("skm_profile", L("view_skm_profile", lang),
                 [L("profile_question", lang), L("profile_answer", lang),
                  L("respondents", lang), L("share", lang)], rows,
                 ["text", "text", "int", "pct"], L("profile_note", lang))


def signature_lines(rep: Report, lang: str) -> tuple[str, str, str, str, str]:
    """The block a report sent upward ends with: place and date, "Mengetahui,", the
    signer's title, then (after room to sign) name and NIP; blank to fill by hand if the
    office's TOML leaves them unset."""
    signer = rep.signer
    place = f"{signer.place}, " if signer.place else ""
    return (place + format_day(rep.generated_at.date(), lang), L("sign_acknowledged", lang),
            signer.title.get(lang), signer.name or "_" * 30,
            f"{L('sign_nip', lang)} {signer.nip or '_' * 20}")


GRADE_LABELS = {"A": "grade_a", "B": "grade_b", "C": "grade_c", "D": "grade_d"}


def _grade_text(r: skm.SkmResult, lang: str) -> str:
    g = r.grade
    return f"{g} ({L(GRADE_LABELS[g], lang)})" if g else "–"


def skm_table(r: skm.SkmResult, lang: str, title: str) -> Table:
    """The SKM table in the layout offices publish: elements across, then the index."""
    units = [f"U{i}" for i in range(1, 10)]
    rows: list[list[Any]] = [
        [L("skm_sum", lang), *r.sums],
        [L("skm_nrr", lang), *[float(v) for v in r.nrr]],
        [L("skm_weighted", lang), *[float(v) for v in r.weighted]],
        [L("skm_element_grade", lang), *[r.element_grade(i) or "–" for i in range(9)]],
    ]
    return Table("skm", title, [L("skm_element", lang), *units], rows,
                 ["text", *["num3"] * 9],
                 L("skm_note", lang, n=r.respondents, population=r.population,
                   min_sample=r.min_sample,
                   reached=L("yes" if r.sample_reached else "no", lang)))


def skm_summary_rows(r: skm.SkmResult, lang: str) -> list[tuple[str, str]]:
    """The lines under the element table: IKM, converted, grade, respondents, sample."""
    if not r.respondents:
        return [(L("respondents", lang), "0")]
    return [
        (L("ikm", lang) + " (Σ NRR × 1/9)", localise(f"{float(r.ikm):.3f}", lang)),
        (L("ikm_converted", lang) + " (IKM × 25)",
         localise(f"{float(r.converted_rounded):.2f}", lang)),
        (L("skm_grade", lang), _grade_text(r, lang)),
        (L("respondents", lang), str(r.respondents)),
        (L("population", lang), str(r.population)),
        (L("min_sample", lang), f"{r.min_sample} — "
         + L("sample_ok" if r.sample_reached else "sample_short", lang)),
    ]


def localise(text: str, lang: str) -> str:
    """Indonesian writes 1.234,5 where English writes 1,234.5."""
    if lang == "id":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def element_names(lang: str) -> list[str]:
    return [L(f"u{i}", lang) for i in range(1, 10)]
