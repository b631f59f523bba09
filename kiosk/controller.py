"""Glue between the pure `KioskFlow`, the server connection, the printer worker and voice.

The controller owns no rules: it forwards touches to the flow, carries out the actions
the flow returns (commands, prints, prompts) and feeds answers back. `changed` tells the
window to re-render.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from hardware.printer import TicketPrinter
from kiosk.devices import Printed, PrinterWorker, ScannerReader
from kiosk.flow import Action, KioskFlow, PrintTicket, SendCommand, Speak
from office_client.connection import OfficeConnection

log = logging.getLogger("antrean.kiosk")

STATUS_INTERVAL_MS = 60_000
KEEPALIVE_MS = 30_000  # ping (clock offset, a half-open link), owed syncs and leases
POLL_MS = 15  # how often worker results are collected (printing is ≤ 15 ms later)


class KioskController(QObject):
    changed = Signal()
    printed = Signal(str, bool)  # ticket id, ok (after the flow has handled it)
    spoken = Signal(str, str)  # every prompt the flow asked for (text, lang)

    def __init__(self, connection: OfficeConnection, printer: TicketPrinter,
                 flow: KioskFlow | None = None, *, voice: Any = None,
                 status_interval_ms: int = STATUS_INTERVAL_MS, tick_ms: int = 1000,
                 keepalive_ms: int = KEEPALIVE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connection = connection
        self.flow = flow or KioskFlow(connection.model)
        self.voice = voice
        self.print_ms: list[float] = []  # request → bytes sent, per job (for tests/logs)
        self.printer = PrinterWorker(printer)
        self.scanner: ScannerReader | None = None
        issuer = self.flow.offline
        if issuer is not None and not connection.model.loaded:
            cached = issuer.cached_welcome()
            if cached is not None:  # started during an outage: the services as last seen
                connection.model.load_welcome(cached)
        connection.state_changed.connect(self._on_connection)
        connection.welcomed.connect(self._on_welcome)
        connection.event_applied.connect(self._on_model)
        self._status_timer = QTimer(self)
        self._status_timer.timeout.connect(self.printer.request_status)
        self._status_timer.start(status_interval_ms)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start(tick_ms)
        self._poll = QTimer(self)
        self._poll.timeout.connect(self._on_poll)
        self._poll.start(POLL_MS)
        self._keepalive = QTimer(self)
        self._keepalive.timeout.connect(lambda: self.do("keepalive"))
        self._keepalive.start(keepalive_ms)
        self.printer.request_status()  # at start: show trouble before the first touch
        self._on_connection(connection.state)

    # ------------------------------------------------------------------ touches
    def do(self, method: str, *args: Any) -> None:
        """Run one flow method (a touch) and carry out what it asks for."""
        handler: Callable[..., list[Action]] = getattr(self.flow, method)
        self.run(handler(*args))
        self.changed.emit()

    def run(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, SendCommand):
                self.connection.send_command(
                    action.name, action.args,
                    lambda result, cid=action.cmd_id: self._on_result(cid, result),
                    cmd_id=action.cmd_id)
            elif isinstance(action, PrintTicket):
                self.printer.request_print(action.ticket_id, action.ticket)
            elif isinstance(action, Speak):
                self.spoken.emit(action.text, action.lang)
                if self.voice is not None:
                    self.voice.say(action.text, action.lang)

    def set_printer(self, printer: TicketPrinter) -> None:
        self.printer.set_printer(printer)
        self.printer.request_status()

    def attach_scanner(self, scanner: ScannerReader) -> None:
        self.scanner = scanner

    def stop(self) -> None:
        self._tick.stop()
        self._keepalive.stop()
        self._status_timer.stop()
        self._poll.stop()
        self.printer.stop()
        if self.scanner is not None:
            self.scanner.stop()
        if self.voice is not None and hasattr(self.voice, "stop"):
            self.voice.stop()

    # ------------------------------------------------------------------ answers
    def _on_result(self, cmd_id: str, result: dict[str, Any]) -> None:
        if not result.get("ok"):
            log.info("command %s failed: %s", cmd_id, result.get("error"))
        self.run(self.flow.on_result(cmd_id, result))
        self.changed.emit()

    @Slot()
    def _on_poll(self) -> None:
        for item in self.printer.poll():
            if isinstance(item, Printed):
                self.print_ms.append(item.ms)
                self.run(self.flow.print_finished(item.ticket_id, item.ok, item.status,
                                                  item.detail))
                self.printed.emit(item.ticket_id, item.ok)
            else:
                self.run(self.flow.printer_status(item.status, item.detail))
            self.changed.emit()
        if self.scanner is not None:
            for code in self.scanner.poll():
                self.do("scanned", code)

    @Slot(dict)
    def _on_model(self, msg: dict) -> None:
        self.flow.server_heard()
        if msg.get("name") == "reprint_requested":
            self.run(self.flow.reprint_requested(msg.get("data") or {}, self.connection.device))
        self.changed.emit()

    @Slot(dict)
    def _on_welcome(self, msg: dict) -> None:
        self.run(self.flow.welcomed(msg))
        self.changed.emit()

    @Slot(str)
    def _on_connection(self, state: str) -> None:
        self.run(self.flow.set_connection(state))
        self.changed.emit()

    @Slot()
    def _on_tick(self) -> None:
        before = self.flow.screen
        self.run(self.flow.tick())
        # Re-render every tick anyway: the clock on screen moves.
        self.changed.emit()
        if before != self.flow.screen:
            log.debug("idle: %s -> %s", before, self.flow.screen)
