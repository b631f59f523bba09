"""The WebSocket hub: connections, handshake, commands, gap-free events, resync.

One asyncio task (the *writer*) owns the engine. Connections parse and check frames
(size, JSON, role, rate) and put work on the writer's queue. The writer takes
everything queued, applies it to the engine, commits the whole batch in ONE SQLite
transaction (group commit), and only then sends the results and broadcasts the
events — each client gets a commit's frames in one write. Hellos go through the same
queue, so a welcome's snapshot is always exactly the state as of its `seq`.

Slow clients never slow the others: frames are handed to the transport without waiting,
and a client whose send buffer passes a limit is dropped; it reconnects and resyncs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection
from websockets.frames import CloseCode, Frame, Opcode, apply_mask
from websockets.protocol import State
from websockets.streams import StreamReader

from i18n import t
from protocol import messages as m
from server.config import OfficeConfig
from server.engine import Actor, Engine
from server.hub import http
from server.hub.links import ReportLinks
from server.store.sqlite import RESULT_TTL, EncodedPart, Store, encode_part

log = logging.getLogger("antrean.hub")

REPLAY_LIMIT = 2000  # a client further behind than this gets a snapshot instead
SLOW_CLIENT_BUFFER = 2 * 1024 * 1024  # bytes queued to one client before it is dropped
BATCH_MAX = 512
GATHER_PASSES = 4  # loop passes a commit waits for commands that have already arrived
TICK_SECONDS = 5.0
HELLO_TIMEOUT = 10.0
RESULT_PRUNE_EVERY = timedelta(hours=1)
BACKLOG_PAUSE = 64  # messages waiting behind a token or PIN check before we stop reading
# commands about one counter: a device paired to a counter may only send them for it
COUNTER_BOUND_COMMANDS = frozenset({
    "call_next", "call_ticket", "recall", "start_service", "finish", "no_show", "transfer",
    "pause", "resume", "open_counter", "close_counter"})


# where websockets' frame parser waits for the first byte of the next frame
_AT_FRAME_START = StreamReader.at_eof.__code__


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class Client:
    ws: ServerConnection
    role: str = ""
    device: str | None = None
    counter_binding: str | None = None
    live: bool = False  # welcomed: receives broadcasts
    bad_frames: deque[float] = field(default_factory=deque)
    rate: float = 50.0
    burst: float = 100.0
    tokens: float = 100.0
    last_refill: float = field(default_factory=time.monotonic)
    first_message: asyncio.Future | None = None  # done when the hello (or not) arrived
    waiting_for: asyncio.Task | None = None  # a token or PIN check the next messages wait for
    backlog: deque[str | bytes] = field(default_factory=deque)
    paused: bool = False  # reading paused: the backlog is full
    closing: bool = False  # being closed: what it still sends is ignored
    actor: Actor | None = None  # who its commands come from: set once, at its hello

    def identify(self, role: str, device: str, counter_binding: str | None = None) -> None:
        """Who it is, once its hello is accepted."""
        self.role, self.device, self.counter_binding = role, device, counter_binding
        self.actor = Actor(role, device, counter=counter_binding)  # one for all its commands

    @property
    def public(self) -> bool:
        return self.role in m.PUBLIC_ROLES

    def take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last_refill) * self.rate)
        self.last_refill = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def bad_frame(self) -> bool:
        """Record a bad frame; True when the client passed the garbage limit."""
        now = time.monotonic()
        self.bad_frames.append(now)
        while self.bad_frames and self.bad_frames[0] < now - 60:
            self.bad_frames.popleft()
        return len(self.bad_frames) > m.BAD_FRAMES_PER_MINUTE


class HubConnection(ServerConnection):
    """A connection that hands each complete message to the hub the moment it is parsed,
    in order, instead of queueing it for a task to `recv()`: no task switch, queue or
    future per message on the hot path. Pings, pongs and the closing handshake stay
    websockets' own. Messages that arrive before the hub attaches are kept for it.

    Whole, unfragmented, masked data frames — all that kiosks, consoles and boards send —
    are read straight off the bytes (`_read_direct`) while websockets' parser waits at a
    frame boundary: its generator machinery cost more per command than the rest of
    receiving it. Anything else (a control frame, a fragment, a frame that breaks a rule,
    one larger than the limit) and everything after it goes through websockets' parser,
    which answers or fails it exactly as it always does; once its parser is back at a
    frame boundary, reading goes direct again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_message: Callable[[str | bytes], None] | None = None
        self._early: list[str | bytes] = []
        self._fragments: list[bytes] = []
        self._fragmented_text = False
        self._failed = False  # closed for invalid data: nothing more is handed on
        self._direct = False  # websockets' parser waits at a frame boundary: read direct
        self._partial = b""  # the start of a frame read direct, waiting for the rest

    def attach(self, on_message: Callable[[str | bytes], None]) -> None:
        self._on_message = on_message
        early, self._early = self._early, []
        for message in early:
            on_message(message)

    def data_received(self, data: bytes) -> None:
        if self._direct:
            self._read_direct(self._partial + data if self._partial else data)
            return
        super().data_received(data)
        self._direct = self._parser_at_boundary()

    def _parser_at_boundary(self) -> bool:
        """True when websockets' parser holds nothing (no buffered byte, no fragmented
        message) and waits for the first byte of a frame: bytes can then be read direct
        and handed back to it at a frame boundary. Checked on its generators; if a new
        websockets version parses differently this is False and nothing is read direct
        (a test checks that reading direct is in use)."""
        protocol = self.protocol
        if (protocol.state is not State.OPEN or protocol.current_size is not None
                or protocol.reader.buffer or protocol.parser_exc is not None
                or self._fragments or self._failed or self.request is None):
            return False
        waiting = protocol.parser
        while waiting.gi_yieldfrom is not None:
            waiting = waiting.gi_yieldfrom
        return waiting.gi_code is _AT_FRAME_START

    def _read_direct(self, data: bytes) -> None:
        """Hand on every whole data frame in `data`; keep an incomplete one for later."""
        limit = self.protocol.max_message_size
        pos, end = 0, len(data)
        while end - pos >= 2:
            first, second = data[pos], data[pos + 1]
            length = second & 0x7F
            head = 6 if length < 126 else 8 if length == 126 else 14  # with the mask
            if end - pos >= head:
                if length == 126:
                    length = int.from_bytes(data[pos + 2:pos + 4], "big")
                elif length == 127:
                    length = int.from_bytes(data[pos + 2:pos + 10], "big")
            # FIN set, no RSV bit, text or binary, masked (a client's frames must be),
            # within the limit: anything else is websockets' to answer or fail, at once
            if (first & 0xF0) != 0x80 or (first & 0x0F) not in (1, 2) or not second & 0x80 \
                    or (limit is not None and length > limit):
                self._direct, self._partial = False, b""
                self.data_received(data[pos:])  # the parser is at this frame's start
                return
            if end - pos < head + length:
                break
            body = apply_mask(data[pos + head:pos + head + length],
                              data[pos + head - 4:pos + head])
            pos += head + length
            self._message(body, first & 0x0F == 1)
            if self._failed:
                self._partial = b""
                return
        self._partial = data[pos:] if pos < end else b""

    def process_event(self, event: Any) -> None:
        if self.request is None or not isinstance(event, Frame):  # the opening handshake
            super().process_event(event)
            return
        if self._failed:
            return
        opcode = event.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if not event.fin:
                self._fragments = [bytes(event.data)]
                self._fragmented_text = opcode is Opcode.TEXT
                return
            data, text = event.data, opcode is Opcode.TEXT
        elif opcode is Opcode.CONT:
            # websockets' parser limits the whole message to max_size
            self._fragments.append(bytes(event.data))
            if not event.fin:
                return
            data, text = b"".join(self._fragments), self._fragmented_text
            self._fragments = []
        else:  # ping, pong, close
            super().process_event(event)
            return
        self._message(data, text)

    def _message(self, data: bytes, text: bool) -> None:
        if text:
            try:
                message: str | bytes = str(data, "utf-8")
            except UnicodeDecodeError as exc:  # as websockets' recv() does: close 1007
                self._failed = True
                self._direct = False
                self._early.clear()
                self.protocol.fail(CloseCode.INVALID_DATA,
                                   f"{exc.reason} at position {exc.start}")
                self.send_data()
                return
        else:
            message = bytes(data)
        if self._on_message is None:
            self._early.append(message)
        else:
            self._on_message(message)

    def pause_reading(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()


class WorkQueue:
    """The writer's inbox: a deque and one wake-up future. (asyncio.Queue with
    asyncio.wait cost a task and a handful of callbacks on every wake-up, once per group
    on the hot path.)"""

    def __init__(self) -> None:
        self._items: deque[Work] = deque()
        self._waiter: asyncio.Future | None = None

    def put_nowait(self, work: Work) -> None:
        self._items.append(work)
        self.wake()

    def empty(self) -> bool:
        return not self._items

    def take(self, limit: int) -> list[Work]:
        """Up to `limit` items, oldest first."""
        items = self._items
        return [items.popleft() for _ in range(min(limit, len(items)))]

    def wake(self, *_: Any) -> None:
        """Wake the writer (new work, or a commit landed). Extra wake-ups are harmless:
        the writer looks at what there is to do and waits again."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None


class StaleBatch(Exception):
    """A batch prepared on engine state that a failed commit made us throw away."""


@dataclass
class Prepared:
    """One batch applied to the engine, waiting for its commit."""

    batch: list[Any]
    now: datetime
    generation: int
    events: list[tuple[str, str, str, str, dict[str, Any]]] = field(default_factory=list)
    changes: Any = None
    results: list[tuple] = field(default_factory=list)  # see store.encode_part
    replies: list[tuple[Any, str]] = field(default_factory=list)
    futures: list[tuple[asyncio.Future, dict[str, Any]]] = field(default_factory=list)
    hellos: list[tuple[Any, int, dict[str, Any]]] = field(default_factory=list)
    encoded: EncodedPart | None = None  # what the commit writes


@dataclass
class Work:
    kind: str  # "hello" | "command" | "tick"
    client: Client | None = None
    msg: dict[str, Any] | None = None
    actor: Actor | None = None
    last_seq: int = 0
    future: asyncio.Future | None = None  # "internal" work: the HTTP pages' commands


class Hub:
    def __init__(self, config: OfficeConfig, store: Store,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        self.store = store
        self.clock = clock
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
        self.clients: set[Client] = set()
        # Commands the hub answers itself, not the engine: they change no queue state, so
        # they are neither queued nor committed nor remembered for re-sends.
        self.report_links = ReportLinks(config)  # one-time links: GET /report/<token>
        self.hub_commands = {"report_link": self.report_links.command}
        self.queue = WorkQueue()
        self._tasks: list[asyncio.Task] = []
        self._side_tasks: set[asyncio.Task] = set()  # token/PIN checks, closes
        self.server: websockets.asyncio.server.Server | None = None
        self.commits = 0  # batches committed (for tests and benchmarks)
        self.slow_client_buffer = SLOW_CLIENT_BUFFER
        self._generation = 0
        # SQLite releases the GIL for its own work (B-tree inserts, WAL write, fsync): a
        # dedicated thread commits while the loop parses and prepares the next group.
        self._committer = ThreadPoolExecutor(1, thread_name_prefix="antrean-commit")
        # With nothing queued there is nothing to overlap the fsync with: COMMIT on the
        # loop then, sparing two thread hand-offs on the latency of a lone command.
        self.commit_inline_when_idle = True

    # ------------------------------------------------------------------ lifecycle
    async def start(self, host: str, port: int, ssl: Any = None) -> tuple[str, int]:
        self.server = await websockets.asyncio.server.serve(
            self._handle, host, port, compression=None, max_size=1024 * 1024,
            process_request=self._process_request, ssl=ssl,
            create_connection=HubConnection,  # its own flow control: BACKLOG_PAUSE
            ping_interval=20, ping_timeout=20, close_timeout=2, server_header="Antrean")
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
        # a commit in flight finishes (its transaction is whole either way)
        await asyncio.get_running_loop().run_in_executor(None, self._committer.shutdown)

    async def _process_request(self, connection: ServerConnection, request: Any) -> Any:
        response = http.route(self, connection, request)
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

    # ------------------------------------------------------------------ connections
    async def _handle(self, ws: HubConnection) -> None:
        limits = self.config.server
        client = Client(ws, rate=limits.commands_per_second, burst=limits.command_burst,
                        tokens=limits.command_burst)
        client.first_message = asyncio.get_running_loop().create_future()
        ws.attach(lambda message: self._on_message(client, message))
        try:
            closed = asyncio.ensure_future(ws.wait_closed())
            await asyncio.wait({client.first_message, closed}, timeout=HELLO_TIMEOUT,
                               return_when=asyncio.FIRST_COMPLETED)
            if not client.first_message.done():
                closed.cancel()
                client.closing = True
                await ws.close(m.POLICY_VIOLATION, "hello expected")
                return
            await closed  # messages are handled as they arrive, by _on_message
        except Exception:  # a bug here must never take the server down
            log.exception("connection handler failed (%s)", client.device)
        finally:
            client.closing = True
            client.live = False
            self.clients.discard(client)

    def _on_message(self, client: Client, message: str | bytes) -> None:
        """Every message of a connection, in order, as it arrives (no task per message).
        While a step that has to wait runs (checking a device token or an officer's PIN
        on a thread), later messages wait in the client's backlog, so a client's
        commands are always taken in the order it sent them."""
        if client.closing:
            return
        if client.waiting_for is not None:
            client.backlog.append(message)
            if len(client.backlog) >= BACKLOG_PAUSE and not client.paused:
                client.paused = True  # stop reading until the backlog is worked off
                client.ws.pause_reading()
            return
        try:
            if not client.first_message.done():
                client.first_message.set_result(None)
                self._hello(client, message)
            else:
                self._frame(client, message)
        except Exception:  # a bug here must never take the server down
            log.exception("message from %s failed", client.device)

    def _wait_for(self, client: Client, step: Coroutine[Any, Any, None]) -> None:
        """Run a step that has to wait; the client's next messages wait for it."""
        async def run() -> None:
            try:
                await step
            except Exception:  # e.g. the database: the client cannot go on
                log.exception("handling a message from %s failed", client.device)
                self._close(client, "internal error", CloseCode.INTERNAL_ERROR)
            finally:
                client.waiting_for = None
            backlog = client.backlog
            while backlog and client.waiting_for is None and not client.closing:
                self._on_message(client, backlog.popleft())
            if client.paused and len(backlog) < BACKLOG_PAUSE:
                client.paused = False
                client.ws.resume_reading()
        client.waiting_for = self._spawn(run())

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
        return task

    def _close(self, client: Client, reason: str, code: int = m.POLICY_VIOLATION) -> None:
        """Close (1008 unless said), ignoring whatever the client sends meanwhile."""
        client.closing = True
        self._spawn(client.ws.close(code, reason))

    def _hello(self, client: Client, frame: str | bytes) -> None:
        try:
            msg = m.parse(frame)
        except m.ProtocolError as exc:
            self._reply(client, m.error(exc.code, exc.message))
            self._close(client, "hello expected")
            return
        if msg["type"] != "hello":
            self._reply(client, m.error(m.ErrorCode.BAD_REQUEST, "first frame must be hello"))
            self._close(client, "hello expected")
            return
        role = msg["role"]
        if role == m.Role.OBSERVER:
            client.identify(role, f"observer-{id(client):x}")
            self.queue.put_nowait(Work("hello", client, last_seq=msg.get("last_seq", 0)))
            return
        self._wait_for(client, self._authenticate(client, msg))

    async def _authenticate(self, client: Client, msg: dict[str, Any]) -> None:
        role = msg["role"]
        device = await asyncio.to_thread(self.store.authenticate_device, msg.get("device"),
                                         msg.get("token"))
        if device is None or device.role != role:
            log.warning("refused %s hello from device %r", role, msg.get("device"))
            self._reply(client, m.error(m.ErrorCode.UNAUTHORIZED,
                                        "wrong or missing device token"))
            self._close(client, "unauthorized")
            return
        client.identify(role, device.name, device.counter)
        self.queue.put_nowait(Work("hello", client, last_seq=msg.get("last_seq", 0)))

    def _frame(self, client: Client, frame: str | bytes) -> None:
        try:
            msg = m.parse(frame)
        except m.ProtocolError as exc:
            log.info("bad frame from %s: %s", client.device, exc.message)
            if client.bad_frame():
                self._close(client, "too many bad frames")
                return
            if exc.msg_id is not None:
                self._reply(client, m.result_error(exc.msg_id, exc.code, exc.message))
            else:
                self._reply(client, m.error(exc.code, exc.message))
            return
        kind = msg["type"]
        if kind == "resync":
            self.queue.put_nowait(Work("hello", client, last_seq=msg["last_seq"]))
        elif kind == "command":
            self._command(client, msg)
        else:
            if client.bad_frame():
                self._close(client, "too many bad frames")
                return
            self._reply(client, m.error(m.ErrorCode.BAD_REQUEST,
                                        f"a client may not send {kind!r}"))

    def _command(self, client: Client, msg: dict[str, Any]) -> None:
        name, cmd_id, args = msg["name"], msg["id"], msg["args"]
        lang = self.config.default_language
        if client.role not in m.COMMAND_ROLES[name]:
            self._reply(client, m.result_error(
                cmd_id, m.ErrorCode.FORBIDDEN,
                t("server.err_forbidden_role", lang, name=name, role=client.role)))
            return
        if not client.take_token():
            self._reply(client, m.result_error(cmd_id, m.ErrorCode.RATE_LIMITED,
                                               t("server.err_rate_limited", lang)))
            return
        answer = self.hub_commands.get(name)
        if answer is not None:
            self._reply(client, answer(cmd_id, args, self.clock()))
            return
        # An idempotent re-send is answered by the writer, after the original's commit.
        if name == "login":
            self._wait_for(client, self._log_in(client, msg))
            return
        if name in COUNTER_BOUND_COMMANDS:
            if client.counter_binding and args.get("counter") != client.counter_binding:
                self._reply(client, m.result_error(
                    cmd_id, m.ErrorCode.FORBIDDEN,
                    t("server.err_not_logged_in", lang, counter=args.get("counter"))))
                return
        self.queue.put_nowait(Work("command", client, msg, client.actor))

    async def _log_in(self, client: Client, msg: dict[str, Any]) -> None:
        actor_or_error = await self._login(client, msg["args"])
        if isinstance(actor_or_error, dict):
            self._reply(client, {**actor_or_error, "id": msg["id"]})
        else:
            self.queue.put_nowait(Work("command", client, msg, actor_or_error))

    async def _login(self, client: Client, args: dict[str, Any]) -> Actor | dict[str, Any]:
        lang = self.config.default_language
        officer, pin, counter = args.get("officer"), args.get("pin"), args.get("counter")
        if not all(isinstance(x, str) for x in (officer, pin, counter)):
            return m.result_error("", m.ErrorCode.BAD_REQUEST, t("server.err_bad_arg", lang,
                                                                  arg="officer/pin/counter"))
        if client.counter_binding and counter != client.counter_binding:
            return m.result_error("", m.ErrorCode.FORBIDDEN,
                                  t("server.err_not_logged_in", lang, counter=counter))
        verdict, name, minutes = await asyncio.to_thread(self.store.verify_officer, officer, pin,
                                                         self.clock())
        if verdict == "locked":
            log.warning("officer %s locked out", officer)
            return m.result_error("", m.ErrorCode.LOCKED_OUT,
                                  t("server.err_locked_out", lang, minutes=minutes))
        if verdict != "ok":
            log.warning("failed login for officer %r at %s", officer, client.device)
            return m.result_error("", m.ErrorCode.UNAUTHORIZED, t("server.err_login", lang))
        return Actor(client.role, client.device, officer, name)

    # ------------------------------------------------------------------ the writer
    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            self.queue.put_nowait(Work("tick"))

    async def _writer(self) -> None:
        """Apply work to the engine as it arrives; commit in groups (group commit).

        Everything queued when the writer wakes, and whatever has arrived by a few loop
        passes later, is applied to the engine and committed in ONE transaction; what
        arrives during that fsync waits in the socket buffers and forms the next group.
        Nothing of a batch is sent (results, events, welcomes) before its commit returns,
        and batches are delivered strictly in order. A failed commit throws the engine
        state away and rebuilds it from disk; every command of the lost batches is
        answered `internal`."""
        loop = asyncio.get_running_loop()
        queue = self.queue
        pending: list[Prepared] = []
        inflight: tuple[list[Prepared], asyncio.Future] | None = None
        gather = GATHER_PASSES
        while True:
            landed = inflight is not None and inflight[1].done()
            if not landed and queue.empty():
                await queue.wait()
                continue
            if landed:
                group, future = inflight
                inflight = None
                try:
                    ranges = future.result()
                except Exception:
                    log.exception("commit failed; reloading state from the database")
                    self._reload()
                    for p in group + pending:  # pending was built on the lost state
                        self._fail(p.batch)
                    pending = []
                else:
                    self._deliver(group, ranges)
            if not queue.empty():
                batch = queue.take(BATCH_MAX)
                try:
                    pending.append(self._prepare(batch))
                except Exception:
                    log.exception("engine failed on a batch; reloading from the database")
                    if inflight is not None:  # let what is in flight land first
                        await asyncio.wait({inflight[1]})
                        continue_group, future = inflight
                        inflight = None
                        with contextlib.suppress(Exception):
                            self._deliver(continue_group, future.result())
                    self._reload()
                    for p in pending:
                        self._fail(p.batch)
                    pending = []
                    self._fail(batch)
            if inflight is None and pending:
                if gather:
                    # Let the loop read what has already arrived first (a pass, no
                    # waiting): the kiosks the last commit answered are sending their
                    # next commands right now, and in this group they share its fsync
                    # instead of waiting for one of their own. Idle, it costs one pass.
                    gather -= 1
                    await asyncio.sleep(0)
                    if not queue.empty():
                        continue  # prepared above, then back here
                gather = GATHER_PASSES
                # Everything prepared while the previous commit was in flight goes
                # into this one transaction: one fsync for the whole group.
                group, pending = pending, []
                try:
                    ranges, wrote = self._begin_commit(group)
                    if wrote and not (self.commit_inline_when_idle and queue.empty()):
                        landed_future = loop.run_in_executor(self._committer,
                                                             self._finish_commit, ranges)
                        landed_future.add_done_callback(queue.wake)
                    else:
                        # nothing waits to be prepared: COMMIT here, sparing the two
                        # thread hand-offs (~0.4 ms) on the path of a lone call; or
                        # only hellos and pings, with nothing to commit
                        landed_future = loop.create_future()
                        landed_future.set_result(self._finish_commit(ranges) if wrote
                                                 else ranges)
                except Exception as exc:
                    landed_future = loop.create_future()
                    landed_future.set_exception(exc)
                inflight = (group, landed_future)

    def _prepare(self, batch: list[Work]) -> Prepared:
        engine = self.engine
        now = self.clock()
        p = Prepared(batch, now, self._generation)
        forget_before = self._forget_old_results(now)  # before any re-send is met
        hellos: list[Work] = []
        for work in batch:
            if work.kind == "hello":
                hellos.append(work)
                continue
            if work.kind == "tick":
                actor_name = "server"
                new = engine.tick(now)
            elif work.kind == "internal":
                msg = work.msg
                outcome = engine.handle(msg["name"], msg["args"], work.actor, now)
                reply = (m.result_ok(msg["id"], outcome.data) if outcome.ok else
                         m.result_error(msg["id"], outcome.error_code, outcome.error_message))
                p.futures.append((work.future, reply))
                actor_name = work.actor.device or work.actor.role
                new = outcome.events
            else:
                msg, client = work.msg, work.client
                key = (client.device, msg["id"])
                cached = self.results.get(key)
                if cached is not None:  # a re-send: the original answer, after this commit
                    p.replies.append((client, cached))
                    continue
                outcome = engine.handle(msg["name"], msg["args"], work.actor, now)
                if outcome.ok:
                    reply = m.result_ok(msg["id"], outcome.data)
                else:
                    reply = m.result_error(msg["id"], outcome.error_code, outcome.error_message)
                text = m.encode(reply)
                p.replies.append((client, text))
                if msg["name"] != "ping":
                    self.results[key] = text
                    self._result_times.append((now, key))
                    # with its data: an issued ticket is stored once, in its event
                    p.results.append((client.device, msg["id"], engine.iso(now), text,
                                      outcome.data if outcome.ok else None))
                actor_name = client.device or client.role
                if work.actor.officer:
                    actor_name = f"{client.device}/{work.actor.officer}"
                new = outcome.events
            day = engine.day_iso()
            at = engine.iso(now)
            p.events += [(at, day, actor_name, str(name), data) for name, data in new]
        # A welcome carries the batch's last seq (its client gets broadcasts from the next
        # batch on), so its snapshot is the state after the whole batch, not at the
        # hello's place in it: taken there, it missed what the batch did after the hello.
        p.hellos = [(work.client, work.last_seq, self._welcome_parts(work.client, now))
                    for work in hellos]
        p.changes = engine.drain_changes(with_meta=False)  # the meta: once a group
        # serialised here, on the loop, so the commit thread holds the GIL as little as
        # possible; the events' JSON is reused for the frames that go out
        p.encoded = encode_part(p.events, p.changes, p.results, forget_before)
        return p

    def _forget_old_results(self, now: datetime) -> str | None:
        """Forget command results older than RESULT_TTL (a server runs for months: kept
        forever they would grow by megabytes a day). In memory at once; in the database
        at most hourly, in the next commit: returns the cutoff to delete before, or None."""
        cutoff = now - RESULT_TTL
        times = self._result_times
        while times and times[0][0] < cutoff:
            _, key = times.popleft()
            self.results.pop(key, None)
        if now - self._results_pruned_at < RESULT_PRUNE_EVERY:
            return None
        self._results_pruned_at = now
        return self.engine.iso(cutoff)  # as the stored times: the office's offset

    def _begin_commit(self, group: list[Prepared]) -> tuple[list[tuple[int, int]], bool]:
        """Write a group into an open transaction (on the loop): each batch's (first seq,
        last seq), and whether there was anything to write. Only the writer commits, so
        the seqs follow on from `store.seq` in order."""
        if any(p.generation != self._generation for p in group):
            raise StaleBatch("prepared on an engine state that was thrown away")
        parts = [p.encoded for p in group if p.encoded]
        # The engine meta is one record, rewritten whole: exported once for the group,
        # as it stands after the group's last batch (every batch prepared since the
        # last commit is in this group), not once per batch.
        meta = self.engine.take_meta()
        if parts or meta is not None:
            self.store.begin_commit(parts, meta=m.encode(meta) if meta is not None else None)
        seq = self.store.seq
        ranges = []
        for p in group:
            ranges.append((seq + 1, seq + len(p.events)))
            seq += len(p.events)
        return ranges, bool(parts) or meta is not None

    def _finish_commit(self, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """On the commit thread: COMMIT (the WAL write and fsync, without the GIL)."""
        self.store.finish_commit()
        self.commits += 1
        return ranges

    def _deliver(self, group: list[Prepared], ranges: list[tuple[int, int]]) -> None:
        """A group is durable now: send what each of its batches produced, in order
        (per batch: events in seq order, the senders' results, then welcomes). Each
        client gets everything of the whole group in ONE write (one syscall), not one
        per message or per batch: a write to a socket is the hub's costliest step, and
        with many boards and kiosks there are many of them."""
        outbox: dict[Client, list[bytes]] = {}
        for p, (first, last) in zip(group, ranges, strict=True):
            self._deliver_batch(p, first, last, outbox)
        for client, frames in outbox.items():
            write_frames(client.ws, frames)
        for p in group:
            for future, reply in p.futures:
                if not future.done():
                    future.set_result(reply)

    def _deliver_batch(self, p: Prepared, first: int, last: int,
                       outbox: dict[Client, list[bytes]]) -> None:
        if p.events:
            frames = self._event_frames([(first + i, at, name, data, row[4]) for i, ((
                at, _day, _actor, name, data), row) in enumerate(zip(p.events, p.encoded.events,
                                                                     strict=True))])
            for client, texts in frames.items():
                mine = outbox.get(client)
                if mine is None:
                    outbox[client] = list(texts)  # its own list: `texts` is shared
                else:
                    mine.extend(texts)
            if any(name == "day_rolled_over" for _at, _d, _a, name, _data in p.events):
                self._spawn_purge()
        for client, text in p.replies:
            outbox.setdefault(client, []).append(text_frame(text.encode()))
        for client, last_seq, parts in p.hellos:
            outbox.setdefault(client, []).extend(
                self._welcome_frames(client, last_seq, last, parts))

    def _reload(self) -> None:
        """The engine ran ahead of the database: throw that state away and rebuild it from
        disk. Batches prepared on the old state are refused (generation), and the store
        accepts commits again only after everything queued before has been refused."""
        self._generation += 1
        self.store.seq = self.store._max_seq()
        meta, tickets, counters, bookings = self.store.load_state()
        self.engine = Engine.restore(self.config, self.clock(), meta, tickets, counters,
                                     bookings)
        self.store.clear_failure()

    def _fail(self, batch: list[Work]) -> None:
        """Tell everyone in a batch that did not land that nothing happened."""
        lang = self.config.default_language
        for work in batch:
            if work.kind == "command" and work.client is not None:
                self.results.pop((work.client.device, work.msg["id"]), None)
                self._reply(work.client, m.result_error(work.msg["id"], m.ErrorCode.INTERNAL,
                                                        t("server.err_internal", lang)))
            elif work.kind == "hello" and work.client is not None:
                self.queue.put_nowait(Work("hello", work.client, last_seq=0))
            elif work.kind == "internal" and work.future and not work.future.done():
                work.future.set_result(m.result_error(work.msg["id"], m.ErrorCode.INTERNAL,
                                                      t("server.err_internal", lang)))

    def _spawn_purge(self) -> None:
        """The daily retention run, once the day has rolled over (off the event loop)."""
        async def purge() -> None:
            try:
                from reports.purge import purge as fold_and_delete
                await asyncio.to_thread(fold_and_delete, self.store.path, self.config)
                log.info("retention purge done")
            except Exception:
                log.exception("retention purge failed (the queue is not affected)")
        self._tasks.append(asyncio.create_task(purge(), name="antrean-purge"))

    # ------------------------------------------------------------------ sending
    def _welcome_parts(self, client: Client, now: datetime) -> dict[str, Any]:
        """What a welcome needs from the engine, taken with the batch (consistent with
        its seq): the snapshot and the session."""
        engine = self.engine
        extra: dict[str, Any] = {"role": client.role, "device": client.device}
        if client.role == m.Role.COUNTER:
            mine = next((c.id for c in engine.counters.values()
                         if c.device == client.device), None)
            extra["session"] = {"counter": mine, "bound_counter": client.counter_binding}
        return {"server_time": engine.iso(now), "office": engine.office_wire(),
                "snapshot": engine.snapshot(now, client.role), "extra": extra}

    def _welcome_frames(self, client: Client, last_seq: int, seq: int,
                        parts: dict[str, Any]) -> list[bytes]:
        """The welcome and the events it replays; the client is live from here on (it
        receives the next batch's broadcasts, which follow these frames)."""
        replay: list[tuple[int, str, str, dict]] | None = None
        if 0 < last_seq <= seq and seq - last_seq <= REPLAY_LIMIT:
            replay = self.store.events_since(last_seq, REPLAY_LIMIT, upto=seq)
        snapshot = None if replay is not None else parts["snapshot"]
        welcome = m.welcome(parts["server_time"], seq, parts["office"], snapshot,
                            **parts["extra"])
        frames = [text_frame(m.encode_bytes(welcome))]
        for s, at, name, data in replay or []:
            payload = m.public_view(data) if client.public else data
            frames.append(text_frame(m.encode_bytes(m.event(s, at, name, payload))))
        client.live = True
        self.clients.add(client)
        return frames

    def _reply(self, client: Client, message: dict[str, Any]) -> None:
        # Non-blocking like broadcast: a reply must never be stuck behind a slow socket,
        # and using one path keeps replies and events in the order they were produced.
        write_frames(client.ws, [text_frame(m.encode_bytes(message))])

    def _event_frames(self, events: list[tuple[int, str, str, dict[str, Any], str]]
                      ) -> dict[Client, list[bytes]]:
        """Encode each event once per audience (full / public) and return what each live
        client must receive. A client whose unsent data passed the limit is dropped
        instead: it reconnects and resyncs, and never slows the others."""
        full_texts: list[bytes] | None = None  # encoded once, shared by every client
        public_texts: list[bytes] | None = None
        outbox: dict[Client, list[bytes]] = {}
        for client in list(self.clients):
            if not client.live:
                continue
            transport = client.ws.transport
            if transport is None or transport.get_write_buffer_size() > self.slow_client_buffer:
                log.warning("dropping slow client %s", client.device)
                client.live = False
                self.clients.discard(client)
                if transport is not None:
                    transport.abort()
                continue
            if client.public:
                if public_texts is None:
                    public_texts = [text_frame(m.event_text(seq, at, name, m.encode(
                        m.public_view(data))).encode()) for seq, at, name, data, _ in events]
                outbox[client] = public_texts
            else:
                if full_texts is None:
                    full_texts = [text_frame(m.event_text(seq, at, name, data_json).encode())
                                  for seq, at, name, _, data_json in events]
                outbox[client] = full_texts
        return outbox

    # ------------------------------------------------------------------ HTTP helpers
    def ticket_public(self, token: str) -> dict[str, Any] | None:
        """The applicant's view of a ticket: no personal data, no officer."""
        engine = self.engine
        ticket = engine.find_by_token(token)
        if ticket is None:
            return None
        wire = m.public_view(engine.ticket_wire(ticket))
        ahead = 0
        if ticket.status == "waiting":
            order = engine.waiting_order(self.clock())
            same = [tk for tk in order if tk.service == ticket.service
                    and tk.stage == ticket.stage]
            ahead = next((i for i, tk in enumerate(same) if tk.id == ticket.id), 0)
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
        return wire

    def health(self) -> dict[str, Any]:
        return {"ok": True, "seq": self.store.seq,
                "db": "ok" if self.store.healthy() else "error",
                "clients": len(self.clients)}


def text_frame(payload: bytes) -> bytes:
    """One complete, unmasked server text frame (RFC 6455 5.2: FIN + text opcode, then
    the length in 7, 16 or 64 bits). Server frames carry no mask and we use no extensions
    (compression is off), so the bytes are the same for every client: built once per
    message, not once per connection. (websockets' Frame.serialize makes the same bytes,
    through a dataclass and a BytesIO: two of these per ticket made it a hot spot.)"""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


def write_frames(ws: ServerConnection, frames: list[bytes]) -> None:
    """Hand whole frames to the transport in one write, without waiting. Only between
    messages of our own (no fragmented send in progress), so frames never interleave."""
    if ws.protocol.state is not State.OPEN or ws.send_in_progress is not None:
        return
    transport = ws.transport
    if transport is None or transport.is_closing():
        return
    try:
        transport.write(frames[0] if len(frames) == 1 else b"".join(frames))
    except Exception as exc:  # a dying connection must not disturb the others
        log.debug("write to %s failed: %s", ws.remote_address, exc)

