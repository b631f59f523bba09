"""The demo gallery tells one story: one office, one day, one clock, the same tickets.

Each gallery runs its own demo office, so they agree only if the story plays the same way
every time (`test_the_story_plays_the_same_way_in_every_office`) and every gallery shows
the story's clock and tickets (`test_the_galleries_screens_agree`, which renders the Qt
galleries and compares what each screen showed).
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from antrean.gallery.story import CHECKPOINTS, DAY, STEPS, Cast, at, story_office


def play_story(until: str) -> tuple[dict[str, tuple[str, str, str]], dict[str, str]]:
    with story_office() as office:
        cast = Cast(office, office.clock)
        try:
            cast.play(until)
        finally:
            cast.close()
        labelled = {label: (t["number"], t["service"], t["lane"])
                    for label, t in cast.tickets.items()}
        return labelled, dict(cast.called_at)


def test_the_story_is_one_monday_morning_in_order():
    assert DAY.isoweekday() == 1
    times = [at(step.at) for step in STEPS]
    assert times == sorted(times)
    assert at(STEPS[-1].at) <= at(CHECKPOINTS["done"])
    labels = [step.label for step in STEPS if step.label]
    assert len(labels) == len(set(labels))


def test_the_story_plays_the_same_way_in_every_office():
    first = play_story("called")
    second = play_story("called")
    assert first == second
    labelled, called_at = first
    number, service, lane = labelled["applicant"]
    assert (service, lane) == ("paspor-baru", "lansia")
    assert called_at[number] == "loket-1"  # the applicant is called to Loket 1


@pytest.mark.slow
def test_the_galleries_screens_agree(qapp, tmp_path):
    from antrean.gallery import board, console, kiosk

    kiosk.render_gallery(tmp_path, phone=False)
    console.render_gallery(tmp_path)
    board.render_gallery(tmp_path)
    shots = []
    for gallery in ("kiosk", "console", "board"):
        data = json.loads((tmp_path / f"story-{gallery}.json").read_text(encoding="utf-8"))
        assert data["day"] == DAY.isoformat()
        shots += [dict(shot, gallery=gallery) for shot in data["shots"]]
    assert {s["gallery"] for s in shots} == {"kiosk", "console", "board"}

    online = [s for s in shots if "offline" not in s["screen"]]
    for shot in online:  # every clock on screen is the story's clock at that moment
        if shot["time_text"] is not None:
            assert shot["time_text"] == shot["story_time"], shot
        if shot["date_text"] is not None:
            assert shot["date_text"] == shot["story_date"], shot
    assert {s["story_date"] for s in shots if s["lang"] == "id"} == {"Senin, 7 Desember 2026"}

    lanes: dict[tuple[str, str], set[str]] = defaultdict(set)
    counters: dict[str, set[str]] = defaultdict(set)
    seen_in: dict[str, set[str]] = defaultdict(set)
    for shot in shots:
        for ticket in shot["tickets"]:
            seen_in[ticket["number"]].add(shot["gallery"])
            if "lane" in ticket:
                lanes[(ticket["number"], shot["lang"])].add(ticket["lane"])
            if "counter" in ticket and shot["lang"] == "id":
                counters[ticket["number"]].add(ticket["counter"])
    assert {key: names for key, names in lanes.items() if len(names) > 1} == {}
    assert {key: names for key, names in counters.items() if len(names) > 1} == {}
    # the board's calls together: the three officers' calls at 08:44, one per counter (the
    # counter check above holds them to the counter every other shot names)
    together = [t for s in shots if s["screen"] == "board-calls-together-1920"
                for t in s["tickets"] if t.get("flashing")]
    assert sorted(t["counter"] for t in together) == ["Loket 1", "Loket 2", "Loket 3"]
    assert all(counters[t["number"]] == {t["counter"]} for t in together)
    # the tickets the story follows are seen in more than one gallery
    assert any(len(galleries) > 1 for galleries in seen_in.values())
