"""The command table: every command of the protocol the engine answers, and its handler.

Who may send a command and its arguments are the protocol's (`protocol.messages.COMMANDS`).
`Engine.handle` checks both before the handler runs, so a handler gets checked arguments
(`cmd.args`: every argument of the spec, optional ones at their default). It refuses by
raising `EngineError` before it changes anything.

One module per role that sends the command. A new command is a spec in
`protocol/messages.py`, a handler in its role's module and a row here; a command of the
protocol without a handler (or a handler without one) stops the engine's import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from protocol.messages import COMMANDS
from server.engine.handlers import admin, counter, kiosk
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
    "pause": counter.pause,
    "resume": counter.resume,
    "open_counter": counter.open_counter,
    "close_counter": counter.close_counter,
    # the office: admin, any device
    "set_announcement": admin.set_announcement,
    "import_bookings": admin.import_bookings,
    "report_device_status": admin.report_device_status,
    "ping": admin.ping,
}

ENGINE_COMMANDS = frozenset(name for name, spec in COMMANDS.items()
                            if spec.answered_by == "engine")
if HANDLERS.keys() != ENGINE_COMMANDS:
    raise RuntimeError(
        "the engine's command table does not match the protocol: no handler for "
        f"{sorted(ENGINE_COMMANDS - HANDLERS.keys())}; a handler for no engine command: "
        f"{sorted(HANDLERS.keys() - ENGINE_COMMANDS)}")
