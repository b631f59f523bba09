"""The report's charts (matplotlib, Agg backend — no display needed), as PNG bytes.

Each function takes a Report and a language and returns a PNG, or None when there is
nothing to draw. Big type and a few strong colours: these are read printed on A4 or on a
laptop by an office head, not studied by an analyst.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from reports.report import L, Report, localise  # noqa: E402

BLUE, ORANGE, GREEN, RED, GREY = "#1f5fa8", "#e07b1a", "#2e8b57", "#c0392b", "#8a8f98"
DPI = 150

# text.parse_math off: names from the office's TOML are drawn as they are written; a
# "$...$" in one would otherwise be parsed as mathtext, and a bad one fails the report.
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 11, "axes.titlesize": 13,
                     "axes.titleweight": "bold", "axes.spines.top": False,
                     "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.25,
                     "svg.fonttype": "path", "text.parse_math": False})


def _short(name: str, width: int = 22) -> str:
    return name if len(name) <= width else name[:width - 1].rstrip() + "…"


def _legend_below(ax: Axes, handles: list, labels: list) -> None:
    """The legend under the plot, in one row: it never covers a bar or a point."""
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncols=len(labels), frameon=False)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def hourly(rep: Report, lang: str) -> bytes | None:
    rows = rep.hourly
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    hours = [h.hour for h in rows]
    ax.bar(hours, [h.arrivals for h in rows], color=BLUE, width=0.7, label=L("arrivals", lang))
    ax.set_ylabel(L("axis_people", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xticks(hours, [f"{h:02d}" for h in hours])
    ax.set_xlabel(L("hour", lang))
    ax2 = ax.twinx()
    waits = [(h.hour, h.wait_mean_s / 60) for h in rows if h.wait_mean_s is not None]
    ax2.plot([h for h, _ in waits], [w for _, w in waits], color=ORANGE, marker="o",
             linewidth=2.5, label=L("wait_mean", lang))
    ax2.set_ylabel(L("axis_minutes", lang))
    ax2.set_ylim(bottom=0)
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    _legend_below(ax, lines[0] + lines2[0], lines[1] + lines2[1])
    ax.set_title(L("chart_hourly", lang), loc="left")
    return _png(fig)


def lanes(rep: Report, lang: str) -> bytes | None:
    rows = [r for r in rep.lanes if r.stats.calls]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    names = [r.name for r in rows][::-1]
    mean = [(r.stats.wait_mean_s or 0) / 60 for r in rows][::-1]
    p90 = [(r.stats.wait_p90_s or 0) / 60 for r in rows][::-1]
    colors = [ORANGE if r.extra.get("priority") else BLUE for r in rows][::-1]
    y = range(len(rows))
    ax.barh([i + 0.2 for i in y], mean, height=0.38, color=colors, label=L("mean", lang))
    ax.barh([i - 0.2 for i in y], p90, height=0.38, color=colors, alpha=0.4,
            label=L("p90", lang))
    for i, (m, p) in enumerate(zip(mean, p90, strict=True)):
        ax.text(m + 0.5, i + 0.2, f"{m:.0f}", va="center", fontsize=10)
        ax.text(p + 0.5, i - 0.2, f"{p:.0f}", va="center", fontsize=10, color=GREY)
    ax.set_yticks(list(y), [_short(n) for n in names])
    ax.set_xlabel(L("axis_minutes", lang))
    _legend_below(ax, *ax.get_legend_handles_labels())
    ax.set_title(L("chart_lanes", lang), loc="left")
    ax.grid(axis="y", visible=False)
    return _png(fig)


def sla(rep: Report, lang: str) -> bytes | None:
    rows = [r for r in rep.services if r.stats.calls]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    names = [f"{_short(r.name)}\n≤ {r.extra.get('target_min')} {L('min_unit', lang)}"
             for r in rows][::-1]
    share = [100 * (r.stats.sla_share or 0) for r in rows][::-1]
    colors = [GREEN if s >= 80 else ORANGE if s >= 60 else RED for s in share]
    ax.barh(range(len(rows)), share, color=colors, height=0.6)
    for i, s in enumerate(share):
        ax.text(min(s + 1.5, 92), i, f"{s:.0f}%", va="center", fontsize=11, fontweight="bold")
    ax.axvline(80, color=GREY, linestyle="--", linewidth=1)
    ax.set_xlim(0, 100)
    ax.set_yticks(range(len(rows)), names)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    ax.set_xlabel(L("axis_share", lang))
    ax.set_title(L("chart_sla", lang), loc="left")
    ax.grid(axis="y", visible=False)
    return _png(fig)


def days(rep: Report, lang: str) -> bytes | None:
    rows = [r for r in rep.days if r.stats.issued]
    if len(rows) < 2:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r.stats.issued for r in rows], width=0.4, color=BLUE,
           label=L("issued", lang))
    ax.bar([i + 0.2 for i in x], [r.stats.served for r in rows], width=0.4, color=GREEN,
           label=L("served", lang))
    ax.set_xticks(list(x), [r.name[5:] for r in rows])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend_below(ax, *ax.get_legend_handles_labels())
    ax.set_title(L("chart_days", lang), loc="left")
    return _png(fig)


def skm_elements(rep: Report, lang: str) -> bytes | None:
    r = rep.skm
    if not r.respondents:
        return None
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    nrr = [float(v) for v in r.nrr]
    colors = [GREEN if v * 25 >= 88.31 else BLUE if v * 25 >= 76.61 else ORANGE
              for v in nrr]
    ax.bar(range(1, 10), nrr, color=colors, width=0.65)
    for i, v in enumerate(nrr, 1):
        ax.text(i, v + 0.05, localise(f"{v:.2f}", lang), ha="center", fontsize=10)
    ax.set_ylim(1, 4.3)
    ax.set_xticks(range(1, 10), [f"U{i}" for i in range(1, 10)])
    ax.set_title(L("chart_skm", lang), loc="left")
    ax.grid(axis="x", visible=False)
    return _png(fig)


def all_charts(rep: Report, lang: str) -> dict[str, bytes]:
    charts = {"hourly": hourly(rep, lang), "lanes": lanes(rep, lang), "sla": sla(rep, lang),
              "days": days(rep, lang), "skm": skm_elements(rep, lang)}
    return {k: v for k, v in charts.items() if v}
