"""Issuing through a LAN outage, the kiosk's side, as plain logic (no Qt).

`OfflineIssuer` keeps, over the kiosk's `Journal`:
- the **clock offset** to the server (from `welcome`'s `server_time` and each `ping`) and the
  office's UTC offset, so an offline ticket's `issued_at` is the server's time, not a
  drifting kiosk clock's;
- the **leases**: while online it asks `lease_numbers` for every open service and lane
  until it holds the office's share (the server caps the count; the kiosk learns the cap
  from a short answer), drops leases of any day but today, and refills as they are used;
- **offline tickets**: a leased number, a kiosk-chosen id `k_<kiosk>_<uuid>` and status
  token, committed to the journal before anything is printed;
- **sync**: after `welcome`, `sync_offline` in batches of at most `SYNC_BATCH`, one batch in
  flight; an entry is cleared only when the server acknowledged it, or refused it for good
  (kept with its error); anything else is sent again at the next chance.

Every method that wants the server returns `Request`s (command name, args, and what to do
with the answer); the flow turns them into commands and routes the answers back.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from kiosk.journal import Journal, OfflineTicket
from office_client.model import OfficeModel, parse_time

log = logging.getLogger("antrean.kiosk.offline")

SYNC_BATCH = 100  # the protocol's limit per sync_offline
LEASE_ASK = 20  # asked when the office's share is not known yet; the server caps it
# Entry errors that will not change by sending the entry again: cleared, error kept.
PERMANENT_ERRORS = frozenset({"invalid_state", "bad_request", "not_found", "forbidden"})
CACHED_SNAPSHOT_KEYS = ("office", "lanes", "services")


@dataclass(frozen=True)
class Request:
    name: str
    args: dict[str, Any]
    on_result: Callable[[dict[str, Any]], None]


def status_base_from_server_url(url: str) -> str:
    """Where the phone page lives when nothing better is known: the server's own address
    (ws://h:p/ws → http://h:p)."""
    parts = urlsplit(url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return f"{scheme}://{parts.netloc}" if parts.netloc else ""


class OfflineIssuer:
    def __init__(self, journal: Journal, kiosk: str, *, status_base: str = "",
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.journal = journal
        self.kiosk = kiosk
        self.wall = wall
        self.offset = timedelta(seconds=float(journal.get_meta("clock_offset_s", 0.0)))
        self.tz = timezone(timedelta(seconds=int(journal.get_meta("utc_offset_s", 7 * 3600))))
        self.status_base = str(journal.get_meta("status_base", "") or status_base)
        self.caps: dict[tuple[str, str], int] = {}  # learned per service/lane, per session
        self.leasing: set[tuple[str, str]] = set()  # lease_numbers in flight
        self.best_rtt: timedelta | None = None  # the quickest ping since the last welcome
        self.syncing = False
        self.sync_progressed = False  # the last answer cleared something: send the next batch
        self.last_sync_error: dict[str, Any] | None = None

    # ------------------------------------------------------------------ time
    def server_time(self, text: Any, sent_at: datetime | None = None) -> None:
        """A `server_time` seen now (a ping's: `sent_at` when the ping left, to halve the
        round trip). Keeps the offset and the office's UTC offset, also across restarts."""
        server = parse_time(text)
        if server is None:
            return
        received = self.wall()
        if sent_at is None:  # welcome: no round trip known, kept until a ping answers
            local = received
        else:
            local, rtt = sent_at + (received - sent_at) / 2, received - sent_at
            # A slow answer (a busy kiosk or server) says less: keep the best one's offset
            # unless this one is nearly as quick.
            if self.best_rtt is not None and rtt > self.best_rtt * 2 + timedelta(
                    milliseconds=5):
                return
            self.best_rtt = rtt if self.best_rtt is None else min(rtt, self.best_rtt)
        offset = server - local
        tz = server.tzinfo
        utc_offset = tz.utcoffset(server) if tz is not None else None
        changed = abs((offset - self.offset).total_seconds()) >= 1.0
        self.offset = offset
        if utc_offset is not None and utc_offset != self.tz.utcoffset(None):
            self.tz = timezone(utc_offset)
            self.journal.set_meta("utc_offset_s", int(utc_offset.total_seconds()))
        if changed:
            self.journal.set_meta("clock_offset_s", offset.total_seconds())

    def now(self) -> datetime:
        """The server's time as best known: the kiosk's clock plus the offset, office zone."""
        return (self.wall() + self.offset).astimezone(self.tz)

    def today(self) -> str:
        return self.now().date().isoformat()

    # ------------------------------------------------------------------ welcome, model cache
    def welcomed(self, welcome: dict[str, Any], model: OfficeModel) -> list[Request]:
        """The server is there: correct the clock, remember the office, sync, top up."""
        self.best_rtt = None
        self.server_time(welcome.get("server_time"))
        self.caps.clear()  # the office's share may have changed with a server restart
        if model.loaded:
            self.journal.set_meta("snapshot", {
                "office": model.office, "lanes": list(model.lanes.values()),
                "services": list(model.services.values())})
        today = str(model.office.get("day") or self.today())
        dropped = self.journal.drop_other_days(today)
        if dropped:
            log.info("dropped %d leased numbers of another day", dropped)
        return [self.ping(), *self.sync_requests(), *self.lease_requests(model)]

    def ping(self) -> Request:
        """A ping whose answer corrects the clock offset by half its round trip."""
        sent_at = self.wall()
        return Request("ping", {}, lambda result: self.server_time(
            (result.get("data") or {}).get("server_time"), sent_at) if result.get("ok")
            else None)

    def cached_welcome(self) -> dict[str, Any] | None:
        """The last office snapshot as a welcome (seq 0), for a kiosk started offline."""
        snap = self.journal.get_meta("snapshot")
        if not isinstance(snap, dict) or not isinstance(snap.get("services"), list):
            return None
        full = {"counters": [], "waiting": [], "recent_calls": [], "announcement": None,
                "alerts": [], "device_status": [], **snap}
        return {"type": "welcome", "seq": 0, "snapshot": full}

    def seen_ticket(self, ticket: dict[str, Any]) -> None:
        """An online ticket's status_url tells where the phone page lives."""
        url = str(ticket.get("status_url") or "")
        if "/t/" in url:
            base = url.rsplit("/t/", 1)[0]
            if base != self.status_base:
                self.status_base = base
                self.journal.set_meta("status_base", base)

    # ------------------------------------------------------------------ leases
    def lease_requests(self, model: OfficeModel) -> list[Request]:
        """`lease_numbers` for every open service and lane holding less than its share."""
        day = str(model.office.get("day") or self.today())
        held = self.journal.unused_by_key(day)
        out = []
        for sid, svc in model.services.items():
            if not svc.get("open"):
                continue
            for lane in svc.get("lanes") or []:
                key = (sid, lane)
                if key in self.leasing:
                    continue
                have = held.get(key, 0)
                cap = self.caps.get(key)
                want = LEASE_ASK if cap is None else cap - have
                if want <= 0:
                    continue
                self.leasing.add(key)
                out.append(Request("lease_numbers", {"service": sid, "lane": lane,
                                                     "count": want},
                                   lambda result, k=key, n=want: self._leased(k, n, result)))
        return out

    def _leased(self, key: tuple[str, str], asked: int, result: dict[str, Any]) -> None:
        self.leasing.discard(key)
        data = result.get("data") if result.get("ok") else None
        if not isinstance(data, dict):
            code = (result.get("error") or {}).get("code", "")
            if code != "not_confirmed":  # closed, over quota, refused: not again this session
                self.caps[key] = 0
            log.info("lease for %s/%s refused: %s", *key, result.get("error"))
            return
        numbers = [str(n) for n in data.get("numbers") or []]
        day = str(data.get("day") or self.today())
        self.journal.add_lease(day, key[0], key[1], numbers)
        base = data.get("status_base") or data.get("public_url")
        if isinstance(base, str) and base and base != self.status_base:
            self.status_base = base.rstrip("/")
            self.journal.set_meta("status_base", self.status_base)
        if len(numbers) < asked:  # the server's cap: hold this many from now on
            self.caps[key] = self.journal.unused(day, *key)
        log.info("leased %s for %s/%s (%s)", numbers, key[0], key[1], day)

    # ------------------------------------------------------------------ issuing
    def issue(self, service: str, lane: str, lang: str) -> dict[str, Any] | None:
        """Issue from today's lease: journal first (durable), then the ticket as the flow
        prints it. None when no leased number is left for that service and lane."""
        day = self.today()
        number = self.journal.next_number(day, service, lane)
        if number is None:
            return None
        token = secrets.token_urlsafe(16)
        ticket = OfflineTicket(
            id=f"k_{self.kiosk}_{uuid.uuid4().hex}", number=number, service=service,
            lane=lane, lang=lang, token=token, day=day,
            issued_at=self.now().isoformat(timespec="milliseconds"))
        self.journal.record(ticket)
        log.info("offline ticket %s (%s) issued for %s/%s", ticket.number, ticket.id,
                 service, lane)
        return {**ticket.wire(), "status": "waiting", "ahead": None, "estimated_wait_s": None,
                "status_url": f"{self.status_base}/t/{token}" if self.status_base else "",
                "offline": True}

    def can_issue(self, service: str, lane: str) -> bool:
        return self.journal.unused(self.today(), service, lane) > 0

    # ------------------------------------------------------------------ sync
    def sync_requests(self) -> list[Request]:
        """The next `sync_offline` batch, unless one is in flight or nothing is left."""
        if self.syncing:
            return []
        batch = self.journal.unsynced(SYNC_BATCH)
        if not batch:
            return []
        self.syncing = True
        return [Request("sync_offline", {"tickets": [t.wire() for t in batch]},
                        lambda result, b=batch: self._synced(b, result))]

    def _synced(self, batch: list[OfflineTicket], result: dict[str, Any]) -> None:
        self.syncing = False
        self.sync_progressed = False
        if not result.get("ok"):
            self.last_sync_error = result.get("error")
            log.warning("sync_offline of %d tickets not done: %s", len(batch),
                        result.get("error"))
            return
        entries = sync_entries(result.get("data"))
        by_id = {e.get("id"): e for e in entries if isinstance(e, dict)}
        for ticket in batch:
            entry = by_id.get(ticket.id)
            if entry is None:
                log.warning("sync_offline answer has no entry for %s: sent again later",
                            ticket.id)
                continue
            if entry.get("ok"):
                server_ticket = entry.get("ticket") or {}
                self.journal.mark_synced(ticket.id, server_id=server_ticket.get("id"))
                self.sync_progressed = True
                continue
            error = entry.get("error") or {}
            if error.get("code") in PERMANENT_ERRORS:
                log.error("offline ticket %s (%s) refused by the server: %s", ticket.number,
                          ticket.id, error)
                self.journal.mark_synced(ticket.id, error=error)
                self.sync_progressed = True
            else:
                log.warning("offline ticket %s not synced yet: %s", ticket.id, error)

    def followups(self, model: OfficeModel) -> list[Request]:
        """After an answer, while online: the next batch (if the last one got somewhere)
        and the leases to top up."""
        out = self.sync_requests() if self.sync_progressed else []
        return out + self.lease_requests(model)

    def pending_sync(self) -> int:
        return len(self.journal.unsynced(SYNC_BATCH))


def sync_entries(data: Any) -> list[Any]:
    """The per-ticket entries of a sync_offline answer (a list, or under `tickets`)."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("tickets", "results", "entries"):
            if isinstance(data.get(key), list):
                return data[key]
    return []
