"""`antrean simulate` through antrean.simulate: scenario file, flags, database replay."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from antrean import simulate as cli
from config import office as office_config
from server.engine import Actor, Engine
from server.engine.model import Changes
from server.store.sqlite import Store, encode_part
from simulation.model import Distribution, ScenarioError, Staffing

EXAMPLE = Path(__file__).resolve().parents[2] / "simulation" / "scenario.example.toml"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    code = cli.main(p.parse_args(list(argv)))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_example_scenario_text_report(capsys):
    code, out, err = run(capsys, "--scenario", str(EXAMPLE))
    assert code == 0, err
    for text in ("Waits in minutes, by lane", "reguler", "lansia", "p90", "in target",
                 "By hour of arrival", "At closing (16:00)", "Counters per hour"):
        assert text in out


def test_json_and_counters_flag(capsys):
    code, out, _ = run(capsys, "--scenario", str(EXAMPLE), "--counters", "8-12:5,12-16:2",
                       "--format", "json", "--seed", "4")
    assert code == 0
    data = json.loads(out)
    assert data["counters"] == "8-12:5,12-16:2" and data["seed"] == 4
    assert set(data["by_lane"]) >= {"reguler"}
    assert data["overall"]["n"] == data["served"] + data["no_show"]


def test_target_search_from_the_cli(capsys):
    code, out, _ = run(capsys, "--scenario", str(EXAMPLE), "--target-p90", "20",
                       "--max-counters", "10", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["target"]["met"] is True
    assert data["counters"] == data["target"]["counters"]


@pytest.mark.parametrize("argv", [["--counters", "8-10:x"], ["--counters", "25-26:1"],
                                  ["--scenario", "/nope.toml"], ["--from-db", "/nope.db"],
                                  ["--from-db", "/nope.db", "--day", "2025-13-01"],
                                  ["--target-share", "2"], ["--config", "/nope.toml"]])
def test_bad_input_is_one_line_not_a_traceback(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith("antrean simulate: ") and err.count("\n") == 1


def test_scenario_mistakes_name_the_setting(tmp_path):
    cfg = office_config.load()
    bad = tmp_path / "s.toml"
    for text, needle in (('[arrivals.nope]\nreguler = 1', "unknown service 'nope'"),
                         ('[arrivals.informasi]\nvip = 1', "no lane 'vip'"),
                         ('[service_times.informasi]\ndist = "normal"\nmean = 3',
                          "unknown distribution"),
                         ('colour = 1', "unknown setting")):
        bad.write_text(text)
        with pytest.raises(ScenarioError, match=needle):
            cli.load_scenario(bad, cfg)


def test_staffing_syntax():
    hours = range(8, 16)
    st = Staffing.parse("8-10:3,10-12:5", hours)
    assert [st.at(h) for h in hours] == [3, 3, 5, 5, 0, 0, 0, 0]
    assert str(st) == "8-10:3,10-12:5,12-16:0"
    assert Staffing.parse(str(st), hours) == st
    assert Staffing.parse("2,3,4", hours).at(10) == 4
    assert Distribution.parse("lognormal:6:3", "x") == Distribution("lognormal", 6, 3)
    assert Distribution.parse(4, "x").kind == "exponential"


def test_replay_a_day_from_the_database(tmp_path, capsys):
    """Tickets issued on a real engine, stored by the real store, replayed."""
    cfg = office_config.always_open(office_config.load())
    db = tmp_path / "office.db"
    store = Store(db)
    t0 = datetime(2025, 3, 4, 8, 0, tzinfo=cfg.tz)
    eng = Engine(cfg, t0)
    kiosk = Actor("kiosk", "kiosk-1")
    officer = Actor("counter", "console-1", "budi", "Budi", session="s-1")
    events = []

    def send(name, args, actor, now):
        out = eng.handle(name, args, actor, now)
        assert out.ok, out.error_message
        events.extend((eng.iso(now), eng.day.isoformat(), actor.device, n, d)
                      for n, d in out.events)

    send("login", {"officer": "budi", "pin": "x", "counter": "loket-5"}, officer, t0)
    for k in range(12):
        now = t0 + timedelta(minutes=10 * k)
        send("issue_ticket", {"service": "informasi", "lane": "reguler"}, kiosk, now)
        send("call_next", {"counter": "loket-5"}, officer, now)
        send("start_service", {"counter": "loket-5"}, officer, now)
        send("finish", {"counter": "loket-5"}, officer, now + timedelta(minutes=3 + k % 3))
    store.commit_encoded([encode_part(events, Changes(), [])])
    store.close()
    code, out, err = run(capsys, "--from-db", str(db), "--day", "2025-03-04",
                         "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["visitors"] == 12 and data["by_service"]["informasi"]["n"] == 12
    assert data["by_hour"]["8"]["arrivals"] == 6
    code, _, err = run(capsys, "--from-db", str(db), "--day", "2025-03-05")
    assert code == 1 and "no tickets issued on 2025-03-05" in err
