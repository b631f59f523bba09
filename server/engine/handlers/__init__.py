"""The command table: every command of the protocol the engine answers, and its handler.

Who may send a command and its arguments are the protocol's (`protocol.messages.COMMANDS`);
`Engine.handle` checks both first, so a handler gets checked arguments (`cmd.args`). It
refuses by raising `EngineError`, before it changes anything. One module per role: a new
command is a spec in `protocol/messages.py`, a handler in its role's module and a row
here (`tests/engine/test_command_table.py` checks that each engine command has one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from server.engine.handlers import admin, counter, kiosk, offline, supervisor
from server.engine.model import Command

if TYPE_CHECKING:
    from server.engine.core import Engine

Handler = Callable[["Engine", Command], Any]

HANDLERS: dict[str, Handler] = {
    # applicants: kiosk, phone page, survey tablet
    "issue_ticket": kiosk.issue_ticket,
    "check_in": kiosk.check_in,
    "submit_survey": kiosk.submit_survey,
    "tablet_survey": kiosk.tablet_survey,
    "cancel_own": kiosk.cancel_own,
    # a kiosk through a LAN outage
    "lease_numbers": offline.lease_numbers,
    "sync_offline": offline.sync_offline,
    # counter
    "login": counter.login,
    "logout": counter.logout,
    "call_next": counter.call_next,
    "call_ticket": counter.call_ticket,
    "recall": counter.recall,
    "start_service": counter.start_service,
    "finish": counter.finish,
    "no_show": counter.no_show,
    "transfer": counter.transfer,
    "cancel": counter.cancel,
    "reinstate": counter.reinstate,
    "pause": counter.pause,
    "resume": counter.resume,
    "open_counter": counter.open_counter,
    "close_counter": counter.close_counter,
    # the office: admin, any device
    "set_announcement": admin.set_announcement,
    "import_bookings": admin.import_bookings,
    "report_device_status": admin.report_device_status,
    "ping": admin.ping,
    # the supervisor's console (the hub answers its other commands: people, devices)
    "pause_issuing": supervisor.pause_issuing,
    "resume_issuing": supervisor.resume_issuing,
    "set_quota": supervisor.set_quota,
    "move_ticket": supervisor.move_ticket,
    "reprint": supervisor.reprint,
    "take_reprint": supervisor.take_reprint,
    "set_holidays": supervisor.set_holidays,
}
