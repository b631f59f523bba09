"""Pairing by a code, the device's side: what a kiosk, counter console or display board
with no token does until a supervisor approves it. Plain logic, no Qt, no I/O.

`OfficeConnection` feeds a `Pairing` the link's ups and downs and the server's messages;
the apps' pairing screens draw its `PairingView`. The sequence (docs/protocol.md):

1. connected: send `hello` with `role`, `device` (a label the supervisor sees) and
   `"pairing": true`, no token;
2. `{"type": "pairing", "code": "483 912", "expires_at": …}`: show the code and wait;
3. `{"type": "paired", "name", "token"}`: the connection stores name and token in the
   device's credentials file and reconnects with them (the server closes this socket);
4. an `error` instead (the code expired or was rejected, too many requests, a server
   that does not pair): say why on the screen and ask for a new code on the next
   connection, after `retry_delay_ms`.

The token goes from `on_paired` to the caller and nowhere else: never into the view, a
log line or a repr.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from protocol import messages as m

log = logging.getLogger("antrean.client")

# The roles that pair by a code (an admin token is made on the server's command line).
PAIRING_ROLES = frozenset({"kiosk", "counter", "display"})
# After "too many pairing requests" the server is asked again this much later.
RATE_LIMITED_RETRY_MS = 30_000
# A server that refuses to pair at all (no code given) is asked again this much later.
REFUSED_RETRY_MS = 10_000

_CODE = re.compile(r"([0-9]{3}) ?([0-9]{3})")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
LABEL_CHARS = 40  # the server takes a label of at most 40 of [A-Za-z0-9._-]
MAX_TOKEN_CHARS = 512

Stage = Literal["connecting", "waiting", "paired"]
# Why the previous request ended (shown above the next code): expired (past its
# expires_at) | ended (rejected, or expired by a clock ahead of this one's: the server's
# error does not say which) | rate_limited | refused (the server gave no code) | link_lost
Notice = Literal["expired", "ended", "rate_limited", "refused", "link_lost"]


def device_label(role: str, wanted: str | None = None, host: str | None = None) -> str:
    """The label a device shows the supervisor while it asks to be paired: `wanted` (its
    --device) or "<role>-<host name>", cut to a plain device name (40 of [A-Za-z0-9._-])."""
    text = wanted or (f"{role}-{host}" if host else role)
    label = _LABEL_UNSAFE.sub("-", text).strip("-._")[:LABEL_CHARS].rstrip("-._")
    return label or role


def display_code(raw: object) -> str | None:
    """A code as the device shows it, "483 912"; None when `raw` is not six digits."""
    if not isinstance(raw, str):
        return None
    match = _CODE.fullmatch(raw.strip())
    return f"{match[1]} {match[2]}" if match else None


def _parse_time(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PairingView:
    """What a pairing screen shows; no secret in it."""

    stage: Stage
    role: str
    label: str
    online: bool = False  # the link is up (else: "not connected to the server")
    code: str | None = None  # "483 912" (stage "waiting")
    expires_at: datetime | None = None  # in the server's offset: the office's clock
    notice: Notice | None = None
    previous_code: str | None = None  # the code the notice is about
    name: str | None = None  # the name given by the supervisor (stage "paired")


@dataclass(frozen=True)
class Paired:
    name: str
    token: str = field(repr=False)


class Pairing:
    """One device's pairing, across as many connections and codes as it takes."""

    def __init__(self, role: str, label: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if role not in PAIRING_ROLES:
            raise ValueError(f"a {role} is not paired by a code")
        self.role = role
        self.label = device_label(role, label)
        self._clock = clock
        self.stage: Stage = "connecting"
        self.online = False
        self.code: str | None = None
        self.expires_at: datetime | None = None
        self.notice: Notice | None = None
        self.previous_code: str | None = None
        self.name: str | None = None

    # ------------------------------------------------------------------ the link
    def hello(self, last_seq: int = 0) -> dict[str, Any]:
        """The first frame of each connection while unpaired."""
        msg = m.hello(self.role, self.label, None, last_seq)
        msg["pairing"] = True
        return msg

    def connected(self) -> None:
        self.online = True
        if self.stage != "paired":
            self.stage = "connecting"

    def disconnected(self) -> None:
        """The socket closed. A code lives only as long as its connection: one that was
        still on screen is gone, and the next connection asks for a new one."""
        self.online = False
        if self.stage == "waiting":
            self._ended("link_lost")

    # ------------------------------------------------------------------ the server
    def on_pairing(self, msg: dict[str, Any]) -> bool:
        """`{"type": "pairing", "code", "expires_at"}`: show the code. False (and nothing
        changes) when the message is malformed."""
        code = display_code(msg.get("code"))
        if code is None or self.stage == "paired":
            log.warning("ignored a pairing message without a six-digit code")
            return False
        self.stage, self.code = "waiting", code
        self.expires_at = _parse_time(msg.get("expires_at"))
        if self.notice in ("rate_limited", "refused"):  # over now that a code came
            self.notice = None
        log.info("pairing: showing code %s (valid until %s)", code, msg.get("expires_at"))
        return True

    def on_paired(self, msg: dict[str, Any]) -> Paired | None:
        """`{"type": "paired", "name", "token"}`: the device's name and token, or None
        (nothing changes) when they are not a device name and a token."""
        name, token = msg.get("name"), msg.get("token")
        if not (isinstance(name, str) and _NAME.fullmatch(name) and isinstance(token, str)
                and 0 < len(token) <= MAX_TOKEN_CHARS and token.isprintable()):
            log.warning("ignored a paired message without a device name and token")
            return None
        self.stage, self.name = "paired", name
        self.code, self.expires_at, self.notice, self.previous_code = None, None, None, None
        return Paired(name, token)

    def on_error(self, msg: dict[str, Any]) -> None:
        """An `error` while unpaired: the server closes the socket next. Remember why,
        for the screen and for `retry_delay_ms`."""
        error = msg.get("error") if isinstance(msg.get("error"), dict) else {}
        code = error.get("code")
        log.info("pairing: the server answered %s (%s)", code, error.get("message"))
        if code == m.ErrorCode.RATE_LIMITED:
            self._ended("rate_limited")
        elif self.stage == "waiting":
            late = self.expires_at is not None and self._clock() >= self.expires_at
            self._ended("expired" if late else "ended")
        elif self.stage == "connecting":
            self._ended("refused")

    def _ended(self, notice: Notice) -> None:
        self.notice, self.previous_code = notice, self.code
        self.stage, self.code, self.expires_at = "connecting", None, None

    def retry_delay_ms(self, backoff_ms: int) -> int:
        """How long to wait before the next connection: a new code at once after one
        expired or was rejected; longer when the server is busy or does not pair."""
        if self.notice == "rate_limited":
            return max(backoff_ms, RATE_LIMITED_RETRY_MS)
        if self.notice == "refused":
            return max(backoff_ms, REFUSED_RETRY_MS)
        return backoff_ms

    # ------------------------------------------------------------------ the screen
    def view(self) -> PairingView:
        return PairingView(self.stage, self.role, self.label, self.online, self.code,
                           self.expires_at, self.notice, self.previous_code, self.name)
