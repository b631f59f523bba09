"""Who answered the survey is kept on each ticket's row, not in the engine's meta record:
that record is rewritten whole on every commit, and a list growing with every survey of
the day made every commit bigger (27 KB by 1,500 surveys). Real engine and SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from server.engine import Actor, Engine
from server.store.sqlite import Store, encode_part

KIOSK = Actor("kiosk", "kiosk-1")
OFFICER = Actor("counter", "console-1", "budi", "Budi Santoso", session="s-1")
ANSWERS = [4, 3, 4, 4, 3, 4, 4, 3, 4]


class Office:
    """An engine whose every command is committed to a real store, as the hub does."""

    def __init__(self, config, path, now: datetime) -> None:
        self.config, self.path, self.now = config, path, now
        self.store = Store(path)
        self.engine = Engine.restore(config, now, *self.store.load_state())

    def run(self, name: str, actor: Actor, **args):
        self.now += timedelta(seconds=30)
        outcome = self.engine.handle(name, args, actor, self.now)
        at = self.engine.iso(self.now)
        events = [(at, self.engine.day_iso(), "t", str(n), d) for n, d in outcome.events]
        self.store.commit_encoded([encode_part(events, self.engine.drain_changes(), [])])
        return outcome

    def restart(self) -> None:
        self.store.close()
        self.store = Store(self.path)
        self.engine = Engine.restore(self.config, self.now, *self.store.load_state())


def serve_and_survey(office: Office) -> str:
    number = office.run("issue_ticket", KIOSK, service="informasi", lane="reguler").data["number"]
    for step in ("call_next", "start_service", "finish"):
        assert office.run(step, OFFICER, counter="loket-5").ok
    ticket = next(t for t in office.engine.tickets.values() if t.number == number)
    assert office.run("submit_survey", KIOSK, ticket=ticket.token, answers=ANSWERS).ok
    return ticket.token


def test_surveys_are_on_the_ticket_rows_and_once_only_survives_a_restart(tmp_path,
                                                                          open_office):
    office = Office(open_office, tmp_path / "a.db", datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    assert office.run("login", OFFICER, officer="budi", pin="1234", counter="loket-5").ok
    tokens = [serve_and_survey(office) for _ in range(5)]
    (meta,) = office.store.conn.execute("SELECT value FROM meta WHERE key = 'engine'").fetchone()
    assert "surveyed" not in json.loads(meta)
    assert office.store.conn.execute(
        "SELECT count(*) FROM tickets WHERE surveyed = 1").fetchone() == (5,)
    office.restart()
    again = office.run("submit_survey", KIOSK, ticket=tokens[2], answers=ANSWERS)
    assert not again.ok and again.error_code == "invalid_state"  # still only once
    assert sum(t.surveyed for t in office.engine.tickets.values()) == 5


def test_an_older_meta_list_of_surveyed_tickets_moves_to_their_rows(tmp_path, open_office):
    office = Office(open_office, tmp_path / "a.db", datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    assert office.run("login", OFFICER, officer="budi", pin="1234", counter="loket-5").ok
    token = serve_and_survey(office)
    # as a version before 0.4 left it: the list in the meta record, the row not marked
    with office.store.conn:
        office.store.conn.execute("UPDATE tickets SET surveyed = NULL")
        (meta,) = office.store.conn.execute(
            "SELECT value FROM meta WHERE key = 'engine'").fetchone()
        ids = [r[0] for r in office.store.conn.execute("SELECT id FROM tickets")]
        office.store.conn.execute("UPDATE meta SET value = ? WHERE key = 'engine'",
                                  (json.dumps({**json.loads(meta), "surveyed": ids}),))
    office.restart()
    office.run("ping", KIOSK)  # the next commit writes the moved flags
    assert office.store.conn.execute(
        "SELECT count(*) FROM tickets WHERE surveyed = 1").fetchone() == (1,)
    office.restart()  # the meta record no longer lists them: the rows do
    again = office.run("submit_survey", KIOSK, ticket=token, answers=ANSWERS)
    assert not again.ok and again.error_code == "invalid_state"
