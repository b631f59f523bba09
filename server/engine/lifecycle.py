"""The ticket's life, as one table.

Rule: every allowed move of a ticket's status is in TRANSITIONS and nowhere else. The
engine asks `next_status(action, status)`; a pair the table lacks is an `invalid_state`
error naming the ticket's status. An auditor's "can a finished ticket be called
again?" is answered by reading the table: `done` appears in no row on the left.
"""

from __future__ import annotations

WAITING, CALLED, SERVING = "waiting", "called", "serving"
DONE, NO_SHOW, CANCELLED, EXPIRED = "done", "no_show", "cancelled", "expired"

STATUSES = (WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED, EXPIRED)
ACTIVE = frozenset({WAITING, CALLED, SERVING})
TERMINAL = frozenset({DONE, NO_SHOW, CANCELLED, EXPIRED})

# action -> {status before: status after}
TRANSITIONS: dict[str, dict[str, str]] = {
    "call": {WAITING: CALLED},
    "recall": {CALLED: CALLED},
    "start_service": {CALLED: SERVING},
    "finish": {SERVING: DONE},
    "no_show": {CALLED: NO_SHOW},
    "transfer": {CALLED: WAITING, SERVING: WAITING},
    "cancel": {WAITING: CANCELLED, CALLED: CANCELLED, SERVING: CANCELLED},
    "expire": {WAITING: EXPIRED, CALLED: EXPIRED, SERVING: EXPIRED},
}

# Counter statuses and the counter actions allowed from each.
COUNTER_CLOSED, COUNTER_OPEN, COUNTER_PAUSED = "closed", "open", "paused"
COUNTER_TRANSITIONS: dict[str, dict[str, str]] = {
    "open": {COUNTER_CLOSED: COUNTER_OPEN, COUNTER_PAUSED: COUNTER_OPEN},
    "pause": {COUNTER_OPEN: COUNTER_PAUSED},
    "resume": {COUNTER_PAUSED: COUNTER_OPEN},
    "close": {COUNTER_OPEN: COUNTER_CLOSED, COUNTER_PAUSED: COUNTER_CLOSED},
}


def next_status(action: str, status: str) -> str | None:
    """The status after `action`, or None when the table does not allow it."""
    return TRANSITIONS[action].get(status)


def next_counter_status(action: str, status: str) -> str | None:
    return COUNTER_TRANSITIONS[action].get(status)
