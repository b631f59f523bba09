"""The hub's numbers for Prometheus: `GET /metrics`, in its text format (prometheus-client).

Counted as things happen (the hub calls `event`, `committed`, `broadcast_after_call`):

- `antrean_tickets_{issued,called,finished,no_show}_total{service,lane}` since the server
  started (a restart starts them over: Prometheus' `rate()` and `increase()` expect that);
- `antrean_commit_seconds` — one group commit (the COMMIT and its fsync, on its thread);
- `antrean_call_to_broadcast_seconds` — a counter's call (`call_next`, `call_ticket`,
  `recall`) from the moment its frame was read to the moment its event was handed to every
  client: what a hall board's latency is made of on the server.

Read when scraped, from the hub's state (`HubState`):

- `antrean_waiting{service,lane}` — tickets waiting now (0 for every lane a service has);
- `antrean_clients{role}` — connected, welcomed clients by role;
- `antrean_device_status{device,role,status}` — 1 for each device's last reported state
  (a kiosk reports its printer's: `ok`, `paper_near_end`, `paper_out`, `cover_open`,
  `offline`, `unknown`), 0 for the other states; `antrean_device_status_age_seconds`;
- `antrean_database_ok` — 1 while the database takes commits (as `GET /health`).

Each hub has its own registry, never prometheus-client's global one: several servers in
one process (the tests) keep their own numbers. Nothing here carries personal data.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from protocol.messages import DEVICE_STATUSES, ROLES

CONTENT_TYPE = CONTENT_TYPE_LATEST
# event name -> the counter it adds to
TICKET_EVENTS = {"ticket_issued": "issued", "ticket_called": "called",
                 "ticket_finished": "finished", "ticket_no_show": "no_show"}
CALL_COMMANDS = frozenset({"call_next", "call_ticket", "recall"})
# seconds: a LAN office's commits and broadcasts take milliseconds; the top buckets catch
# a disk or a loop in trouble
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class HubState:
    """What a scrape reads from the hub, on the hub's event loop."""

    waiting: Callable[[], Iterable[tuple[str, str]]]  # (service, lane) of each waiting one
    lanes: Callable[[], Iterable[tuple[str, str]]]  # every (service, lane) the office has
    client_roles: Callable[[], Iterable[str]]  # the role of each connected client
    devices: Callable[[], Iterable[Mapping[str, Any]]]  # device_status entries
    database_ok: Callable[[], bool]
    now: Callable[[], float]  # seconds since the epoch (the hub's clock)


class _StateCollector(Collector):
    def __init__(self, state: HubState) -> None:
        self.state = state

    def collect(self) -> Iterable[GaugeMetricFamily]:
        state = self.state
        waiting = GaugeMetricFamily("antrean_waiting", "Tickets waiting now",
                                    labels=["service", "lane"])
        counts = Tally({pair: 0 for pair in state.lanes()})
        counts.update(state.waiting())
        for (service, lane), n in sorted(counts.items()):
            waiting.add_metric([service, lane], n)
        yield waiting

        clients = GaugeMetricFamily("antrean_clients", "Connected clients by role",
                                    labels=["role"])
        roles = Tally({role: 0 for role in ROLES})
        roles.update(state.client_roles())
        for role, n in sorted(roles.items()):
            clients.add_metric([role], n)
        yield clients

        status = GaugeMetricFamily(
            "antrean_device_status", "A device's last reported state (a kiosk: its "
            "printer's): 1 for that state, 0 for the others", labels=["device", "role", "status"])
        age = GaugeMetricFamily("antrean_device_status_age_seconds",
                                "Seconds since the device last reported its state",
                                labels=["device", "role"])
        now = state.now()
        for entry in sorted(state.devices(), key=lambda e: str(e.get("device"))):
            device, role = str(entry.get("device")), str(entry.get("role"))
            for name in DEVICE_STATUSES:
                status.add_metric([device, role, name], 1 if entry.get("status") == name else 0)
            at = entry.get("at")
            if isinstance(at, str):
                try:
                    age.add_metric([device, role], max(0.0, now - datetime.fromisoformat(
                        at).timestamp()))
                except ValueError:
                    pass
        yield status
        yield age

        yield GaugeMetricFamily("antrean_database_ok", "1 while the database takes commits "
                                "(as GET /health), else 0", value=1 if state.database_ok() else 0)


class HubMetrics:
    def __init__(self, state: HubState) -> None:
        self.registry = CollectorRegistry()
        self.tickets = {
            kind: Counter(f"antrean_tickets_{kind}", f"Tickets {kind.replace('_', ' ')} since "
                          "the server started", ["service", "lane"], registry=self.registry)
            for kind in TICKET_EVENTS.values()}
        self.commit_seconds = Histogram(
            "antrean_commit_seconds", "One group commit (COMMIT and fsync), seconds",
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.call_to_broadcast_seconds = Histogram(
            "antrean_call_to_broadcast_seconds", "A counter's call, from its frame read to "
            "its event handed to every client, seconds", buckets=LATENCY_BUCKETS,
            registry=self.registry)
        self.registry.register(_StateCollector(state))

    def event(self, name: str, data: Mapping[str, Any]) -> None:
        kind = TICKET_EVENTS.get(name)
        if kind is None:
            return
        ticket = data.get("ticket")
        if isinstance(ticket, Mapping):
            self.tickets[kind].labels(str(ticket.get("service")),
                                      str(ticket.get("lane"))).inc()

    def committed(self, seconds: float) -> None:
        self.commit_seconds.observe(seconds)

    def broadcast_after_call(self, seconds: float) -> None:
        self.call_to_broadcast_seconds.observe(seconds)

    def render(self) -> bytes:
        """The text exposition (call it on the hub's loop: it reads the hub's state)."""
        return generate_latest(self.registry)
