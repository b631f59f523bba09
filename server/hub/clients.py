"""One connected client as the hub sees it: who it is, what it may still send (its rate),
and what it has been sent but not yet shown to have read (the slow-client limit).

Nothing here does I/O: the hub writes and closes; a `Client` keeps the accounts.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from protocol import messages as m
from server.engine import Actor


@dataclass(slots=True)
class TokenBucket:
    """`rate` frames a second on average, bursts of up to `burst`."""

    rate: float
    burst: float
    tokens: float = -1.0
    last: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def take(self, cost: float = 1.0, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True


@dataclass(eq=False)
class Client:
    """A WebSocket connection once it is accepted. `ws` is the websockets connection (or
    any object the hub's tests hand in)."""

    ws: Any
    rate: TokenBucket = field(default_factory=lambda: TokenBucket(50.0, 100.0))
    role: str = ""
    device: str | None = None
    counter_binding: str | None = None  # the counter a paired device is bound to
    actor: Actor | None = None  # who its commands come from (an officer once logged in)
    live: bool = False  # welcomed: receives every event from here on
    resync_pending: bool = False  # a hello/resync is queued and not yet answered
    closing: bool = False  # being dropped: what it still sends is ignored
    bad_frames: deque[float] = field(default_factory=deque)
    # Delivery accounting: bytes written to this client, and how many of them it has
    # shown to have read (a pong answering a ping sent after them). What lies between
    # is, at most, what waits in buffers on its way: the slow-client limit bounds it.
    sent: int = 0
    acknowledged: int = 0
    probing: bool = False  # a ping is out to move `acknowledged` forward
    # whose re-sent commands are answered from the results kept (default: its device);
    # a supervisor's console: its label and officer (a label is anyone's to pick)
    results_key: str | None = None

    @property
    def key(self) -> str | None:
        return self.results_key or self.device

    def identify(self, role: str, device: str, counter_binding: str | None = None) -> None:
        """Who it is, once its hello is accepted."""
        self.role, self.device, self.counter_binding = role, device, counter_binding
        self.actor = Actor(role, device, counter=counter_binding)

    @property
    def public(self) -> bool:
        return self.role in m.PUBLIC_ROLES

    @property
    def unacknowledged(self) -> int:
        return self.sent - self.acknowledged

    def bad_frame(self, now: float | None = None) -> bool:
        """Record a bad frame; True when the client passed the garbage limit."""
        now = time.monotonic() if now is None else now
        self.bad_frames.append(now)
        while self.bad_frames and self.bad_frames[0] < now - 60:
            self.bad_frames.popleft()
        return len(self.bad_frames) > m.BAD_FRAMES_PER_MINUTE
