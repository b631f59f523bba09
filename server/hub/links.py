"""Short-lived, single-use links: how an admin opens a report without a credential in a URL.

`report_link` (a WebSocket command of an authenticated admin) makes a random token that
stands for one `ReportRequest`; `GET /report/<token>` takes it — once, within
`LINK_TTL` — and the token is gone. Kept in memory only: a restart forgets every link,
which costs an admin one more click. Time is passed in (the hub's clock).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from config.office import OfficeConfig
from protocol import messages as m

LINK_TTL = timedelta(seconds=60)
MAX_OPEN_LINKS = 100  # a flood of requests forgets the oldest links, memory stays small
TOKEN_BYTES = 32  # 256 random bits
REPORT_PATH = "/report/"

Payload = TypeVar("Payload")


@dataclass(frozen=True)
class ReportRequest:
    """What a report link was made for."""

    date_from: date
    date_to: date
    fmt: str = "html"
    lang: str = "id"

    @classmethod
    def from_args(cls, args: Mapping[str, Any], default_lang: str) -> ReportRequest:
        """From a `report_link` command's args (its spec in the protocol; `to` not before
        `from`); ArgError naming the first bad argument."""
        checked = m.check_args("report_link", dict(args))
        if checked["to"] < checked["from"]:
            raise m.ArgError("to")
        return cls(checked["from"], checked["to"], checked["format"],
                   checked["lang"] or default_lang)


class OneTimeLinks(Generic[Payload]):
    """Random tokens, each standing for a payload until it is taken or expires."""

    def __init__(self, ttl: timedelta = LINK_TTL, limit: int = MAX_OPEN_LINKS) -> None:
        self.ttl, self.limit = ttl, limit
        self._links: OrderedDict[str, tuple[datetime, Payload]] = OrderedDict()

    def create(self, payload: Payload, now: datetime) -> tuple[str, datetime]:
        """A new token for `payload` and when it expires."""
        self._forget_expired(now)
        while len(self._links) >= self.limit:
            self._links.popitem(last=False)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires_at = now + self.ttl
        self._links[token] = (expires_at, payload)
        return token, expires_at

    def take(self, token: str, now: datetime) -> Payload | None:
        """The payload of a live token, which is then gone; None for an unknown, used or
        expired one."""
        entry = self._links.pop(token, None)
        if entry is None or now >= entry[0]:
            return None
        return entry[1]

    def _forget_expired(self, now: datetime) -> None:
        # in order of creation, so of expiry: the expired ones are at the front
        while self._links:
            token, (expires_at, _) = next(iter(self._links.items()))
            if now < expires_at:
                break
            del self._links[token]

    def __len__(self) -> int:
        return len(self._links)


class ReportLinks(OneTimeLinks[ReportRequest]):
    """One-time links to a report, made by the `report_link` command."""

    def __init__(self, config: OfficeConfig, ttl: timedelta = LINK_TTL) -> None:
        super().__init__(ttl)
        self.config = config

    def command(self, cmd_id: str, args: dict[str, Any], now: datetime) -> dict[str, Any]:
        """`report_link` {from, to, format, lang?} → `{"url": "/report/<token>",
        "expires_at"}` as a result message (the role was checked by the hub)."""
        lang = self.config.default_language
        try:
            request = ReportRequest.from_args(args, lang)
        except m.ArgError as exc:
            return m.result_error(cmd_id, exc.code, exc.message(lang))
        token, expires_at = self.create(request, now)
        expires = expires_at.astimezone(self.config.tz).isoformat(timespec="milliseconds")
        return m.result_ok(cmd_id, {"url": REPORT_PATH + token, "expires_at": expires})
