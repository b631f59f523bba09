"""The life of a ticket and of a counter, as two tables.

Rule: every status a ticket or a counter can move to is in these tables and nowhere else,
and every change of status is made by `move` or `move_counter` here, which look it up:
a pair a table lacks is an `invalid_state` error naming the status, and changes nothing.
An auditor's "can a finished ticket be called again?" is answered by reading the table:
`done` appears in no row on the left; "can a paused counter call?": see CALLING.
"""

from __future__ import annotations

from protocol import ErrorCode
from server.engine.model import CounterState, EngineError, Ticket

WAITING, CALLED, SERVING = "waiting", "called", "serving"
DONE, NO_SHOW, CANCELLED, EXPIRED = "done", "no_show", "cancelled", "expired"

STATUSES = (WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED, EXPIRED)
ACTIVE = frozenset({WAITING, CALLED, SERVING})
TERMINAL = frozenset({DONE, NO_SHOW, CANCELLED, EXPIRED})

# action -> {status before: status after}. A new ticket is `waiting`.
TRANSITIONS: dict[str, dict[str, str]] = {
    "call": {WAITING: CALLED},
    "recall": {CALLED: CALLED},
    "start_service": {CALLED: SERVING},
    "finish": {SERVING: DONE},
    "no_show": {CALLED: NO_SHOW},
    "transfer": {CALLED: WAITING, SERVING: WAITING},
    "cancel": {WAITING: CANCELLED, CALLED: CANCELLED, SERVING: CANCELLED},
    "expire": {WAITING: EXPIRED, CALLED: EXPIRED, SERVING: EXPIRED},  # the day ended
    # a supervisor lets a no-show who came back wait again (the same day)
    "reinstate": {NO_SHOW: WAITING},
}

# The counter's: action -> {status before: status after}. A counter starts the day closed.
COUNTER_CLOSED, COUNTER_OPEN, COUNTER_PAUSED = "closed", "open", "paused"
COUNTER_STATUSES = (COUNTER_CLOSED, COUNTER_OPEN, COUNTER_PAUSED)
COUNTER_TRANSITIONS: dict[str, dict[str, str]] = {
    # an officer logs in: a closed counter opens, a paused one stays paused
    "login": {COUNTER_CLOSED: COUNTER_OPEN, COUNTER_OPEN: COUNTER_OPEN,
              COUNTER_PAUSED: COUNTER_PAUSED},
    "open": {COUNTER_CLOSED: COUNTER_OPEN, COUNTER_PAUSED: COUNTER_OPEN},
    "pause": {COUNTER_OPEN: COUNTER_PAUSED},
    "resume": {COUNTER_PAUSED: COUNTER_OPEN},
    # the officer leaves (logs out, or logs in at another counter)
    "logout": {COUNTER_OPEN: COUNTER_CLOSED, COUNTER_PAUSED: COUNTER_CLOSED},
    # closed by its officer, an admin, or the day's end
    "close": {COUNTER_OPEN: COUNTER_CLOSED, COUNTER_PAUSED: COUNTER_CLOSED},
}
CALLING = frozenset({COUNTER_OPEN})  # a counter calls a ticket only while open


def move(ticket: Ticket, action: str) -> None:
    """The ticket's status after `action`, or `invalid_state` (nothing changes)."""
    new = TRANSITIONS[action].get(ticket.status)
    if new is None:
        raise EngineError(ErrorCode.INVALID_STATE, "err_ticket_state", number=ticket.number,
                          status=ticket.status, action=action)
    ticket.status = new


def move_counter(state: CounterState, action: str) -> None:
    """The counter's status after `action`, or `invalid_state` (nothing changes)."""
    new = COUNTER_TRANSITIONS[action].get(state.status)
    if new is None:
        raise EngineError(ErrorCode.INVALID_STATE, "err_counter_status", counter=state.id,
                          status=state.status)
    state.status = new
