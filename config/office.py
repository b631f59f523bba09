"""Office configuration: load the TOML, validate it, and name the bad line on a mistake.

Validation is pydantic (types, ranges, unknown keys); cross-references (a counter naming
an unknown service, …) are checked after. Any mistake becomes a `ConfigError` whose
message reads `FILE:LINE: key.path: what is wrong` — never a traceback.
"""

from __future__ import annotations

import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config import EXAMPLE_CONFIG

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"


class ConfigError(Exception):
    """A configuration mistake, already phrased for the technician."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    id: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


class Office(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    timezone: str = "Asia/Jakarta"
    languages: list[str] = ["id", "en"]
    public_url: str = "http://127.0.0.1:8765"
    working_days: list[int] = [1, 2, 3, 4, 5]
    opening_time: time = time(8, 0)
    closing_time: time = time(16, 0)
    ticket_footer: list[Text] = []
    # what staff screens call a paired device ("Kiosk lobi 2"); else its pairing name
    device_names: dict[str, str] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (e.g. Asia/Jakarta, Asia/Makassar, "
                             "Asia/Jayapura)") from None
        return v

    @field_validator("languages")
    @classmethod
    def _langs(cls, v: list[str]) -> list[str]:
        if not v or any(lang not in ("id", "en") for lang in v):
            raise ValueError("languages must be a non-empty list of 'id' and 'en'")
        return v

    @field_validator("working_days")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in v):
            raise ValueError("working days are 1 (Monday) to 7 (Sunday)")
        return v

    @field_validator("public_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+$", v.rstrip("/")):
            raise ValueError("public_url must look like http://HOST:PORT")
        return v.rstrip("/")


class Lane(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: Text
    priority: bool = False


class Service(Strict):
    id: str = Field(pattern=ID_PATTERN)
    prefix: str = Field(pattern=r"^[A-Z]{1,2}$")
    name: Text
    lanes: list[str] = Field(min_length=1)
    quota: dict[str, int] = {}
    stages: list[str] = ["layanan"]
    opening_time: time | None = None
    cutoff_time: time | None = None
    target_wait_minutes: int = Field(default=30, ge=1, le=600)
    target_service_minutes: int | None = Field(default=None, ge=1, le=600)
    max_waiting: int | None = Field(default=None, ge=1)
    default_service_minutes: float = Field(default=5, gt=0, le=240)
    info: Text | None = None

    @field_validator("quota")
    @classmethod
    def _quota(cls, v: dict[str, int]) -> dict[str, int]:
        if any(n < 0 for n in v.values()):
            raise ValueError("quotas must be >= 0")
        return v

    @field_validator("stages")
    @classmethod
    def _stages(cls, v: list[str]) -> list[str]:
        if not v or len(set(v)) != len(v):
            raise ValueError("stages must be a non-empty list without repeats")
        for s in v:
            if not re.match(ID_PATTERN, s):
                raise ValueError(f"stage id {s!r} must be lowercase letters, digits and '-'")
        return v


class Counter(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    services: list[str] = Field(min_length=1)
    lanes: list[str] | None = None
    stages: list[str] | None = None
    zone: str | None = None


class Policy(Strict):
    regular_wait_cap_minutes: float = Field(default=45, gt=0)
    interleave_after: int = Field(default=0, ge=0)
    booking_early_minutes: float = Field(default=15, ge=0)
    max_recalls: int = Field(default=3, ge=0, le=20)
    # A called ticket whose service has not started this many minutes after its last call
    # or recall is a no-show by itself, so a desk is never stuck on an absent applicant
    # (0: only the officer or the recall count decides).
    no_show_after_minutes: float = Field(default=0, ge=0, le=240)
    # A no-show who comes back within this many minutes may be reinstated by an officer
    # at a counter of its service; later only a supervisor may (0: supervisors only).
    reinstate_minutes: float = Field(default=30, ge=0, le=24 * 60)


class Booking(Strict):
    checkin_early_minutes: float = Field(default=60, ge=0)
    checkin_late_minutes: float = Field(default=30, ge=0)


class Phone(Strict):
    # The phone page alerts (sound, vibration) when this many people or fewer are ahead,
    # so the applicant walks back in time; it alerts again when called.
    alert_ahead: int = Field(default=3, ge=0, le=50)


class ServerLimits(Strict):
    # Per connection; far above what a person can press, low enough to stop a flood.
    commands_per_second: float = Field(default=50, gt=0)
    command_burst: int = Field(default=100, ge=1)


class Retention(Strict):
    days: int = Field(default=90, ge=1)


class Central(Strict):
    """Shipping the outbox to the directorate's PostgreSQL (central/, docs/central.md)."""

    # postgresql://USER:PASSWORD@HOST:PORT/DB; None: nothing is shipped. It may carry a
    # password: no message ever repeats it.
    url: str | None = None
    batch_size: int = Field(default=1000, ge=1, le=50_000)
    # how often the shipper looks for new facts when everything was shipped
    interval_seconds: float = Field(default=30, ge=0.1, le=3600)
    # after a failed round the shipper waits 1 s, then twice as long each time, up to this
    retry_max_seconds: float = Field(default=300, ge=0.1, le=3600)

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^postgres(ql)?://[^\s]+$", v):
            raise ValueError("must be a postgresql://USER:PASSWORD@HOST:PORT/DATABASE URL "
                             "(the value is not repeated here: it may hold a password)")
        return v


class ReportSigner(Strict):
    """Who signs the SKM report the office sends upward ("Mengetahui, Kepala Kantor")."""
    title: Text = Text(id="Kepala Kantor", en="Head of Office")
    name: str = Field(default="", max_length=100)
    nip: str = Field(default="", pattern=r"^[0-9 ]{0,30}$")  # civil servant number
    place: str = Field(default="", max_length=60)  # the city written before the date


class Kiosk(Strict):
    # numbers a kiosk may hold leased per service and lane, to issue from while the server
    # is unreachable (0: kiosks issue nothing offline)
    offline_lease: int = Field(default=5, ge=0, le=100, strict=True)


class OfficeConfig(Strict):
    office: Office
    lanes: list[Lane] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    policy: Policy = Policy()
    booking: Booking = Booking()
    retention: Retention = Retention()
    phone: Phone = Phone()
    central: Central = Central()
    server: ServerLimits = ServerLimits()
    report: ReportSigner = ReportSigner()
    kiosk: Kiosk = Kiosk()
    # filled by load(); not part of the file
    source: str = Field(default="<memory>", exclude=True)

    # ---- lookups used everywhere ----
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)

    def lane(self, lane_id: str) -> Lane | None:
        return next((lane for lane in self.lanes if lane.id == lane_id), None)

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def counter(self, counter_id: str) -> Counter | None:
        return next((c for c in self.counters if c.id == counter_id), None)

    @property
    def default_language(self) -> str:
        return self.office.languages[0]


def _cross_check(cfg: dict[str, Any], model: OfficeConfig) -> list[tuple[tuple, str]]:
    """Problems pydantic cannot see: references between sections, duplicates."""
    problems: list[tuple[tuple, str]] = []
    lane_ids = [lane.id for lane in model.lanes]
    service_ids = [s.id for s in model.services]
    for section, ids in (("lanes", lane_ids), ("services", service_ids),
                         ("counters", [c.id for c in model.counters])):
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                problems.append(((section, i, "id"), f"duplicate id {ident!r}"))
            seen.add(ident)
    if not any(not lane.priority for lane in model.lanes):
        problems.append((("lanes",), "at least one lane must be a regular (non-priority) lane"))
    prefixes: dict[str, str] = {}
    for i, s in enumerate(model.services):
        if s.prefix in prefixes:
            problems.append((("services", i, "prefix"),
                             f"prefix {s.prefix!r} already used by {prefixes[s.prefix]!r}"))
        prefixes[s.prefix] = s.id
        for lane in s.lanes:
            if lane not in lane_ids:
                problems.append((("services", i, "lanes"), f"unknown lane {lane!r}"))
        for lane in s.quota:
            if lane not in s.lanes:
                problems.append((("services", i, "quota"),
                                 f"quota for lane {lane!r} which the service does not offer"))
        if s.cutoff_time and s.cutoff_time > model.office.closing_time:
            problems.append((("services", i, "cutoff_time"), "cut-off is after closing time"))
    for i, c in enumerate(model.counters):
        for sid in c.services:
            if sid not in service_ids:
                problems.append((("counters", i, "services"), f"unknown service {sid!r}"))
        for lane in c.lanes or []:
            if lane not in lane_ids:
                problems.append((("counters", i, "lanes"), f"unknown lane {lane!r}"))
        all_stages = {st for s in model.services if s.id in c.services for st in s.stages}
        for st in c.stages or []:
            if st not in all_stages:
                problems.append((("counters", i, "stages"),
                                 f"stage {st!r} is not a stage of this counter's services"))
    if model.office.opening_time >= model.office.closing_time:
        problems.append((("office", "closing_time"), "closing time must be after opening time"))
    return problems


def locate(text: str, path: tuple) -> int | None:
    """Best line number (1-based) for a key path like ('services', 2, 'prefix')."""
    lines = text.splitlines()
    keys = [p for p in path if isinstance(p, str)]
    if not keys:
        return None
    table = keys[0]
    index = next((p for p in path if isinstance(p, int)), None)
    # find the table header: [table] or the index-th [[table]]
    header_line = None
    count = -1
    for n, line in enumerate(lines):
        stripped = line.strip()
        if stripped == f"[[{table}]]":
            count += 1
            if index is None or count == index:
                header_line = n
                break
        elif stripped == f"[{table}]":
            header_line = n
            break
    if header_line is None:
        return None
    if len(keys) == 1:
        return header_line + 1
    key = keys[1]
    for n in range(header_line + 1, len(lines)):
        stripped = lines[n].strip()
        if stripped.startswith("["):
            break
        if re.match(rf"^{re.escape(key)}\s*=", stripped):
            return n + 1
    return header_line + 1


def _fmt(source: str, text: str, path: tuple, message: str) -> str:
    line = locate(text, path)
    where = f"{source}:{line}" if line else source
    dotted = ".".join(str(p) for p in path) or "(top)"
    return f"{where}: {dotted}: {message}"


def parse(text: str, source: str = "<memory>") -> OfficeConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib (3.11) only puts the position in its message: lift the line out of it so
        # the report reads FILE:LINE like every other mistake.
        found = re.search(r"at line (\d+)", str(exc))
        where = f"{source}:{found.group(1)}" if found else source
        raise ConfigError(f"{where}: TOML syntax error: {exc}") from None
    try:
        model = OfficeConfig.model_validate({**raw, "source": source})
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown setting (check the spelling)"
            messages.append(_fmt(source, text, loc, msg))
        raise ConfigError("\n".join(messages)) from None
    problems = _cross_check(raw, model)
    if problems:
        raise ConfigError("\n".join(_fmt(source, text, p, m) for p, m in problems))
    return model


def load(path: str | Path | None = None) -> OfficeConfig:
    path = Path(path) if path else EXAMPLE_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse(text, str(path))


def always_open(cfg: OfficeConfig) -> OfficeConfig:
    """A copy open every day, 00:00–23:59, no cut-offs: for the demo and tests, which run
    at any hour."""
    data = cfg.model_dump()
    data["office"].update(working_days=[1, 2, 3, 4, 5, 6, 7], opening_time=time(0, 0),
                          closing_time=time(23, 59, 59))
    for svc in data["services"]:
        svc["opening_time"] = None
        svc["cutoff_time"] = None
    data["source"] = cfg.source
    return OfficeConfig.model_validate(data)
