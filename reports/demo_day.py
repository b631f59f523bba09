"""Scripted office days on the real engine and a real store — for tests and the gallery.

`Recorder` drives `server.engine.Engine` with explicit times and writes what it emits
into a real `Store` exactly as the hub does (events with the engine's day, changed rows,
one commit per command). `simulate_days` plays a plausible busy week (seeded, so
the example report is the same every time).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from config.office import OfficeConfig
from protocol.messages import SURVEY_PROFILE
from server.engine.core import Actor, Engine, Outcome
from server.store.sqlite import Store, encode_part

KIOSK = Actor("kiosk", "kiosk-1")
ADMIN = Actor("admin", "admin-1")


class Recorder:
    def __init__(self, config: OfficeConfig, db_path: str | Path, start: datetime) -> None:
        self.config = config
        self.store = Store(db_path, synchronous="OFF")  # speed: nothing here needs fsync
        self.engine = Engine(config, start)

    def _commit(self, events: list[tuple[str, dict[str, Any]]], actor: str,
                now: datetime) -> None:
        day, at = self.engine.day.isoformat(), self.engine.iso(now)
        rows = [(at, day, actor, str(name), data) for name, data in events]
        changes = self.engine.drain_changes()
        if rows or changes:
            self.store.commit_encoded([encode_part(rows, changes, [])])

    def do(self, name: str, args: dict[str, Any], actor: Actor, now: datetime,
           check: bool = True) -> Outcome:
        outcome = self.engine.handle(name, args, actor, now)
        if check and not outcome.ok:
            raise AssertionError(f"{name} {args} at {now:%H:%M:%S}: {outcome.error_code} "
                                 f"{outcome.error_message}")
        who = f"{actor.device}/{actor.officer}" if actor.officer else (actor.device or "x")
        self._commit(outcome.events, who, now)
        return outcome

    def tick(self, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        events = self.engine.tick(now)
        self._commit(events, "server", now)
        return events

    def close(self) -> None:
        self.store.close()


def officer_actor(device: str, officer: str, name: str = "") -> Actor:
    return Actor("counter", device, officer, name or officer.title(), session=device)


# ---------------------------------------------------------------------- a busy week
DESKS = (("loket-1", "console-1", "budi", "Budi Santoso"),
         ("loket-2", "console-2", "sari", "Sari Dewi"),
         ("loket-3", "console-3", "andi", "Andi Pratama"),
         ("loket-4", "console-4", "rina", "Rina Wulandari"),
         ("loket-5", "console-5", "joko", "Joko Susilo"))
# walk-ins per hour of the morning peak, by local hour
ARRIVALS_PER_HOUR = {7: 4, 8: 27, 9: 25, 10: 19, 11: 14, 12: 6, 13: 9, 14: 6, 15: 2}
SERVICE_MIX = (("paspor-baru", 40), ("paspor-ganti", 25), ("paspor-hilang", 5),
               ("percepatan", 8), ("izin-tinggal", 10), ("informasi", 12))
LANE_MIX = (("reguler", 82), ("lansia", 9), ("ibu-anak", 6), ("disabilitas", 3))


@dataclass
class _Desk:
    counter: str
    actor: Actor
    phase: str = "idle"  # idle | called | serving | paused
    next_at: datetime | None = None
    ticket: dict[str, Any] | None = None
    recalls: int = 0
    absent: bool = False


@dataclass
class WeekResult:
    days: list[date] = field(default_factory=list)
    tickets: int = 0
    surveys: int = 0


def _pick(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in mix], weights=[w for _, w in mix])[0]


def simulate_days(config: OfficeConfig, db_path: str | Path, first_day: date, days: int = 5,
                  seed: int = 7, officer_names: bool = True) -> WeekResult:
    """Play `days` working days from `first_day` with 5 desks; returns what was made."""
    rng = random.Random(seed)
    tz = config.tz
    start = datetime.combine(first_day, time(7, 0), tz)
    rec = Recorder(config, db_path, start)
    if officer_names:
        for _, _, oid, name in DESKS:
            rec.store.add_officer(oid, name, "1234")
    out = WeekResult()
    day = first_day
    try:
        while len(out.days) < days:
            if day.isoweekday() in config.office.working_days:
                _one_day(rec, config, day, rng, out)
                out.days.append(day)
            day += timedelta(days=1)
        # the next morning's rollover closes the last day (expiries, counters)
        rec.tick(datetime.combine(day, time(0, 0, 5), tz))
    finally:
        rec.close()
    return out


def _one_day(rec: Recorder, config: OfficeConfig, day: date, rng: random.Random,
             out: WeekResult) -> None:
    tz = config.tz
    t0 = datetime.combine(day, time(7, 30), tz)
    arrivals: list[datetime] = []
    for hour, n in ARRIVALS_PER_HOUR.items():
        n = max(0, int(rng.gauss(n, n * 0.15)))
        base = datetime.combine(day, time(hour), tz)
        arrivals += [base + timedelta(seconds=rng.uniform(0, 3600)) for _ in range(n)]
    arrivals = sorted(a for a in arrivals if a >= datetime.combine(day, time(7, 45), tz))
    desks = [_Desk(c, Actor("counter", dev, oid, name, session=dev))
             for c, dev, oid, name in DESKS]
    opens = {d.counter: datetime.combine(day, time(8, 0), tz)
             + timedelta(minutes=rng.uniform(0, 12)) for d in desks}
    lunch = {"loket-1": (time(12, 0), time(12, 45)), "loket-2": (time(12, 15), time(13, 0)),
             "loket-3": (time(11, 50), time(12, 40)), "loket-4": (time(12, 0), time(13, 0)),
             "loket-5": (time(12, 30), time(13, 10))}
    closes = datetime.combine(day, time(16, 0), tz)
    logged: set[str] = set()
    now = t0
    step = timedelta(seconds=20)
    ai = 0
    while now <= closes + timedelta(minutes=30):
        rec.tick(now)
        while ai < len(arrivals) and arrivals[ai] <= now:
            service = _pick(rng, SERVICE_MIX)
            lane = _pick(rng, LANE_MIX)
            res = rec.do("issue_ticket", {"service": service, "lane": lane, "lang": "id"}, KIOSK,
                         now, check=False)
            out.tickets += res.ok
            ai += 1
        for desk in desks:
            _step_desk(rec, config, desk, now, opens, lunch, closes, logged, rng, out)
        now += step


def _step_desk(rec: Recorder, config: OfficeConfig, desk: _Desk, now: datetime,
               opens: dict[str, datetime], lunch: dict[str, tuple[time, time]],
               closes: datetime, logged: set[str], rng: random.Random, out: WeekResult) -> None:
    c = desk.counter
    local = now.astimezone(config.tz).time()
    if c not in logged:
        if now >= opens[c]:
            rec.do("login", {"counter": c}, desk.actor, now)
            logged.add(c)
        return
    if desk.next_at and now < desk.next_at:
        return
    args = {"counter": c}
    if desk.phase == "called":
        if desk.absent:  # nobody comes: recall twice, then give up
            desk.recalls += 1
            rec.do("recall", args, desk.actor, now)
            desk.next_at = now + timedelta(seconds=60)
            if desk.recalls == 2:
                rec.do("no_show", args, desk.actor, now + timedelta(seconds=1))
                desk.phase, desk.ticket = "idle", None
            return
        rec.do("start_service", args, desk.actor, now)
        svc = config.service(desk.ticket["service"])
        minutes = max(1.0, rng.gammavariate(4, svc.default_service_minutes / 4))
        desk.phase, desk.next_at = "serving", now + timedelta(minutes=minutes)
        return
    if desk.phase == "serving":
        tk = desk.ticket
        svc = config.service(tk["service"])
        stage_i = svc.stages.index(tk["stage"])
        if tk["service"] in ("paspor-baru", "paspor-ganti", "paspor-hilang") \
                and stage_i == 0 and rng.random() < 0.8:
            rec.do("transfer", {"counter": c, "service": tk["service"]}, desk.actor, now)
        else:
            rec.do("finish", args, desk.actor, now)
            if rng.random() < 0.45:
                answers = [min(4, max(1, round(rng.gauss(3.4, 0.55)))) for _ in range(9)]
                answers[3] = 4 if rng.random() < 0.7 else answers[3]  # fees are fixed
                # most answer the profile questions; some skip one or all
                profile = {field: rng.choice(codes) for field, codes in SURVEY_PROFILE.items()
                           if rng.random() < 0.85}
                ok = rec.do("submit_survey", {"ticket": tk["id"], "answers": answers,
                                              "comment": rng.choice(_COMMENTS),
                                              "profile": profile}, ADMIN,
                            now + timedelta(minutes=2), check=False).ok
                out.surveys += ok
        desk.phase, desk.ticket, desk.next_at = "idle", None, now + timedelta(seconds=15)
        return
    start, end = lunch[c]
    if desk.phase == "paused":
        if local >= end:
            rec.do("resume", args, desk.actor, now)
            desk.phase = "idle"
        return
    if start <= local < end:
        rec.do("pause", {"counter": c, "reason": "istirahat"}, desk.actor, now)
        desk.phase = "paused"
        return
    if now >= closes:
        if desk.phase == "idle" and rec.engine.counters[c].status != "closed":
            rec.do("close_counter", args, desk.actor, now)
        return
    res = rec.do("call_next", args, desk.actor, now, check=False)
    if res.ok:
        desk.phase, desk.ticket, desk.recalls = "called", res.data, 0
        desk.absent = rng.random() < 0.04
        desk.next_at = now + timedelta(seconds=rng.uniform(30, 90))


_COMMENTS = ("", "", "", "", "Pelayanan cepat dan ramah.", "Ruang tunggu nyaman, terima kasih.",
             "Antrean jelas, tidak perlu calo.", "Mohon tambah kursi di ruang tunggu.",
             "Petugas sangat membantu lansia.", "Proses foto agak lama.",
             "AC ruang tunggu kurang dingin.", "Informasi persyaratan mudah dipahami.")
