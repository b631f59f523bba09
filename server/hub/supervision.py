"""The hub's side of the supervisor's console: supervisors' hellos, pairing devices by a
code, which paired devices are connected, and the supervisor's commands that are about
people, devices and settings rather than the queue (the engine answers the others).

Whatever changes is applied by the hub's writer, in order with everything else, as a
"apply" work item: its events are committed (with the supervisor as their actor) before
anyone hears of them, like every engine command's.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from config import office as office_config
from i18n import t
from protocol import messages as m
from server.engine import Actor, Engine
from server.engine.handlers import supervisor as sup
from server.engine.model import EngineError, ticket_id
from server.hub.clients import Client
from server.store.sqlite import new_pin_hash

if TYPE_CHECKING:
    from server.hub.websocket import Hub

log = logging.getLogger("antrean.hub.supervision")

PAIRING_TTL = timedelta(minutes=10)
PAIRING_PER_ADDRESS = 3
PAIRING_MAX = 20
OFFLINE_AFTER = timedelta(seconds=30)
LABEL = re.compile(r"^[A-Za-z0-9._-]{1,40}$")  # a device name, a console's label
PIN = re.compile(r"^[0-9]{4,8}$")
DEFAULT_AUDIT_LIMIT = 100
# What a reload must keep: in a language, the word for each kind of thing it checks.
KINDS = {"id": {"service": "layanan", "lane": "jalur", "stage": "tahap", "counter": "loket"},
         "en": {"service": "service", "lane": "lane", "stage": "stage", "counter": "counter"}}

Applied = tuple[Any, list[tuple[str, dict[str, Any]]]]  # (result data, events)


@dataclass(eq=False)
class PendingPairing:
    """A device waiting with a pairing code (its connection stays open meanwhile)."""

    code: str  # six digits
    role: str
    device: str  # the label it sent (display only)
    address: str
    requested_at: datetime
    expires_at: datetime
    client: Client
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def wire(self, iso: Callable[[datetime], str]) -> dict[str, Any]:
        return {"code": shown_code(self.code), "role": self.role, "device": self.device,
                "address": self.address, "requested_at": iso(self.requested_at),
                "expires_at": iso(self.expires_at)}


def shown_code(code: str) -> str:
    """"483912" as a device shows it: "483 912"."""
    return f"{code[:3]} {code[3:]}"


def plain_code(code: str) -> str:
    return code.replace(" ", "")


def remote_address(ws: Any) -> str:
    address = getattr(ws, "remote_address", None)
    return str(address[0]) if isinstance(address, tuple) and address else "unknown"


def _never(engine: Engine, now: datetime) -> Applied:
    """Stands for a command that was already carried out: the writer answers its re-send
    with the result it kept, and never runs this."""
    raise EngineError(m.ErrorCode.INTERNAL, "err_internal")


class Supervision:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.pending: dict[str, PendingPairing] = {}  # code -> request
        # paired devices' open connections (welcomed or not), for presence and revoking
        self.connections: dict[str, set[Client]] = {}
        self.gone_at: dict[str, tuple[datetime, str]] = {}  # device -> (when, role)
        self.reported_offline: dict[str, dict[str, Any] | None] = {}  # -> status before
        self.revoked: set[str] = set()
        self.offline_after = OFFLINE_AFTER

    @property
    def lang(self) -> str:
        return self.hub.config.default_language

    def _error(self, key: str, **params: Any) -> str:
        return t(f"server.{key}", self.lang, **params)

    # ------------------------------------------------------------------ supervisors
    async def hello(self, client: Client, msg: dict[str, Any]) -> bool:
        """A supervisor's hello: officer id and PIN, checked like a counter login (on a
        thread, the same lockouts) but counted per remote address: the label the page
        sends is its own choice and must not reset the count."""
        hub = self.hub
        officer, pin = msg.get("officer"), msg.get("pin")
        if not (isinstance(officer, str) and isinstance(pin, str)
                and 0 < len(officer) <= m.NAME_CHARS and 0 < len(pin) <= m.NAME_CHARS):
            await hub._refuse(client, m.error(m.ErrorCode.UNAUTHORIZED,
                                              self._error("err_supervisor_login")),
                              "unauthorized")
            return False
        address = remote_address(client.ws)
        verdict, name, minutes = await asyncio.to_thread(
            hub.store.verify_officer, officer, pin, hub.clock(), f"ip:{address}", True)
        if verdict != "ok":
            log.warning("refused supervisor hello for officer %r from %s (%s)", officer,
                        address, verdict)
            error = (m.error(m.ErrorCode.LOCKED_OUT, t("server.err_locked_out", self.lang,
                                                       minutes=minutes))
                     if verdict == "locked" else
                     m.error(m.ErrorCode.UNAUTHORIZED, self._error("err_supervisor_login")))
            await hub._refuse(client, error, "unauthorized")
            return False
        label = msg.get("device")
        label = label if isinstance(label, str) and LABEL.match(label) else "web"
        client.identify(m.Role.SUPERVISOR, label)
        client.actor = Actor(m.Role.SUPERVISOR, label, officer, name)
        # its re-sent commands are found again by the person, never by the label alone
        client.results_key = f"supervisor:{label}/{officer}"
        log.info("supervisor %s signed in from %s", officer, address)
        return True

    def welcome_extra(self, client: Client, snapshot: dict[str, Any], now: datetime) -> dict:
        """A supervisor's welcome: who is signed in; its snapshot gains officers, devices,
        pending pairings."""
        actor = client.actor
        snapshot["officers"] = self.hub.store.list_officers(now)
        snapshot["devices"] = self.devices_wire()
        snapshot["pairing"] = [p.wire(self.hub.engine.iso) for p in self.pending.values()]
        return {"session": {"officer": actor.officer, "name": actor.officer_name}}

    def devices_wire(self) -> list[dict[str, Any]]:
        engine = self.hub.engine
        out = []
        for device in self.hub.store.list_devices():
            if device.revoked_at:
                continue
            connected = bool(self.connections.get(device.name))
            out.append({"name": device.name, "role": device.role, "counter": device.counter,
                        "connected": connected, "last_seen": device.last_seen,
                        "status": engine.device_status.get(device.name)})
        return out

    # ------------------------------------------------------------------ presence
    def connected(self, client: Client) -> None:
        """A paired device's hello was accepted."""
        name = client.device
        if name in self.revoked:
            client.closing = True
            self.hub._spawn(client.ws.close(m.POLICY_VIOLATION, "revoked"))
            return
        self.connections.setdefault(name, set()).add(client)
        self.gone_at.pop(name, None)
        self._seen(name)
        if name in self.reported_offline:
            before = self.reported_offline.pop(name)
            role = client.role

            def back(engine: Engine, now: datetime) -> Applied:
                entry = {**(before or {"device": name, "role": role, "status": "ok",
                                       "detail": ""}), "at": engine.iso(now)}
                engine.device_status[name] = entry
                engine.touch_meta()
                return {}, [(m.Event.DEVICE_STATUS, entry)]
            self.hub.apply(back)

    def disconnected(self, client: Client) -> None:
        name = client.device
        clients = self.connections.get(name)
        if clients is None or client not in clients:
            return
        clients.discard(client)
        if not clients:
            del self.connections[name]
            self.gone_at[name] = (self.hub.clock(), client.role)
            self._seen(name)

    def _seen(self, name: str) -> None:
        at = self.hub.engine.iso(self.hub.clock())
        self.hub._spawn(self._store_seen(name, at))

    async def _store_seen(self, name: str, at: str) -> None:
        # presence, not queue state: a device leaving as the server stops (its store
        # already closed) or a busy disk loses a "last seen", never more
        try:
            await asyncio.to_thread(self.hub.store.device_seen, name, at)
        except sqlite3.Error as exc:
            log.info("last seen of %s not stored: %s", name, exc)

    def on_tick(self, engine: Engine, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """(In the writer, with the tick.) Devices gone longer than `offline_after`."""
        events = []
        for name, (gone, role) in list(self.gone_at.items()):
            if now - gone >= self.offline_after:
                del self.gone_at[name]
                if name in self.revoked:
                    continue
                self.reported_offline[name] = engine.device_status.get(name)
                events.append(sup.device_offline(engine, name, role, now))
        return events

    # ------------------------------------------------------------------ pairing
    async def pair(self, client: Client, msg: dict[str, Any]) -> None:
        """A device without a token asks to be paired: it gets a code and waits, its
        connection open, until a supervisor approves or rejects it or the code expires."""
        hub, ws = self.hub, client.ws
        role, address = msg["role"], remote_address(ws)
        if role not in m.PAIRABLE_ROLES:
            await hub._refuse(client, m.error(m.ErrorCode.UNAUTHORIZED,
                                              "this role cannot be paired by a code"),
                              "unauthorized")
            return
        from_here = sum(p.address == address for p in self.pending.values())
        if from_here >= PAIRING_PER_ADDRESS or len(self.pending) >= PAIRING_MAX:
            log.warning("pairing request from %s refused: too many waiting", address)
            await hub._refuse(client, m.error(m.ErrorCode.RATE_LIMITED,
                                              self._error("err_pairing_full")), "rate limited")
            return
        while (code := f"{secrets.randbelow(10**6):06d}") in self.pending:
            pass
        now = hub.clock()
        label = msg.get("device")
        label = label if isinstance(label, str) and LABEL.match(label) else role
        request = PendingPairing(code, role, label, address, now, now + PAIRING_TTL, client)
        self.pending[code] = request
        client.role, client.device = role, f"pairing:{shown_code(code)}"
        hub._send([client], m.encode({"type": "pairing", "code": shown_code(code),
                                      "expires_at": hub.engine.iso(request.expires_at)}))
        log.info("pairing requested by a %s at %s", role, address)
        wire = request.wire(hub.engine.iso)
        hub.apply(lambda engine, now: ({}, [(m.Event.PAIRING_REQUESTED, wire)]))
        try:
            async for _frame in ws:  # nothing it says matters until it is paired
                if client.bad_frame():
                    break
        finally:
            if self.pending.get(code) is request:  # it went away while waiting
                del self.pending[code]
                hub.apply(lambda engine, now: ({}, [(m.Event.PAIRING_CLOSED, {
                    "code": shown_code(code), "outcome": "withdrawn"})]))

    def expire_pairings(self, now: datetime) -> None:
        for code, request in list(self.pending.items()):
            if request.expires_at <= now:
                del self.pending[code]
                self._close_waiting(request, "expired")
                self.hub.apply(lambda engine, now, code=code: ({}, [(
                    m.Event.PAIRING_CLOSED, {"code": shown_code(code), "outcome": "expired"})]))

    def _close_waiting(self, request: PendingPairing, why: str) -> None:
        self.hub._send([request.client], m.encode(m.error(
            m.ErrorCode.UNAUTHORIZED, self._error("err_pairing_closed"))))
        request.client.closing = True
        self.hub._spawn(request.client.ws.close(m.POLICY_VIOLATION, why))

    def _check_approval(self, code: str, name: str, role: str, counter: str | None) -> None:
        """Refuse an approval that cannot be carried out (EngineError), before anything."""
        request = self.pending.get(plain_code(code))
        if request is None:
            raise EngineError(m.ErrorCode.NOT_FOUND, "err_unknown_code", pairing=code)
        if role != request.role:  # a token for another role would be refused at its hello
            raise EngineError(m.ErrorCode.BAD_REQUEST, "err_pairing_role",
                              asked=request.role, role=role)
        if not LABEL.match(name):
            raise EngineError(m.ErrorCode.BAD_REQUEST, "err_bad_device_name")
        if counter is not None and self.hub.config.counter(counter) is None:
            raise EngineError(m.ErrorCode.BAD_REQUEST, "err_unknown_counter", counter=counter)
        if role == m.Role.TABLET and counter is None:
            raise EngineError(m.ErrorCode.BAD_REQUEST, "err_tablet_counter")

    def approval(self, code: str, name: str, role: str, counter: str | None
                 ) -> Callable[[Engine, datetime], Applied]:
        """What approving a code does, in the writer: the device is stored (its token's
        hash), the waiting connection gets the token and is closed; events."""
        code = plain_code(code)

        def approve(engine: Engine, now: datetime) -> Applied:
            self._check_approval(code, name, role, counter)
            existing = self.hub.store.device(name)
            if existing is not None and existing.revoked_at is None:
                raise EngineError(m.ErrorCode.INVALID_STATE, "err_device_name_taken", name=name)
            request = self.pending.pop(code)
            token = self.hub.store.add_device(name, role, counter)
            self.revoked.discard(name)
            paired = {"name": name, "role": role, "counter": counter}

            def hand_over() -> None:
                client = request.client
                self.hub._send([client], m.encode({"type": "paired", "name": name,
                                                   "token": token}))
                client.closing = True
                self.hub._spawn(client.ws.close(1000, "paired"))
            self.hub.after(hand_over)
            log.info("device %s paired as %s", name, role)
            return paired, [(m.Event.DEVICE_PAIRED, paired), (m.Event.PAIRING_CLOSED, {
                "code": shown_code(code), "outcome": "approved"})]
        return approve

    async def cli_approvals(self) -> None:
        """Approvals made with `antrean device approve` (a table the server reads)."""
        hub = self.hub
        try:
            rows = await asyncio.to_thread(hub.store.pending_pairing_approvals)
        except Exception:
            log.exception("cannot read pairing approvals")
            return
        for row in rows:
            code = plain_code(row["code"])
            try:
                self._check_approval(code, row["name"], row["role"], row["counter"])
            except EngineError as exc:
                await asyncio.to_thread(hub.store.answer_pairing_approval, row["code"],
                                        exc.message(self.lang))
                continue
            approve = self.approval(code, row["name"], row["role"], row["counter"])

            def recorded(engine: Engine, now: datetime, approve: Any = approve,
                         row: dict = row) -> Applied:
                try:
                    data, events = approve(engine, now)
                except EngineError as exc:
                    outcome = exc.message(self.lang)
                    self.hub._spawn(asyncio.to_thread(hub.store.answer_pairing_approval,
                                                      row["code"], outcome))
                    raise
                hub.store.answer_pairing_approval(row["code"], "approved")
                return data, events
            await asyncio.to_thread(hub.store.answer_pairing_approval, row["code"], "pending")
            hub.apply(recorded, actor_name="cli")

    # ------------------------------------------------------------------ commands
    async def command(self, client: Client, msg: dict[str, Any]) -> None:
        """A supervisor's command the hub answers (its spec says `answered_by="hub"`)."""
        name, cmd_id = msg["name"], msg["id"]
        if (client.key, cmd_id) in self.hub.results:  # a re-send: the writer answers it
            self.hub.apply(_never, client=client, msg=msg)
            return
        try:
            args = m.check_args(name, msg["args"])
            if name == "audit":
                await self._audit(client, cmd_id, args)
                return
            if name == "ticket_history":
                await self._history(client, cmd_id, args)
                return
            apply = await getattr(self, f"_{name}")(args)
        except (m.ArgError, EngineError) as exc:
            self.hub._reply(client, m.result_error(cmd_id, exc.code, exc.message(self.lang)))
            return
        self.hub.apply(apply, client=client, msg=msg)

    async def reprint_check(self, client: Client, msg: dict[str, Any]) -> bool:
        """`reprint` names a kiosk: a paired, not revoked one (the engine knows no devices)."""
        kiosk = msg["args"].get("kiosk")
        device = await asyncio.to_thread(self.hub.store.device, kiosk) \
            if isinstance(kiosk, str) else None
        if device is None or device.revoked_at or device.role != m.Role.KIOSK:
            self.hub._reply(client, m.result_error(msg["id"], m.ErrorCode.NOT_FOUND,
                                                   self._error("err_not_a_kiosk",
                                                               name=str(kiosk)[:40])))
            return False
        return True

    async def _audit(self, client: Client, cmd_id: str, args: dict[str, Any]) -> None:
        day = (args["day"] or self.hub.engine.day).isoformat()
        number = args["ticket"].upper() if args["ticket"] else None
        events = await asyncio.to_thread(self.hub.store.audit_events, day, args["officer"],
                                         number, args["limit"] or DEFAULT_AUDIT_LIMIT)
        self.hub._reply(client, m.result_ok(cmd_id, {"events": events}))

    async def _history(self, client: Client, cmd_id: str, args: dict[str, Any]) -> None:
        ref = args["ticket"]
        day = args["day"] or self.hub.engine.day
        number = ref.upper()
        if ref.startswith("t_"):  # an id: t_YYYYMMDD_NUMBER
            parts = ref.split("_", 2)
            try:
                day = datetime.strptime(parts[1], "%Y%m%d").date()
                number = parts[2].upper()
            except (IndexError, ValueError):
                raise EngineError(m.ErrorCode.NOT_FOUND, "err_unknown_ticket",
                                  ticket=ref) from None
        events = await asyncio.to_thread(self.hub.store.ticket_events, number, day.isoformat())
        if not events:
            raise EngineError(m.ErrorCode.NOT_FOUND, "err_unknown_ticket", ticket=ref)
        self.hub._reply(client, m.result_ok(cmd_id, {
            "ticket": ticket_id(day.strftime("%Y%m%d"), number), "events": events}))

    async def _save_officer(self, args: dict[str, Any]) -> Callable[[Engine, datetime], Applied]:
        officer, name, pin = args["officer"], args["name"], args["pin"]
        store = self.hub.store
        if pin is not None and not PIN.match(pin):
            raise EngineError(m.ErrorCode.BAD_REQUEST, "err_bad_pin")
        if pin is None and not await asyncio.to_thread(store.officer_exists, officer):
            raise EngineError(m.ErrorCode.BAD_REQUEST, "err_new_officer_pin")
        pin_hash = await asyncio.to_thread(new_pin_hash, pin) if pin is not None else None
        supervisor, disabled, unlock = args["supervisor"], args["disabled"], args["unlock"]

        def save(engine: Engine, now: datetime) -> Applied:
            if disabled:
                serving = sup.officer_serving(engine, officer)
                if serving is not None:
                    raise EngineError(m.ErrorCode.INVALID_STATE, "err_officer_serving",
                                      officer=officer, number=serving.number)
            store.save_officer(officer, name, pin_hash, supervisor, disabled)
            if unlock:
                store.clear_lockouts(officer)
            events: list[tuple[str, dict[str, Any]]] = []
            if disabled:
                sup.end_officer_sessions(engine, officer, events)
            info = store.officer_info(officer, now)
            events.append((m.Event.OFFICER_CHANGED, {"officer": info}))
            if info["disabled"] or not info["supervisor"]:
                self.hub.after(lambda: self._end_consoles(officer))
            return info, events
        return save

    def _end_consoles(self, officer: str) -> None:
        """A supervisor disabled or no longer a supervisor: their consoles close."""
        for client in list(self.hub.clients):
            if client.role == m.Role.SUPERVISOR and client.actor.officer == officer:
                self.hub.cut_off(client, "signed out")

    async def _approve_pairing(self, args: dict[str, Any]) -> Callable:
        self._check_approval(args["code"], args["name"], args["role"], args["counter"])
        return self.approval(args["code"], args["name"], args["role"], args["counter"])

    async def _reject_pairing(self, args: dict[str, Any]) -> Callable:
        code = plain_code(args["code"])
        if code not in self.pending:
            raise EngineError(m.ErrorCode.NOT_FOUND, "err_unknown_code", pairing=args["code"])

        def reject(engine: Engine, now: datetime) -> Applied:
            request = self.pending.pop(code, None)
            if request is None:
                raise EngineError(m.ErrorCode.NOT_FOUND, "err_unknown_code", pairing=args["code"])
            self.hub.after(lambda: self._close_waiting(request, "rejected"))
            return {}, [(m.Event.PAIRING_CLOSED, {"code": shown_code(code),
                                                  "outcome": "rejected"})]
        return reject

    async def _revoke_device(self, args: dict[str, Any]) -> Callable:
        name = args["name"]
        device = await asyncio.to_thread(self.hub.store.device, name)
        if device is None or device.revoked_at:
            raise EngineError(m.ErrorCode.NOT_FOUND, "err_unknown_device", name=name)

        def revoke(engine: Engine, now: datetime) -> Applied:
            if not self.hub.store.revoke_device(name):
                raise EngineError(m.ErrorCode.NOT_FOUND, "err_unknown_device", name=name)
            self.revoked.add(name)
            self.gone_at.pop(name, None)
            self.hub.after(lambda: self._cut_device(name))
            log.info("device %s revoked", name)
            return {}, [(m.Event.DEVICE_REVOKED, {"name": name})]
        return revoke

    def _cut_device(self, name: str) -> None:
        """Every open connection of a revoked device closes now."""
        for client in list(self.connections.pop(name, ())):
            self.hub.cut_off(client, "revoked")

    async def _reload_config(self, args: dict[str, Any]) -> Callable:
        source = self.hub.config.source
        try:
            new = await asyncio.to_thread(office_config.load, source)
        except office_config.ConfigError as exc:
            raise EngineError(m.ErrorCode.BAD_REQUEST, "err_config_file",
                              problem=str(exc)) from None

        def reload(engine: Engine, now: datetime) -> Applied:
            self._check_kept(engine, new)
            self.hub.reconfigure(new, now)
            log.info("office settings reloaded from %s", source)
            return {}, [(m.Event.CONFIG_RELOADED, {})]
        return reload

    def _check_kept(self, engine: Engine, new: office_config.OfficeConfig) -> None:
        """A reload may not take away what an active ticket stands in or is called to."""
        counters = {c.id for c in new.counters}
        for ticket in engine.tickets.values():
            if ticket.status not in sup.lc.ACTIVE:
                continue
            svc = new.service(ticket.service)
            missing = None
            if svc is None:
                missing = ("service", ticket.service)
            elif ticket.lane not in svc.lanes:
                missing = ("lane", ticket.lane)
            elif ticket.stage not in svc.stages:
                missing = ("stage", ticket.stage)
            else:
                for cid in (ticket.counter, ticket.reserved_counter):
                    if cid is not None and cid not in counters:
                        missing = ("counter", cid)
            if missing is not None:
                raise EngineError(m.ErrorCode.BAD_REQUEST, "err_config_orphan",
                                  what=KINDS.get(self.lang, KINDS["en"])[missing[0]],
                                  name=missing[1], number=ticket.number)
