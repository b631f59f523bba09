"""The WebSocket hub: connections, handshake, commands, gap-free events, resync.

Built on websockets' public API only: `serve`, one handler per connection reading with
`async for message in websocket`, and `websockets.broadcast` for every write.

- **Reading.** Each connection's handler checks a frame (size, JSON, role, rate) and
  queues it for the writer. A step that has to wait (a device token at hello, an
  officer's PIN at login, both checked on a thread) holds up only that connection's
  reading, so a client's commands are taken in the order it sent them.
- **The writer** is one task that owns the engine. It takes everything queued, applies
  it to the engine, commits the whole batch in ONE SQLite transaction (group commit; the
  COMMIT runs on a thread, so the loop keeps reading meanwhile) and only then sends
  results, events and welcomes, in order. A welcome's snapshot is taken after its batch,
  so it is exactly the state as of the `seq` it carries.
- **Writing** never waits for a client: each event is serialised once per audience
  and handed to every client at once (`broadcast`). A client that does not read cannot
  make the server hold its data forever: each client's bytes not yet acknowledged (by a
  pong answering a ping sent after them) are counted, and past a limit it is dropped —
  it reconnects and resyncs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, broadcast
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode, Frame
from websockets.protocol import State

from config.office import OfficeConfig
from i18n import t
from protocol import messages as m
from server.engine import Actor, Engine
from server.engine.model import Changes, EngineError, Outcome
from server.hub import http, phone
from server.hub.clients import Client, TokenBucket
from server.hub.links import ReportLinks
from server.hub.metrics import CALL_COMMANDS, CONTENT_TYPE, HubMetrics, HubState
from server.hub.report_hooks import ReportHooks
from server.hub.supervision import Supervision
from server.store import retention
from server.store.sqlite import RESULT_TTL, Store, encode_part

log = logging.getLogger("antrean.hub")


class _NoFrames(logging.Filter):
    """websockets' debug log writes every frame it sends and receives, and a hello or a
    login frame holds a PIN or a device token: those records are dropped (its other debug
    lines, request lines and headers, stay)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.args, tuple) and record.args
                    and isinstance(record.args[0], Frame))


websockets_log = logging.getLogger("antrean.hub.websockets")
websockets_log.addFilter(_NoFrames())
event_log = logging.getLogger("antrean.events")
# events logged at INFO (the others at DEBUG): what a technician looks for in the journal
LOGGED_EVENTS = frozenset({
    "counter_opened", "counter_paused", "counter_closed", "day_rolled_over", "device_status",
    "alert", "alert_cleared", "officer_logged_in", "officer_logged_out", "bookings_imported",
    "service_changed", "numbers_leased", "offline_ticket_refused", "officer_changed",
    "device_paired", "device_revoked", "pairing_requested", "pairing_closed", "calendar_changed",
    "config_reloaded"})
# who may read GET /metrics: a device paired with one of these roles (docs/security.md)
METRICS_ROLES = frozenset({"monitor", "admin"})

REPLAY_LIMIT = 2000  # a client further behind than this gets a snapshot instead
SLOW_CLIENT_LIMIT = 2 * 1024 * 1024  # bytes sent and not yet acknowledged: then dropped
BATCH_MAX = 512
GATHER_MAX = 0.005  # seconds a commit waits, at most, for the clients it just answered
TICK_SECONDS = 5.0
HELLO_TIMEOUT = 10.0
RESULT_PRUNE_EVERY = timedelta(hours=1)
RESYNC_COST = 10  # a resync answers with a whole snapshot: it weighs as 10 frames
# commands about one counter: a device paired to a counter may only send them for it
COUNTER_BOUND_COMMANDS = frozenset(name for name, spec in m.COMMANDS.items()
                                   if "counter" in spec.required)


def utc_now() -> datetime:
    return datetime.now(UTC)


def session_hash(secret: str) -> str:
    """What the engine keeps of an officer's session secret (the secret itself only ever
    goes to the connection that logged in)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class Work:
    """One item for the writer."""

    kind: str  # "hello" | "command" | "internal" | "tick"
    client: Client | None = None
    msg: dict[str, Any] | None = None
    actor: Actor | None = None
    last_seq: int = 0
    future: asyncio.Future | None = None  # "internal": an HTTP page's command
    reveal: dict[str, Any] | None = None  # added to this live reply only, never stored
    previous_actor: Actor | None = None  # a login's: the client's actor if it is refused
    # "apply": what the hub itself changes, in the writer (supervision.py): returns
    # (result data, events) or raises EngineError; `actor_name` when no client sent it
    apply: Callable[[Engine, datetime], tuple[Any, list]] | None = None
    actor_name: str = "server"
    received: float = field(default_factory=time.perf_counter)  # for the metrics


@dataclass
class Prepared:
    """One batch applied to the engine, waiting for its commit."""

    batch: list[Work]
    events: list[tuple[str, str, str, str, dict[str, Any]]] = field(default_factory=list)
    replies: list[tuple[Client, str]] = field(default_factory=list)
    futures: list[tuple[asyncio.Future, dict[str, Any]]] = field(default_factory=list)
    welcomes: list[tuple[Client, int, dict[str, Any]]] = field(default_factory=list)
    encoded: Any = None  # what the commit writes (store.EncodedPart)
    after: list[Callable[[], None]] = field(default_factory=list)  # once delivered
    calls: list[float] = field(default_factory=list)  # when each call in it was received


class Hub:
    def __init__(self, config: OfficeConfig, store: Store,
                 clock: Callable[[], datetime] = utc_now,
                 reports: ReportHooks | None = None) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.reports = reports  # report pages and retention: without them, neither
        now = clock()
        meta, tickets, counters, bookings = store.load_state()
        self.engine = Engine.restore(config, now, meta, tickets, counters, bookings)
        # (device, command id) -> result JSON, for idempotent re-sends; kept RESULT_TTL
        # (the protocol promises 24 hours), then forgotten here and in the database
        self.results: dict[tuple[str | None, str], str] = {}
        self._result_times: deque[tuple[datetime, tuple[str | None, str]]] = deque()
        for device, cmd_id, at, text in store.recent_results(
                self.engine.iso(now - RESULT_TTL)):
            self.results[(device, cmd_id)] = text
            self._result_times.append((datetime.fromisoformat(at), (device, cmd_id)))
        self._results_pruned_at = now
        self.clients: set[Client] = set()  # welcomed: they receive every event
        # Commands the hub answers itself, not the engine: they change no queue state, so
        # they are neither queued nor committed nor remembered for re-sends.
        self.report_links = ReportLinks(config)  # one-time links: GET /report/<token>
        self.http = http.Routes(
            health=self.health, ticket=self.ticket_public, run_command=self.run_command,
            take_report=lambda token: self.report_links.take(token, self.clock()),
            report_page=None if reports is None else
            functools.partial(reports.page, store.path, config), metrics=self.metrics_page,
            follow={phone.FOLLOW_PATH: (phone.follow_page(config.office.name), http.HTML),
                    phone.FOLLOW_QR_PATH: (phone.follow_qr_svg(config.office.public_url),
                                           http.SVG)})
        self.hub_commands = {"report_link": self.report_links.command}
        self.metrics = HubMetrics(HubState(
            waiting=lambda: ((tk.service, tk.lane)
                             for tk in self.engine.waiting_order(self.clock())),
            lanes=lambda: ((svc.id, lane) for svc in self.config.services for lane in svc.lanes),
            client_roles=lambda: (client.role for client in self.clients),
            devices=lambda: self.engine.device_status.values(),
            database_ok=lambda: self.store.health()["db"] == "ok",
            now=lambda: self.clock().timestamp()))
        self.queue: asyncio.Queue[Work] = asyncio.Queue()
        self.server: websockets.asyncio.server.Server | None = None
        self.commits = 0  # groups committed (tests and benchmarks count them)
        self.slow_client_limit = SLOW_CLIENT_LIMIT
        self._tasks: list[asyncio.Task] = []
        self._side_tasks: set[asyncio.Task] = set()  # pings, closes, the purge
        self.supervision = Supervision(self)
        self._after: list[Callable[[], None]] = []  # what the batch being applied asks for
        self._carried: Changes | None = None  # a replaced engine's changes (reconfigure)
        self._rewelcome = False  # every live client gets a fresh welcome after this batch

    # ------------------------------------------------------------------ lifecycle
    async def start(self, host: str, port: int, ssl: Any = None) -> tuple[str, int]:
        self.server = await websockets.asyncio.server.serve(
            self._handle, host, port, compression=None, max_size=1024 * 1024,
            process_request=self._process_request, ssl=ssl,
            ping_interval=20, ping_timeout=20, close_timeout=2, server_header="Antrean",
            logger=websockets_log)
        self._tasks = [asyncio.create_task(self._writer(), name="antrean-writer"),
                       asyncio.create_task(self._ticker(), name="antrean-ticker")]
        sock = self.server.sockets[0].getsockname()
        return sock[0], sock[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)
        for task in self._tasks:
            task.cancel()
        for task in [*self._side_tasks, *self._tasks]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _process_request(self, connection: ServerConnection, request: Any) -> Any:
        response = self.http.route(request)
        if asyncio.iscoroutine(response):
            response = await response
        return response

    async def run_command(self, name: str, args: dict[str, Any], actor: Actor) -> dict[str, Any]:
        """Run a command for an HTTP page through the writer (same batching and durability)
        and return its result message."""
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        msg = {"id": f"http-{id(future):x}", "name": name, "args": args}
        self.queue.put_nowait(Work("internal", None, msg, actor, future=future))
        return await future

    def _spawn(self, coro: Any) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
        return task

    # ------------------------------------------------------------------ connections
    async def _handle(self, ws: ServerConnection) -> None:
        limits = self.config.server
        client = Client(ws, TokenBucket(limits.commands_per_second, limits.command_burst))
        try:
            try:
                first = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT)
            except TimeoutError:
                await ws.close(m.POLICY_VIOLATION, "hello expected")
                return
            if not await self._hello(client, first):
                return
            async for message in ws:
                await self._receive(client, message)
        except ConnectionClosed:
            pass
        except Exception:  # a bug here, or the database: this client cannot go on
            log.exception("connection handler failed (%s)", client.device)
            with contextlib.suppress(Exception):
                await ws.close(CloseCode.INTERNAL_ERROR, "internal error")
        finally:
            client.live = False
            self.clients.discard(client)
            if client.role in m.PAIRED_ROLES:
                self.supervision.disconnected(client)

    async def _hello(self, client: Client, frame: str | bytes) -> bool:
        """Check the first frame; queue the client's welcome. False: it was refused."""
        try:
            msg = m.parse(frame)
        except m.ProtocolError as exc:
            await self._refuse(client, m.error(exc.code, exc.message), "hello expected")
            return False
        if msg["type"] != "hello":
            await self._refuse(client, m.error(m.ErrorCode.BAD_REQUEST,
                                               "first frame must be hello"), "hello expected")
            return False
        role = msg["role"]
        if role == m.Role.SUPERVISOR:
            if not await self.supervision.hello(client, msg):
                return False
        elif msg.get("pairing") is True and not msg.get("token") and role in m.PAIRED_ROLES:
            await self.supervision.pair(client, msg)
            return False
        elif role == m.Role.OBSERVER:
            client.identify(role, f"observer-{id(client):x}")
        else:
            device = await asyncio.to_thread(self.store.authenticate_device,
                                             msg.get("device"), msg.get("token"))
            if device is None or device.role != role:
                log.warning("refused %s hello from device %r", role, msg.get("device"))
                await self._refuse(client, m.error(m.ErrorCode.UNAUTHORIZED,
                                                   "wrong or missing device token"),
                                   "unauthorized")
                return False
            client.identify(role, device.name, device.counter)
            self.supervision.connected(client)
            if role == m.Role.COUNTER and isinstance(msg.get("session"), str):
                self._resume_session(client, msg["session"])
        client.resync_pending = True
        self.queue.put_nowait(Work("hello", client, last_seq=msg.get("last_seq", 0)))
        return True

    def _resume_session(self, client: Client, secret: str) -> None:
        """A console reconnecting with the secret its login gave it is its officer again;
        another connection with the same device token is not (it has no secret)."""
        digest = session_hash(secret)
        for state in self.engine.counters.values():
            if state.device == client.device and state.session == digest and state.officer:
                client.actor = Actor(client.role, client.device, state.officer,
                                     state.officer_name, counter=client.counter_binding,
                                     session=digest)
                return

    async def _refuse(self, client: Client, error: dict[str, Any], reason: str) -> None:
        self._send([client], m.encode(error))
        await client.ws.close(m.POLICY_VIOLATION, reason)

    async def _receive(self, client: Client, frame: str | bytes) -> None:
        """One frame of a welcomed (or about to be welcomed) client."""
        if client.closing:
            return
        try:
            msg = m.parse(frame)
        except m.ProtocolError as exc:
            log.info("bad frame from %s: %s", client.device, exc.message)
            if client.bad_frame():
                await client.ws.close(m.POLICY_VIOLATION, "too many bad frames")
                return
            reply = (m.result_error(exc.msg_id, exc.code, exc.message) if exc.msg_id
                     else m.error(exc.code, exc.message))
            self._send([client], m.encode(reply))
            return
        kind = msg["type"]
        cost = RESYNC_COST if kind == "resync" else 1
        if not client.rate.take(cost):  # every frame counts against the client's rate
            message = t("server.err_rate_limited", self.config.default_language)
            reply = (m.result_error(msg["id"], m.ErrorCode.RATE_LIMITED, message)
                     if kind == "command" else m.error(m.ErrorCode.RATE_LIMITED, message))
            self._send([client], m.encode(reply))
            return
        if kind == "command":
            await self._command(client, msg)
        elif kind == "resync":
            if client.resync_pending:  # its answer is on the way: one at a time
                return
            client.resync_pending = True
            self.queue.put_nowait(Work("hello", client, last_seq=msg["last_seq"]))
        else:
            if client.bad_frame():
                await client.ws.close(m.POLICY_VIOLATION, "too many bad frames")
                return
            self._send([client], m.encode(m.error(m.ErrorCode.BAD_REQUEST,
                                                  f"a client may not send {kind!r}")))

    async def _command(self, client: Client, msg: dict[str, Any]) -> None:
        name, cmd_id, args = msg["name"], msg["id"], msg["args"]
        lang = self.config.default_language
        if client.role not in m.COMMANDS[name].roles:
            self._reply(client, m.result_error(
                cmd_id, m.ErrorCode.FORBIDDEN,
                t("server.err_forbidden_role", lang, name=name, role=client.role)))
            return
        if name in COUNTER_BOUND_COMMANDS and client.counter_binding \
                and args.get("counter") != client.counter_binding:
            self._reply(client, m.result_error(
                cmd_id, m.ErrorCode.FORBIDDEN,
                t("server.err_not_logged_in", lang, counter=args.get("counter"))))
            return
        if client.role == m.Role.SUPERVISOR and m.COMMANDS[name].answered_by == "hub" \
                and name not in self.hub_commands:
            await self.supervision.command(client, msg)
            return
        if name == "reprint" and not await self.supervision.reprint_check(client, msg):
            return
        answer = self.hub_commands.get(name)
        if answer is not None:
            self._reply(client, answer(cmd_id, args, self.clock()))
            return
        if name == "login":
            await self._login(client, msg)
            return
        # An idempotent re-send is answered by the writer, after the original's commit.
        self.queue.put_nowait(Work("command", client, msg, client.actor))

    async def _login(self, client: Client, msg: dict[str, Any]) -> None:
        """Check the officer's PIN (on a thread: the KDF is slow on purpose), then let the
        engine log the officer in. The session secret goes to this connection only."""
        lang = self.config.default_language
        try:
            args = m.check_args("login", msg["args"])
        except m.ArgError as exc:
            self._reply(client, m.result_error(msg["id"], exc.code, exc.message(lang)))
            return
        officer, pin = args["officer"], args["pin"]
        verdict, name, minutes = await asyncio.to_thread(
            self.store.verify_officer, officer, pin, self.clock(), client.device)
        if verdict == "locked":
            log.warning("officer %r locked out", officer)
            self._reply(client, m.result_error(msg["id"], m.ErrorCode.LOCKED_OUT,
                                               t("server.err_locked_out", lang,
                                                 minutes=minutes)))
            return
        if verdict != "ok":
            log.warning("failed login for officer %r at %s", officer, client.device)
            self._reply(client, m.result_error(msg["id"], m.ErrorCode.UNAUTHORIZED,
                                               t("server.err_login", lang)))
            return
        secret = secrets.token_urlsafe(24)
        actor = Actor(client.role, client.device, officer, name,
                      counter=client.counter_binding, session=session_hash(secret))
        # The commands it sends next are this officer's (queued behind the login); if the
        # engine refuses the login, the writer gives the client its previous actor back.
        self.queue.put_nowait(Work("command", client, msg, actor, reveal={"session": secret},
                                   previous_actor=client.actor))
        client.actor = actor

    # ------------------------------------------------------------------ writing
    def _send(self, clients: Iterable[Client], text: str) -> None:
        """Write one message to these clients, without waiting for any of them. A client
        whose unacknowledged data passed the limit is dropped instead."""
        data = text.encode()
        size = len(data)
        targets = []
        for client in clients:
            client.sent += size
            if client.unacknowledged > self.slow_client_limit:
                self._drop(client)
                continue
            targets.append(client.ws)
            # past a sixteenth of the limit, a ping asks how far the client has read
            if client.unacknowledged > self.slow_client_limit // 16 and not client.probing:
                client.probing = True
                self._spawn(self._probe(client))
        if targets:
            broadcast(targets, data, text=True)

    def _reply(self, client: Client, message: dict[str, Any]) -> None:
        self._send([client], m.encode(message))

    async def _probe(self, client: Client) -> None:
        """Ping after what was sent so far: its pong says the client read all of it."""
        mark = client.sent
        try:
            pong = await client.ws.ping()
            await pong
            client.acknowledged = max(client.acknowledged, mark)
        except (ConnectionClosed, RuntimeError):
            pass
        finally:
            client.probing = False

    def _drop(self, client: Client) -> None:
        if client in self.clients or client.live:
            log.warning("dropping slow client %s", client.device)
        client.live = False
        client.closing = True
        self.clients.discard(client)
        self._spawn(client.ws.close(CloseCode.TRY_AGAIN_LATER, "too slow"))

    # ------------------------------------------------------------------ the writer
    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            self.supervision.expire_pairings(self.clock())
            await self.supervision.cli_approvals()
            self.queue.put_nowait(Work("tick"))

    # ------------------------------------------------------------------ the hub's changes
    def apply(self, fn: Callable[[Engine, datetime], tuple[Any, list]],
              client: Client | None = None, msg: dict[str, Any] | None = None,
              actor_name: str = "server") -> None:
        """Have the writer run `fn(engine, now)` in order with everything else: its events
        are committed with the batch; with a `client`, it answers `msg` like a command."""
        kind = "command" if client is not None else "apply"
        self.queue.put_nowait(Work(kind, client, msg, client.actor if client else None,
                                   apply=fn, actor_name=actor_name))

    def after(self, callback: Callable[[], None]) -> None:
        """(In the writer.) Run `callback` once the batch being applied is delivered."""
        self._after.append(callback)

    def cut_off(self, client: Client, reason: str) -> None:
        """Close a client's connection now (1008): it is no longer allowed in."""
        client.live = False
        client.closing = True
        self.clients.discard(client)
        self._spawn(client.ws.close(m.POLICY_VIOLATION, reason))

    def reconfigure(self, config: OfficeConfig, now: datetime) -> None:
        """(In the writer.) New office settings: the engine is rebuilt around today's
        state under them; every live client gets a fresh welcome after this batch."""
        old = self.engine
        carried = old.drain_changes()
        if self._carried is not None:
            carried = _merged(self._carried, carried)
        self._carried = carried
        tickets = [tk.to_record() for tk in old.tickets.values()]
        counters = [c.to_record() for c in old.counters.values()]
        bookings = [b.to_record() for b in old.bookings.values()]
        engine = Engine.restore(config, now, old.export_meta(), tickets, counters, bookings)
        engine.public_url = old.public_url
        engine.touch_meta()
        self.engine, self.config = engine, config
        self._rewelcome = True

    async def _writer(self) -> None:
        """Apply queued work to the engine and commit it in groups (group commit).

        Everything queued when the writer wakes is applied to the engine and committed in
        ONE transaction; what arrives during that COMMIT (on a thread) forms the next
        group. Nothing of a group is sent before its commit returned. A failed commit
        throws the engine state away and rebuilds it from disk; every command of that
        group is answered `internal`."""
        queue = self.queue
        loop = asyncio.get_running_loop()
        answered: set[Client] = set()  # the clients the last commit answered
        last_commit = 0.0  # how long it took (seconds)
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < BATCH_MAX:
                batch.append(queue.get_nowait())
            # Group commit: under load (several clients answered by the last commit) they
            # send their next commands at once; waiting for them, at most as long as a
            # commit takes, lets them share this commit's fsync instead of each waiting for
            # one of its own. A lone client is not waited for: a person's next act is not
            # due within milliseconds, and a call must not wait for a kiosk.
            deadline = loop.time() + min(last_commit, GATHER_MAX)
            while (len(answered) > 1 and answered - {work.client for work in batch}
                   and len(batch) < BATCH_MAX):
                try:
                    batch.append(await asyncio.wait_for(queue.get(), deadline - loop.time()))
                except TimeoutError:
                    break
                while not queue.empty() and len(batch) < BATCH_MAX:
                    batch.append(queue.get_nowait())
            try:
                prepared = self._prepare(batch)
            except Exception:
                log.exception("engine failed on a batch; reloading from the database")
                self._reload()
                self._fail(batch)
                continue
            try:
                if prepared.encoded:
                    started = time.perf_counter()
                    (first, _), = await asyncio.to_thread(self.store.commit_encoded,
                                                          [prepared.encoded])
                    last_commit = time.perf_counter() - started
                    self.metrics.committed(last_commit)
                    self.commits += 1
                else:
                    first = self.store.seq + 1
            except Exception:
                log.exception("commit failed; reloading state from the database")
                self._reload()
                self._fail(batch)
                continue
            self._deliver(prepared, first)
            answered = {client for client, _ in prepared.replies}

    def _prepare(self, batch: list[Work]) -> Prepared:
        """Apply a batch to the engine; serialise what the commit writes."""
        engine = self.engine
        now = self.clock()
        p = Prepared(batch)
        self._after = []
        forget_before = self._forget_old_results(now)  # before any re-send is met
        results: list[tuple[str | None, str, str, str]] = []
        hellos: list[Work] = []
        for work in batch:
            if work.kind == "hello":
                hellos.append(work)
                continue
            if work.kind == "tick":
                actor_name = "server"
                new = engine.tick(now) + self.supervision.on_tick(engine, now)
            elif work.kind == "apply":
                actor_name = work.actor_name
                outcome = _applied(work.apply, engine, now, self.config.default_language)
                engine = self.engine  # a reload replaces it
                new = outcome.events
            elif work.kind == "internal":
                msg = work.msg
                outcome = engine.handle(msg["name"], msg["args"], work.actor, now)
                p.futures.append((work.future, _result(msg["id"], outcome)))
                actor_name = work.actor.device or work.actor.role
                new = outcome.events
            else:
                msg, client = work.msg, work.client
                key = (client.key, msg["id"])
                cached = self.results.get(key)
                if cached is not None:  # a re-send: the original answer, after this commit
                    p.replies.append((client, cached))
                    continue
                if work.apply is not None:
                    outcome = _applied(work.apply, engine, now, self.config.default_language)
                    engine = self.engine  # a reload replaces it
                else:
                    outcome = engine.handle(msg["name"], msg["args"], work.actor, now)
                if outcome.ok and msg["name"] in CALL_COMMANDS:
                    p.calls.append(work.received)
                reply = _result(msg["id"], outcome)
                text = m.encode(reply)
                if msg["name"] != "ping":
                    self.results[key] = text
                    self._result_times.append((now, key))
                    results.append((client.key, msg["id"], engine.iso(now), text))
                if outcome.ok and work.reveal:
                    reply["data"] = {**reply["data"], **work.reveal}
                    text = m.encode(reply)
                elif work.previous_actor is not None and client.actor is work.actor:
                    client.actor = work.previous_actor  # a refused login changes nothing
                p.replies.append((client, text))
                actor_name = client.device or client.role
                if work.actor.officer:
                    actor_name = f"{client.device}/{work.actor.officer}"
                new = outcome.events
            day = engine.day_iso()
            at = engine.iso(now)
            p.events += [(at, day, actor_name, str(name), data) for name, data in new]
        # A welcome carries the batch's last seq (its client gets events from the next
        # batch on), so its snapshot is the state after the whole batch.
        if self._rewelcome:  # new settings: everyone starts again from a snapshot
            self._rewelcome = False
            waiting = {work.client for work in hellos}
            hellos += [Work("hello", client) for client in self.clients if client not in waiting]
        p.welcomes = [(work.client, work.last_seq, self._welcome_parts(work.client, now))
                      for work in hellos]
        changes = engine.drain_changes()
        if self._carried is not None:
            changes, self._carried = _merged(self._carried, changes), None
        p.encoded = encode_part(p.events, changes, results, forget_before)
        p.after, self._after = self._after, []
        return p

    def _forget_old_results(self, now: datetime) -> str | None:
        """Forget command results older than RESULT_TTL: in memory at once; in the
        database at most hourly, with the next commit (returns the cutoff then)."""
        cutoff = now - RESULT_TTL
        times = self._result_times
        while times and times[0][0] < cutoff:
            _, key = times.popleft()
            self.results.pop(key, None)
        if now - self._results_pruned_at < RESULT_PRUNE_EVERY:
            return None
        self._results_pruned_at = now
        return self.engine.iso(cutoff)  # as the stored times: the office's offset

    def _deliver(self, p: Prepared, first: int) -> None:
        """A batch is durable now (its first event is `first`): the senders' results, its
        events to every live client (each serialised once per audience), then the
        welcomes. Results first: the senders (kiosks issuing, officers calling) go on at
        once, and their next commands share the next commit."""
        last = first + len(p.events) - 1
        for client, text in p.replies:
            self._send([client], text)
        if p.events:
            staff = [c for c in self.clients if not c.public]
            public = [c for c in self.clients if c.public]
            for i, ((at, _day, _actor, name, data), row) in enumerate(
                    zip(p.events, p.encoded.events, strict=True)):
                seq = first + i
                if staff:
                    self._send(staff, m.event_text(seq, at, name, row[4]))
                if public:
                    self._send(public, m.event_text(seq, at, name,
                                                    m.encode(m.public_event(name, data))))
                self.metrics.event(name, data)
                _log_event(name, seq, data)
            sent = time.perf_counter()
            for received in p.calls:
                self.metrics.broadcast_after_call(sent - received)
            if any(name == "day_rolled_over" for _a, _d, _ac, name, _data in p.events):
                self._spawn_purge()
        for future, reply in p.futures:
            if not future.done():
                future.set_result(reply)
        for callback in p.after:
            try:
                callback()
            except Exception:  # one client's trouble must not stop the others' delivery
                log.exception("after a batch")
        for client, last_seq, parts in p.welcomes:
            self._welcome(client, last_seq, last, parts)

    def _welcome(self, client: Client, last_seq: int, seq: int,
                 parts: dict[str, Any]) -> None:
        """The welcome and the events it replays; from here on the client is live."""
        client.resync_pending = False
        replay: list[tuple[int, str, str, dict]] | None = None
        if 0 < last_seq <= seq and seq - last_seq <= REPLAY_LIMIT:
            replay = self.store.events_since(last_seq, REPLAY_LIMIT, upto=seq)
        snapshot = None if replay is not None else parts["snapshot"]
        self._send([client], m.encode(m.welcome(parts["server_time"], seq, parts["office"],
                                                snapshot, **parts["extra"])))
        for s, at, name, data in replay or []:
            payload = m.public_event(name, data) if client.public else data
            self._send([client], m.encode(m.event(s, at, name, payload)))
        if not client.closing and client.ws.state is State.OPEN:
            client.live = True
            self.clients.add(client)

    def _welcome_parts(self, client: Client, now: datetime) -> dict[str, Any]:
        """What a welcome needs from the engine, taken with the batch: the snapshot and
        the client's session."""
        engine = self.engine
        extra: dict[str, Any] = {"role": client.role, "device": client.device}
        if client.role == m.Role.COUNTER:
            mine = None
            if client.actor is not None and client.actor.session:
                mine = next((c.id for c in engine.counters.values()
                             if c.device == client.device
                             and c.session == client.actor.session), None)
            extra["session"] = {"counter": mine, "bound_counter": client.counter_binding}
        snapshot = engine.snapshot(now, client.role)
        if client.role == m.Role.SUPERVISOR:
            extra.update(self.supervision.welcome_extra(client, snapshot, now))
        return {"server_time": engine.iso(now), "office": engine.office_wire(),
                "snapshot": snapshot, "extra": extra}

    def _reload(self) -> None:
        """The engine ran ahead of the database: rebuild it from what is on disk."""
        self.store.clear_failure()
        self._carried, self._rewelcome = None, False
        meta, tickets, counters, bookings = self.store.load_state()
        self.engine = Engine.restore(self.config, self.clock(), meta, tickets, counters,
                                     bookings)

    def _fail(self, batch: list[Work]) -> None:
        """Tell everyone in a batch that did not land that nothing happened."""
        message = t("server.err_internal", self.config.default_language)
        for work in batch:
            if work.kind == "command" and work.client is not None:
                self.results.pop((work.client.key, work.msg["id"]), None)
                self._reply(work.client, m.result_error(work.msg["id"],
                                                        m.ErrorCode.INTERNAL, message))
            elif work.kind == "hello" and work.client is not None:
                self.queue.put_nowait(Work("hello", work.client, last_seq=0))
            elif work.kind == "internal" and work.future and not work.future.done():
                work.future.set_result(m.result_error(work.msg["id"], m.ErrorCode.INTERNAL,
                                                      message))

    def _spawn_purge(self) -> None:
        """The daily retention run, once the day has rolled over (off the event loop)."""
        if self.reports is None:
            return
        fold = self.reports.retention_fold(self.config)

        async def purge() -> None:
            try:
                await asyncio.to_thread(retention.purge, self.store.path, self.config, fold)
                log.info("retention purge done")
            except Exception:
                log.exception("retention purge failed (the queue is not affected)")
        self._spawn(purge())

    # ------------------------------------------------------------------ HTTP helpers
    def ticket_public(self, token: str) -> dict[str, Any] | None:
        """The applicant's view of a ticket: no personal data, no officer."""
        engine = self.engine
        ticket = engine.find_by_token(token)
        if ticket is None:
            return None
        wire = m.applicant_ticket(engine.ticket_wire(ticket))
        ahead, in_line, now = 0, 0, self.clock()
        if ticket.status == "waiting":
            ahead, in_line = phone.line_place(engine.waiting_order(now), ticket)
        wire["ahead"] = ahead
        wire["estimated_wait_s"] = engine.estimate_wait_s(ticket.service, ahead) \
            if ticket.status == "waiting" else None
        svc = engine.config.service(ticket.service)
        lane = engine.config.lane(ticket.lane)
        wire["service_name"] = svc.name.model_dump() if svc else None
        wire["lane_name"] = lane.name.model_dump() if lane else None
        wire["lane_priority"] = bool(lane and lane.priority)
        counter = engine.config.counter(ticket.counter) if ticket.counter else None
        wire["counter_name"] = counter.name if counter else None
        wire["surveyed"] = ticket.surveyed
        wire["office"] = engine.office_wire()
        wire["seq"] = self.store.seq
        wire.update(phone.phone_extras(engine, ticket, now, ahead, in_line,
                                       wire["estimated_wait_s"]))
        return wire

    async def metrics_page(self, token: str | None) -> tuple[int, bytes, str]:
        """GET /metrics for a device paired as `monitor` or `admin` (its token as a
        Bearer token): status, body, content type."""
        device = await asyncio.to_thread(self.store.device_for_token, token) if token else None
        if device is None or device.role not in METRICS_ROLES:
            return 401, b'{"error":"unauthorized"}', http.JSON
        return 200, self.metrics.render(), CONTENT_TYPE

    def health(self) -> dict[str, Any]:
        """`ok` is false (and GET /health answers 503) when the database is not healthy:
        `db`, `reason`, `last_commit` from `Store.health`."""
        db = self.store.health()
        return {"ok": db["db"] == "ok", "seq": self.store.seq, **db,
                "clients": len(self.clients)}


def _log_event(name: str, seq: int, data: dict[str, Any]) -> None:
    """One log line about an event, with its name and seq as fields (--log-format json)."""
    level = logging.INFO if name in LOGGED_EVENTS else logging.DEBUG
    if not event_log.isEnabledFor(level):
        return
    counter = data.get("counter")
    if isinstance(counter, dict):
        counter = counter.get("id")
    about = [value for value in (data.get("device"), data.get("kiosk"), counter,
                                 data.get("status"), data.get("number"), data.get("code"))
             if isinstance(value, str) and value]
    event_log.log(level, "%s seq=%d%s", name, seq, "".join(f" {v}" for v in about),
                  extra={"event": name, "seq": seq})


def _applied(fn: Callable[[Engine, datetime], tuple[Any, list]], engine: Engine,
             now: datetime, lang: str) -> Outcome:
    """What the hub changes itself (`Hub.apply`), as an engine command's outcome."""
    try:
        data, events = fn(engine, now)
    except EngineError as exc:
        return Outcome(False, None, exc.code, exc.message(lang), [])
    return Outcome(True, data, events=events)


def _merged(first: Changes, then: Changes) -> Changes:
    """Two drains' changes as one (the later record of a ticket or counter wins)."""
    return Changes(tickets=first.tickets + then.tickets, counters=first.counters + then.counters,
                   bookings=first.bookings + then.bookings,
                   removed_bookings=first.removed_bookings + then.removed_bookings,
                   meta=then.meta if then.meta is not None else first.meta)


def _result(cmd_id: str, outcome: Any) -> dict[str, Any]:
    if outcome.ok:
        return m.result_ok(cmd_id, outcome.data)
    return m.result_error(cmd_id, outcome.error_code, outcome.error_message)
