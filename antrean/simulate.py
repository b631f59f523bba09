"""`antrean simulate`: flags, reading the inputs, and the printed report.

antrean/cli.py defines the subcommand with `add_arguments(parser)` and calls
`main(args)`; both are also usable alone (`python -m antrean.simulate --help`). A user
mistake prints one line on stderr and exits 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date
from typing import Any

from simulation.model import Scenario, ScenarioError, Staffing, from_database, load_scenario
from simulation.run import DayResult, Stats, simulate
from simulation.staffing import StaffingResult, Target, find_staffing


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="office TOML (default: config/office.example.toml)")
    p.add_argument("--scenario", help="scenario TOML: arrivals per hour, service times, "
                   "counters (see simulation/scenario.example.toml)")
    p.add_argument("--from-db", dest="from_db", metavar="FILE",
                   help="replay the tickets issued on --day in this database")
    p.add_argument("--day", help="YYYY-MM-DD (with --from-db: the day to replay)")
    p.add_argument("--counters", help="counters open per hour: '8-10:3,10-12:5' or "
                   "'3,3,5,5,…' from opening (default: scenario, else all counters)")
    p.add_argument("--seed", type=int, help="random seed (default: scenario, else 1)")
    p.add_argument("--scale", type=float, help="multiply arrivals (1.2 = 20%% more people)")
    p.add_argument("--ignore-quotas", action="store_true",
                   help="issue tickets beyond the configured daily quotas")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--target-p90", dest="target_p90", type=float, metavar="MIN",
                   help="find the fewest counters per hour with p90 wait <= MIN minutes")
    g.add_argument("--target-share", dest="target_share", type=float, metavar="SHARE",
                   help="find the fewest counters per hour with SHARE (e.g. 0.9) of people "
                   "within their service's target wait")
    p.add_argument("--max-counters", type=int,
                   help="most counters the search may open in an hour (default: configured)")
    p.add_argument("--format", choices=["text", "json"], default="text")


def build_scenario(args: argparse.Namespace) -> Scenario:
    from config import office as office_config
    try:
        cfg = office_config.load(getattr(args, "config", None))
    except office_config.ConfigError as exc:
        raise ScenarioError(str(exc)) from None
    sc = load_scenario(getattr(args, "scenario", None), cfg)
    day = getattr(args, "day", None)
    if day:
        try:
            sc.day = date.fromisoformat(day)
        except ValueError:
            raise ScenarioError(f"--day {day!r} is not YYYY-MM-DD") from None
    if getattr(args, "from_db", None):
        if not day:
            raise ScenarioError("--from-db needs --day YYYY-MM-DD")
        sc = from_database(sc, args.from_db, sc.day)
    if getattr(args, "seed", None) is not None:
        sc.seed = args.seed
    if getattr(args, "scale", None) is not None:
        if not (args.scale >= 0 and math.isfinite(args.scale)):
            raise ScenarioError("--scale must be >= 0")
        sc.scale = args.scale
    if getattr(args, "ignore_quotas", False):
        sc.ignore_quotas = True
    if getattr(args, "counters", None):
        sc.staffing = Staffing.parse(args.counters, sc.open_hours)
    return sc


def main(args: argparse.Namespace) -> int:
    try:
        sc = build_scenario(args)
        target = None
        if getattr(args, "target_p90", None) is not None:
            target = Target(p90_minutes=args.target_p90)
        elif getattr(args, "target_share", None) is not None:
            target = Target(share=args.target_share)
        if target is None:
            result, found = simulate(sc), None
        else:
            found = find_staffing(sc, target, getattr(args, "max_counters", None))
            result = found.result
    except ScenarioError as exc:
        print(f"antrean simulate: {exc}", file=sys.stderr)
        return 1
    if getattr(args, "format", "text") == "json":
        out: dict[str, Any] = {"scenario": sc.source, "seed": sc.seed, **result.to_dict()}
        if found is not None:
            out["target"] = {"goal": target.describe(), "met": found.met,
                             "counters": str(found.staffing),
                             "counter_hours": found.staffing.counter_hours,
                             "trials": found.trials}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(render_text(sc, result, target, found))
    if found is not None and not found.met:
        print("antrean simulate: the target is not met even with every counter open "
              "(raise --max-counters)", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------- text report
def _m(v: float | None) -> str:
    if v is None:
        return "-"
    return "never" if math.isinf(v) else f"{v:.1f}"


def _row(name: str, s: Stats) -> str:
    share = "-" if s.within_target is None else f"{s.within_target:.0%}"
    unserved = f"  ({s.unserved} unserved)" if s.unserved else ""
    return (f"  {name:<16}{s.n:>6}{_m(s.mean_min):>8}{_m(s.p90_min):>8}{_m(s.max_min):>8}"
            f"{share:>11}{unserved}")


def render_text(sc: Scenario, r: DayResult, target: Target | None = None,
                found: StaffingResult | None = None) -> str:
    cfg = sc.config
    d = r.to_dict()
    lines = [f"Simulated day {r.day.isoformat()} — {cfg.office.name}",
             f"  inputs: {sc.source}; seed {sc.seed}"
             + (f"; arrivals x{sc.scale:g}" if sc.scale != 1 else ""), ""]
    if found is not None:
        verdict = "met" if found.met else "NOT met even with every counter open"
        lines += [f"Target: {target.describe()} — {verdict}",
                  f"  fewest counters: {found.staffing}  "
                  f"({found.staffing.counter_hours} counter-hours, {found.trials} trials)", ""]
    refused = sum(r.refused.values())
    lines += [f"Visitors {len(r.records)}: served {d['served']}, no-show {d['no_show']}, "
              f"refused {refused}" + (f" ({', '.join(f'{k} {v}' for k, v in r.refused.items())})"
                                     if refused else "")
              + f", unserved {d['unserved']}",
              f"At closing ({d['closing']}): {r.left_at_closing} still waiting, "
              f"{r.in_service_at_closing} at a counter; last finished "
              f"{d['last_finished'] or '-'}", ""]
    head = f"  {'':<16}{'people':>6}{'mean':>8}{'p90':>8}{'max':>8}{'in target':>11}"
    lines += ["Waits in minutes, by lane", head]
    lane_order = [lane.id for lane in cfg.lanes]
    by_lane = r.by_lane()
    lines += [_row(lane, by_lane[lane]) for lane in lane_order if lane in by_lane]
    lines += [_row("all", r.overall()), "", "By service", head]
    by_service = r.by_service()
    lines += [_row(s.id, by_service[s.id]) for s in cfg.services if s.id in by_service]
    lines += ["", "By hour of arrival",
              f"  {'hour':<7}{'arrive':>6}{'counters':>9}{'mean':>8}{'p90':>8}{'max':>8}"
              f"{'in target':>11}"]
    for h, s in d["by_hour"].items():
        share = "-" if s["within_target"] is None else f"{s['within_target']:.0%}"
        p90 = "never" if s["p90_min"] is None and s["unserved"] else _m(s["p90_min"])
        lines.append(f"  {int(h):02d}:00  {s['arrivals']:>6}{s['counters']:>9}"
                     f"{_m(s['mean_min']):>8}{p90:>8}{_m(s['max_min']):>8}{share:>11}")
    quiet = [h for h in r.staffing.hours if str(h) not in d["by_hour"]]
    if quiet:
        lines.append("  (no arrivals at " + ", ".join(f"{h:02d}:00" for h in quiet)
                     + f"; counters there: {', '.join(str(r.staffing.at(h)) for h in quiet)})")
    lines += ["", "Counters per hour: " + "  ".join(f"{h:02d}:{r.staffing.at(h)}"
                                                    for h in r.staffing.hours)]
    return "\n".join(lines)


def run(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="antrean simulate",
                                description="what-if office day on the real queue engine")
    add_arguments(p)
    return main(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(run())
