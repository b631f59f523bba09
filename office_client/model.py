"""The client-side model of the office: the welcome snapshot plus events applied in order.

Pure Python (no Qt, no I/O), shared by the kiosk, the counter console and the display
board. `apply()` refuses an event that does not follow `seq` by exactly one and reports
a gap, so the connection can ask for a resync; an event already applied is ignored, so
a replay after a reconnect never applies (or announces) anything twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

RECENT_CALLS = 20


def parse_time(text: Any) -> datetime | None:
    """An ISO timestamp from the wire as an aware datetime (None if missing or bad)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Applied(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # seq already applied: ignored
    GAP = "gap"  # a seq is missing: resync needed, nothing applied


@dataclass
class OfficeModel:
    seq: int = 0
    office: dict[str, Any] = field(default_factory=dict)
    lanes: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    counters: dict[str, dict[str, Any]] = field(default_factory=dict)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    recent_calls: list[dict[str, Any]] = field(default_factory=list)
    announcement: dict[str, Any] | None = None
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    device_status: dict[str, dict[str, Any]] = field(default_factory=dict)
    holidays: list[dict[str, Any]] = field(default_factory=list)  # staff roles only
    # today's no-shows, id -> ticket (staff roles only): who may come back (reinstate)
    no_shows: dict[str, dict[str, Any]] = field(default_factory=dict)
    loaded: bool = False
    listeners: list[Callable[[str, dict[str, Any]], None]] = field(default_factory=list)

    # ------------------------------------------------------------------ loading
    def load_welcome(self, welcome: dict[str, Any]) -> None:
        snap = welcome.get("snapshot")
        if snap is not None:
            self.office = dict(snap.get("office") or welcome.get("office") or {})
            self.lanes = {lane["id"]: lane for lane in snap.get("lanes", [])}
            self.services = {s["id"]: s for s in snap.get("services", [])}
            self.counters = {c["id"]: c for c in snap.get("counters", [])}
            self.waiting = list(snap.get("waiting", []))
            self.recent_calls = list(snap.get("recent_calls", []))
            self.announcement = snap.get("announcement")
            self.alerts = {f"{a['service']}/{a['kind']}": a for a in snap.get("alerts", [])}
            self.device_status = {d["device"]: d for d in snap.get("device_status", [])}
            self.holidays = list(snap.get("holidays") or [])
            self.no_shows = {tk["id"]: tk for tk in snap.get("no_shows") or []
                             if isinstance(tk, dict) and "id" in tk}
            self.loaded = True
        self.seq = int(welcome.get("seq", 0)) if snap is not None else self.seq
        self._notify("welcome", welcome)

    def apply(self, message: dict[str, Any]) -> Applied:
        seq = int(message["seq"])
        if seq <= self.seq:
            return Applied.DUPLICATE
        if seq != self.seq + 1 or not self.loaded:
            return Applied.GAP
        name, data = message["name"], message.get("data") or {}
        handler = getattr(self, f"_on_{name}", None)
        # Public roles receive an event they have no use for (alerts, device status,
        # logins) as `{}`: its seq still counts, there is nothing to apply.
        if handler is not None and data:
            handler(data, message)
        for stats_key in ("service_stats",):
            stats = data.get(stats_key)
            if stats and stats.get("service") in self.services:
                svc = self.services[stats["service"]]
                svc["waiting"] = stats["waiting"]
                svc["estimated_wait_s"] = stats["estimated_wait_s"]
        self.seq = seq
        self._notify(name, message)
        return Applied.APPLIED

    def _notify(self, name: str, payload: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            listener(name, payload)

    # ------------------------------------------------------------------ queries
    def lane_is_priority(self, lane_id: str) -> bool:
        return bool(self.lanes.get(lane_id, {}).get("priority"))

    def waiting_for_counter(self, counter_id: str) -> list[dict[str, Any]]:
        """Waiting tickets this counter may call, in calling order (policy approximated:
        transferred-to-this-counter first, then the snapshot's global order)."""
        counter = self.counters.get(counter_id)
        if counter is None:
            return []
        services = set(counter.get("services") or [])
        lanes = set(counter.get("lanes") or self.lanes)
        stages = counter.get("stages")
        mine = []
        for tk in self.waiting:
            if tk.get("to_counter") not in (None, counter_id):
                continue
            if tk["service"] in services and tk["lane"] in lanes and (
                    not stages or tk.get("stage") in stages):
                mine.append(tk)
        mine.sort(key=lambda tk: 0 if tk.get("to_counter") == counter_id else 1)
        return mine

    def counts(self, tickets: list[dict[str, Any]] | None = None) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for tk in self.waiting if tickets is None else tickets:
            key = (tk["service"], tk["lane"])
            out[key] = out.get(key, 0) + 1
        return out

    def waiting_count(self, service_id: str) -> int:
        return sum(1 for tk in self.waiting if tk["service"] == service_id)

    # ------------------------------------------------------------------ event handlers
    def _insert_waiting(self, ticket: dict[str, Any]) -> None:
        self._remove_waiting(ticket["id"])
        prio = self.lane_is_priority(ticket["lane"])
        # keep "priority lanes before regular, in order of queueing within" (the server's
        # full policy, incl. wait caps, is reflected again at the next snapshot). A ticket
        # synced by a kiosk after an outage queued earlier than tickets already shown.
        since = _queued(ticket)
        pos = len(self.waiting)
        for i, tk in enumerate(self.waiting):
            same_group = self.lane_is_priority(tk["lane"]) == prio
            if (prio and not same_group) or (same_group and _queued(tk) > since):
                pos = i
                break
        self.waiting.insert(pos, ticket)

    def _remove_waiting(self, ticket_id: str) -> None:
        self.waiting = [tk for tk in self.waiting if tk["id"] != ticket_id]

    def _clear_counter_ticket(self, ticket_id: str) -> None:
        for c in self.counters.values():
            if c.get("ticket") and c["ticket"]["id"] == ticket_id:
                c["ticket"] = None

    def _on_ticket_issued(self, data: dict, msg: dict) -> None:
        ticket = {k: v for k, v in data["ticket"].items()
                  if k not in ("ahead", "estimated_wait_s")}
        self._insert_waiting(ticket)

    def _on_ticket_called(self, data: dict, msg: dict) -> None:
        ticket = data["ticket"]
        self._remove_waiting(ticket["id"])
        counter = self.counters.get(data["counter"])
        if counter is not None:
            counter["ticket"] = ticket
            counter["call_reason"] = data.get("reason")
        self.recent_calls.insert(0, {"ticket": ticket, "counter": data["counter"],
                                     "at": msg.get("at")})
        del self.recent_calls[RECENT_CALLS:]

    def _on_ticket_recalled(self, data: dict, msg: dict) -> None:
        counter = self.counters.get(data["counter"])
        if counter is not None:
            counter["ticket"] = data["ticket"]

    def _on_service_started(self, data: dict, msg: dict) -> None:
        self._on_ticket_recalled(data, msg)

    def _on_ticket_finished(self, data: dict, msg: dict) -> None:
        self._clear_counter_ticket(data["ticket"]["id"])
        counter = self.counters.get(data.get("counter") or "")
        if counter is not None and isinstance(data.get("stats"), dict):
            counter["stats"] = data["stats"]  # the officer's day, as the server counts it

    def _on_ticket_no_show(self, data: dict, msg: dict) -> None:
        self._on_ticket_finished(data, msg)  # it carries the officer's updated stats too
        self.no_shows[data["ticket"]["id"]] = data["ticket"]

    def _on_ticket_transferred(self, data: dict, msg: dict) -> None:
        # A counter's transfer, or a supervisor's move (`position` front: its queued_at
        # now comes just before its new line's first, so it sorts there).
        ticket = data["ticket"]
        before = self._service_of(ticket["id"])
        self._clear_counter_ticket(ticket["id"])
        self._insert_waiting(ticket)
        self._recount(before, ticket.get("service"))

    def _on_ticket_cancelled(self, data: dict, msg: dict) -> None:
        before = self._service_of(data["ticket"]["id"])
        self._remove_waiting(data["ticket"]["id"])
        self._clear_counter_ticket(data["ticket"]["id"])
        self._recount(before)

    def _on_ticket_reinstated(self, data: dict, msg: dict) -> None:
        # A no-show waits again at the place it had: its queued_at is kept (public roles
        # get no queued_at: its issue time orders it). Its call is over.
        self._clear_counter_ticket(data["ticket"]["id"])
        self.no_shows.pop(data["ticket"]["id"], None)
        self._insert_waiting(data["ticket"])

    def _service_of(self, ticket_id: str) -> str | None:
        return next((tk["service"] for tk in self.waiting if tk["id"] == ticket_id), None)

    def _recount(self, *service_ids: str | None) -> None:
        """A service's waiting count after an event that carries no `service_stats`
        (its estimate stays until the next one that does)."""
        for sid in service_ids:
            if sid in self.services:
                self.services[sid]["waiting"] = self.waiting_count(sid)

    def _on_counter_opened(self, data: dict, msg: dict) -> None:
        counter = data["counter"]
        self.counters[counter["id"]] = counter

    _on_counter_paused = _on_counter_opened
    _on_counter_closed = _on_counter_opened

    def _on_day_rolled_over(self, data: dict, msg: dict) -> None:
        self.waiting.clear()
        self.recent_calls.clear()
        self.alerts.clear()
        self.no_shows.clear()
        for c in self.counters.values():
            c["ticket"] = None
        self.office["day"] = data.get("day")

    def _on_announcement(self, data: dict, msg: dict) -> None:
        self.announcement = data if data.get("text") else None

    def _on_device_status(self, data: dict, msg: dict) -> None:
        self.device_status[data.get("device", "?")] = data

    def _on_alert(self, data: dict, msg: dict) -> None:
        self.alerts[f"{data['service']}/{data['kind']}"] = data

    def _on_alert_cleared(self, data: dict, msg: dict) -> None:
        self.alerts.pop(f"{data['service']}/{data['kind']}", None)

    def _on_service_changed(self, data: dict, msg: dict) -> None:
        # The whole service as in the snapshot: open/closed_reason, issuing_paused (the
        # supervisor's reason), holiday (today's name), quota and quota_today.
        service = data["service"]
        self.services[service["id"]] = service

    def _on_calendar_changed(self, data: dict, msg: dict) -> None:
        # The services it closes or opens today come as their own `service_changed`.
        self.holidays = list(data.get("days") or [])

    # `config_reloaded` needs nothing here: the server sends a fresh welcome next, and
    # `load_welcome` replaces services, counters, lanes and texts from its snapshot.


def _queued(ticket: dict[str, Any]) -> str:
    """When a ticket joined its line (ISO text in the office's offset: sorts as time)."""
    return ticket.get("queued_at") or ticket.get("issued_at") or ""
