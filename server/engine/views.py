"""What clients are sent: views of the engine's state for the wire.

The staff view (counter, admin); public roles get `protocol.public_snapshot` of it. The
engine offers them as its methods (`Engine.counter_wire`, `Engine.snapshot`, ...).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from protocol import PUBLIC_ROLES, public_snapshot

if TYPE_CHECKING:
    from server.engine.core import Engine


def service_wire(eng: Engine, sid: str, now: datetime) -> dict[str, Any]:
    svc = eng.service_cfg[sid]
    is_open, why = eng.service_state(sid, now)
    stats = eng.service_stats(sid)
    return {"id": svc.id, "prefix": svc.prefix, "name": svc.name.model_dump(),
            "lanes": list(svc.lanes), "stages": list(svc.stages), "open": is_open,
            "closed_reason": why, "waiting": stats["waiting"],
            "estimated_wait_s": stats["estimated_wait_s"],
            "target_wait_minutes": svc.target_wait_minutes,
            "quota": dict(svc.quota),
            "issued": {lane: eng.issued.get(f"{sid}/{lane}", 0) for lane in svc.lanes},
            "info": svc.info.model_dump() if svc.info else None}


def counter_wire(eng: Engine, cid: str) -> dict[str, Any]:
    cfg = eng.counter_cfg[cid]
    state = eng.counters[cid]
    ticket = eng.tickets.get(state.ticket) if state.ticket else None
    stats = eng.officer_stats.get(state.officer or "", {})
    served = int(stats.get("served", 0))
    return {"id": cid, "name": cfg.name, "services": list(cfg.services),
            "lanes": list(cfg.lanes or [lane.id for lane in eng.config.lanes]),
            "stages": list(cfg.stages) if cfg.stages else None, "zone": cfg.zone,
            "status": state.status, "officer": state.officer,
            "officer_name": state.officer_name,
            "pause_reason": state.pause_reason,
            "ticket": eng.ticket_wire(ticket) if ticket else None,
            "call_reason": state.call_reason if ticket else None,
            "stats": {"served": served, "no_show": int(stats.get("no_show", 0)),
                      "avg_service_s": (stats.get("service_s", 0) / served) if served
                      else None}}


def office_wire(eng: Engine) -> dict[str, Any]:
    o = eng.config.office
    return {"id": o.id, "name": o.name, "timezone": o.timezone, "languages": o.languages,
            "day": eng.day_iso(), "ticket_footer": [f.model_dump() for f in o.ticket_footer]}


def snapshot(eng: Engine, now: datetime, role: str) -> dict[str, Any]:
    snap = {
        "office": office_wire(eng),
        "lanes": [{"id": lane.id, "name": lane.name.model_dump(), "priority": lane.priority}
                  for lane in eng.config.lanes],
        "services": [service_wire(eng, sid, now) for sid in eng.service_cfg],
        "counters": [counter_wire(eng, cid) for cid in eng.counter_cfg],
        "waiting": [eng.ticket_wire(tk) for tk in eng.waiting_order(now)],
        "recent_calls": [{"ticket": eng.ticket_wire(eng.tickets[c["ticket"]]),
                          "counter": c["counter"], "at": c["at"]}
                         for c in reversed(eng.recent_calls) if c["ticket"] in eng.tickets],
        "announcement": eng.announcement,
        "alerts": list(eng.alerts.values()),
        "device_status": list(eng.device_status.values()),
    }
    return public_snapshot(snap) if role in PUBLIC_ROLES else snap
