"""The one connection class the three Qt apps share: QWebSocket + reconnect + resync +
command ids.

- Reconnects by itself with backoff (0.5 s doubling to 10 s); Qt has no auto-reconnect.
- Sends `hello` with the model's `last_seq`; applies `welcome` and events to the model in
  order, and sends `resync` on a gap.
- Every command carries a fresh id and stays *pending* until its result arrives. After a
  reconnect, pending commands are re-sent with the same id (the server answers a known
  id with the original result and changes nothing), so an action is never lost and never
  done twice. A command not confirmed within `command_timeout_s` is reported failed
  (`ok=False`, code `not_confirmed`) so the user is told it may not have happened.
- With a `wss://` URL the server is accepted only if the SHA-256 of its certificate is
  the pinned one (`cert_sha256`). No certificate authority is trusted: a certificate
  with any other fingerprint is refused before `hello` (and so the device token) is sent,
  and the state becomes "certificate_rejected" until the right one is seen again. With no
  pin yet, the first certificate seen is pinned (trust on first use, logged) and written
  to the device's credentials file.
- Pairing by a code (`pair=True` and no token): each connection sends the pairing `hello`
  and `pairing_changed` carries what the pairing screen shows (the code); on `paired` the
  name and token go into the credentials file (never on screen or in a log) and the next
  connection says `hello` with them. The state is "pairing" while a code is on screen;
  `pairing_changed(None)` once the first `welcome` came.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCryptographicHash, QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QSslCertificate, QSslConfiguration, QSslError
from PySide6.QtWebSockets import QWebSocket

from office_client import credentials
from office_client.model import Applied, OfficeModel
from office_client.pairing import Paired, Pairing, PairingView
from protocol import messages as m

log = logging.getLogger("antrean.client")

ResultCallback = Callable[[dict[str, Any]], None]
BACKOFF_START_MS = 500
BACKOFF_MAX_MS = 10_000
CERTIFICATE_REJECTED = "certificate_rejected"

# What a pinned certificate is expected to fail when no authority is trusted: it is
# self-signed or its issuer is unknown, and the name a device dials may not be in it. The
# pin is what authenticates the server; any other error (expired, not yet valid, a bad
# signature, an error about another certificate of the chain) refuses it.
PINNED_CERTIFICATE_ERRORS = frozenset({
    QSslError.SslError.SelfSignedCertificate,
    QSslError.SslError.CertificateUntrusted,
    QSslError.SslError.UnableToGetLocalIssuerCertificate,
    QSslError.SslError.UnableToVerifyFirstCertificate,
    QSslError.SslError.HostNameMismatch,
})


def certificate_fingerprint(cert: QSslCertificate) -> str:
    """The SHA-256 fingerprint of a certificate (its DER), in credentials' stored form."""
    digest = bytes(cert.digest(QCryptographicHash.Algorithm.Sha256).data())
    return ":".join(f"{b:02X}" for b in digest)


@dataclass
class Pending:
    name: str
    args: dict[str, Any]
    callback: ResultCallback | None
    sent: bool = False
    timer: QTimer | None = field(default=None, repr=False)


class OfficeConnection(QObject):
    """Signals carry plain dicts; slots run in the GUI thread."""

    # "connecting" | "online" | "offline" | "unauthorized" | "certificate_rejected"
    # | "pairing" (a pairing code on screen)
    state_changed = Signal(str)
    certificate_pinned = Signal(str)  # trust on first use: the fingerprint now pinned
    certificate_refused = Signal(str)  # each refused certificate's fingerprint ("" if none)
    welcomed = Signal(dict)
    event_applied = Signal(dict)  # an event message, applied to the model
    result_received = Signal(dict)  # every result message
    server_error = Signal(dict)  # an `error` message
    pairing_changed = Signal(object)  # a PairingView while unpaired; None once welcomed
    paired = Signal(str)  # the name a supervisor's approval gave this device (no token)

    def __init__(self, url: str, role: str, device: str | None = None,
                 token: str | None = None, model: OfficeModel | None = None,
                 command_timeout_s: float = 15.0, parent: QObject | None = None, *,
                 cert_sha256: str | None = None,
                 credentials_path: str | Path | None = None, pair: bool = False) -> None:
        super().__init__(parent)
        self.url, self.role, self.device, self.token = url, role, device, token
        self.tls = credentials.is_tls(url)
        self.cert_sha256 = credentials.normalize_fingerprint(cert_sha256) \
            if cert_sha256 else None
        self.credentials_path = Path(credentials_path) if credentials_path else None
        self.model = model or OfficeModel()
        self.command_timeout_ms = int(command_timeout_s * 1000)
        self.state = "offline"
        self.session: dict[str, Any] = {}
        # The secret a login gave this connection: a reconnect sends it back to resume the
        # officer's session. Never written to disk: a restarted app logs in again.
        self.officer_session: str | None = None
        self.pending: dict[str, Pending] = {}
        # Unpaired (`pair` and no token): ask for a pairing code instead of saying hello.
        self.pairing: Pairing | None = Pairing(role, device or role) \
            if pair and token is None else None
        self._welcomed = False
        self._stopped = True
        self._backoff = BACKOFF_START_MS
        self._ws = QWebSocket()
        self._ws.setParent(self)
        self._ws.connected.connect(self._on_connected)
        self._ws.disconnected.connect(self._on_disconnected)
        self._ws.textMessageReceived.connect(self._on_text)
        self._ws.errorOccurred.connect(self._on_error)
        if self.tls:
            # Trust no authority, only the pin: every certificate then comes to
            # `_on_ssl_errors`, where its fingerprint decides.
            ssl_config = QSslConfiguration.defaultConfiguration()
            ssl_config.setCaCertificates([])
            self._ws.setSslConfiguration(ssl_config)
            self._ws.sslErrors.connect(self._on_ssl_errors)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._open)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._stopped = False
        self._open()

    def stop(self) -> None:
        self._stopped = True
        self._retry.stop()
        self._ws.close()
        self._set_state("offline")

    @property
    def online(self) -> bool:
        return self.state == "online"

    def pairing_view(self) -> PairingView | None:
        """What the pairing screen shows now; None when this device is not pairing."""
        return self.pairing.view() if self.pairing is not None else None

    def _pairing_changed(self) -> None:
        self.pairing_changed.emit(self.pairing_view())

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    @Slot()
    def _open(self) -> None:
        if self._stopped:
            return
        if self.state != CERTIFICATE_REJECTED:  # stays on screen until the right one
            self._set_state("connecting")
        self._ws.open(QUrl(self.url))

    @Slot()
    def _on_connected(self) -> None:
        if self.tls and not self._accept_certificate(
                self._ws.sslConfiguration().peerCertificate(), []):
            return  # refused before a word (or the token) is sent
        self._backoff = BACKOFF_START_MS
        self._welcomed = False
        if self.pairing is not None and self.token is None:
            self.pairing.connected()
            self._send(self.pairing.hello(self.model.seq))
            self._pairing_changed()
            return
        hello = m.hello(self.role, self.device, self.token, self.model.seq)
        if self.officer_session:  # back into the officer's session after a reconnect
            hello["session"] = self.officer_session
        self._send(hello)

    @Slot()
    def _on_disconnected(self) -> None:
        self._welcomed = False
        for p in self.pending.values():
            p.sent = False
        if self.state not in ("unauthorized", CERTIFICATE_REJECTED):
            self._set_state("offline")
        delay = self._backoff
        if self.pairing is not None:
            if self.pairing.online:
                self.pairing.disconnected()
                self._pairing_changed()
            delay = self.pairing.retry_delay_ms(delay)
        # Qt may report one failed attempt twice (errorOccurred and disconnected):
        # schedule one retry per attempt, so the backoff doubles once.
        if not self._stopped and not self._retry.isActive():
            self._retry.start(delay)
            self._backoff = min(self._backoff * 2, BACKOFF_MAX_MS)

    @Slot(QAbstractSocket.SocketError)
    def _on_error(self, error: QAbstractSocket.SocketError) -> None:
        log.info("connection error: %s", self._ws.errorString())
        if self._ws.state() == QAbstractSocket.SocketState.UnconnectedState:
            self._on_disconnected()

    # ------------------------------------------------------------------ certificate pin
    @Slot(list)
    def _on_ssl_errors(self, errors: list[QSslError]) -> None:
        if self._accept_certificate(self._ws.sslConfiguration().peerCertificate(), errors):
            # Only these errors, checked one by one: the handshake is for the pinned
            # certificate alone.
            self._ws.ignoreSslErrors()

    def _accept_certificate(self, peer: QSslCertificate, errors: list[QSslError]) -> bool:
        """Whether the server's certificate is the pinned one (pinning it on first use);
        refuses the connection (abort, "certificate_rejected") when it is not."""
        seen = "" if peer.isNull() else certificate_fingerprint(peer)
        unexpected = [e for e in errors
                      if e.error() not in PINNED_CERTIFICATE_ERRORS
                      or (not e.certificate().isNull() and e.certificate() != peer)]
        if not seen or unexpected:
            reason = "; ".join(e.errorString() for e in unexpected) or "no certificate"
            return self._refuse(seen, reason)
        if self.cert_sha256 is None:
            self._pin(seen)
        elif seen != self.cert_sha256:
            return self._refuse(seen, f"its fingerprint is not the pinned {self.cert_sha256}")
        return True

    def _pin(self, fingerprint: str) -> None:
        self.cert_sha256 = fingerprint
        log.warning("trusting the server's certificate on first use: SHA-256 %s (check it "
                    "against `antrean tls fingerprint` on the server)", fingerprint)
        if self.credentials_path is not None:
            try:
                credentials.store_pin(self.credentials_path, fingerprint)
            except credentials.CredentialsError as exc:
                log.error("the pin holds until the app stops, but %s", exc)
        self.certificate_pinned.emit(fingerprint)

    def _refuse(self, fingerprint: str, reason: str) -> bool:
        log.error("refused the server's certificate %s: %s", fingerprint or "(none)", reason)
        self._set_state(CERTIFICATE_REJECTED)
        self.certificate_refused.emit(fingerprint)
        self._ws.abort()
        return False

    # ------------------------------------------------------------------ messages
    def _send(self, message: dict[str, Any]) -> None:
        self._ws.sendTextMessage(m.encode(message))

    @Slot(str)
    def _on_text(self, text: str) -> None:
        try:
            msg = json.loads(text)
        except ValueError:
            log.warning("server sent invalid JSON")
            return
        kind = msg.get("type")
        if kind == "welcome":
            self._on_welcome(msg)
        elif kind == "event":
            self._on_event(msg)
        elif kind == "result":
            self._on_result(msg)
        elif kind == "error":
            if self.pairing is not None and self.token is None:
                self.pairing.on_error(msg)  # a new code is asked for on reconnecting
                self._pairing_changed()
            elif msg.get("error", {}).get("code") == m.ErrorCode.UNAUTHORIZED:
                self._set_state("unauthorized")
            self.server_error.emit(msg)
        elif kind == "pairing" and self.pairing is not None and self.token is None:
            if self.pairing.on_pairing(msg):
                self._set_state("pairing")
                self._pairing_changed()
        elif kind == "paired" and self.pairing is not None and self.token is None:
            paired = self.pairing.on_paired(msg)
            if paired is not None:
                self._adopt(paired)

    def _adopt(self, paired: Paired) -> None:
        """Take the name and token a supervisor's approval gave this device: stored in
        its credentials file; the server closes this socket and the next connection
        says `hello` with them."""
        self.device, self.token = paired.name, paired.token
        if self.credentials_path is not None:
            try:
                credentials.store_paired(self.credentials_path, self.url, paired.name,
                                         paired.token, self.cert_sha256)
            except credentials.CredentialsError as exc:
                log.error("paired as %s, but the token could not be stored (the device "
                          "must be paired again after a restart): %s", paired.name, exc)
        else:
            log.warning("paired as %s; no credentials file: the token is kept in memory "
                        "only", paired.name)
        self._set_state("connecting")
        self._pairing_changed()
        self.paired.emit(paired.name)
        self._ws.close()  # the server closes it too; either way, hello again with the token

    def _on_welcome(self, msg: dict[str, Any]) -> None:
        self.session = msg.get("session") or {}
        if self.officer_session and not self.session.get("counter"):
            self.officer_session = None  # the server ended it (logout, day end, elsewhere)
        self.model.load_welcome(msg)
        self._welcomed = True
        if self.pairing is not None:  # paired, and now welcomed: the app carries on
            self.pairing = None
            self._pairing_changed()
        self._set_state("online")
        self.welcomed.emit(msg)
        for cmd_id, p in self.pending.items():  # re-send what was not confirmed
            if not p.sent:
                p.sent = True
                self._send(m.command(cmd_id, p.name, p.args))

    def _on_event(self, msg: dict[str, Any]) -> None:
        outcome = self.model.apply(msg)
        if outcome is Applied.APPLIED:
            self.event_applied.emit(msg)
        elif outcome is Applied.GAP and self._welcomed:
            self._welcomed = False  # ignore the rest until the resync's welcome
            self._send(m.resync(self.model.seq))

    def _on_result(self, msg: dict[str, Any]) -> None:
        data = msg.get("data")
        if msg.get("ok") and isinstance(data, dict) and isinstance(data.get("session"), str):
            self.officer_session = data["session"]  # a login: kept in memory only
        pending = self.pending.pop(msg.get("id", ""), None)
        if pending is not None:
            if pending.timer:
                pending.timer.stop()
            if pending.callback:
                pending.callback(msg)
        self.result_received.emit(msg)

    # ------------------------------------------------------------------ commands
    def send_command(self, name: str, args: dict[str, Any] | None = None,
                     callback: ResultCallback | None = None,
                     cmd_id: str | None = None) -> str:
        """Send (or hold until online) a command; `callback(result)` exactly once."""
        cmd_id = cmd_id or uuid.uuid4().hex
        pending = Pending(name, dict(args or {}), callback)
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: self._expire(cmd_id))
        timer.start(self.command_timeout_ms)
        pending.timer = timer
        self.pending[cmd_id] = pending
        if self.online and self._welcomed:
            pending.sent = True
            self._send(m.command(cmd_id, name, pending.args))
        return cmd_id

    def _expire(self, cmd_id: str) -> None:
        pending = self.pending.pop(cmd_id, None)
        if pending is None:
            return
        result = m.result_error(cmd_id, "not_confirmed",
                                "the server did not confirm this action")
        if pending.callback:
            pending.callback(result)
        self.result_received.emit(result)
