"""SMTP servers on loopback (aiosmtpd), standing in for the mail relay Sinyal sends through.

``SmtpSink`` keeps every message, parsed, and can be scripted to fail per recipient: SMTP
replies such as 421/451/550 at RCPT or at the end of DATA, or the connection dropped there.
Every attempt is logged with when it came and how it was answered. ``EnvelopeSink`` also keeps
each envelope's recipients (a Bcc shows only there). ``AuthRecorder`` served by
``serve_recording`` records every AUTH command it is sent and whether TLS was on.
"""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from tests.support.ports import free_port

RCPT, DATA = "RCPT", "DATA"


@dataclass(frozen=True)
class SmtpFault:
    """At ``stage`` (RCPT, or the end of DATA), answer ``reply``; None drops the connection
    there, without an answer (at DATA: before the server took the message)."""

    stage: str
    reply: str | None


@dataclass
class SmtpAttempt:
    """One RCPT or end of DATA for a recipient, and how it was answered."""

    recipient: str
    stage: str
    outcome: str
    at: float = field(default_factory=time.time)


@dataclass
class SmtpSink:
    """Accepts every message and keeps it, parsed; or fails as ``script`` says."""

    messages: list[EmailMessage] = field(default_factory=list)
    attempts: list[SmtpAttempt] = field(default_factory=list)
    port: int = 0
    _controller: Controller | None = None
    _scripts: dict[str, list[SmtpFault]] = field(default_factory=dict)

    def script(self, recipient: str, *faults: SmtpFault) -> None:
        """The next transactions to ``recipient`` meet ``faults``, one each; then as usual."""
        self._scripts[recipient.lower()] = list(faults)

    def attempts_to(self, recipient: str) -> list[SmtpAttempt]:
        return [a for a in self.attempts if a.recipient == recipient.lower()]

    def _fault(self, recipient: str, stage: str) -> SmtpFault | None:
        script = self._scripts.get(recipient.lower())
        if script and script[0].stage == stage:
            return script.pop(0)
        return None

    def _answer(self, server: Any, recipient: str, stage: str, fault: SmtpFault | None) -> str:
        outcome = "accepted" if fault is None else fault.reply or "dropped"
        self.attempts.append(SmtpAttempt(recipient.lower(), stage, outcome))
        if fault is None:
            return "250 OK"
        if fault.reply is None:
            server.transport.abort()  # gone mid-transaction; the reply below goes nowhere
        return fault.reply or "421 4.4.2 connection dropped"

    async def handle_RCPT(
        self, server: Any, _session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        fault = self._fault(address, RCPT)
        if fault is None:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
        return self._answer(server, address, RCPT, fault)

    async def handle_DATA(self, server: Any, _session: Any, envelope: Any) -> str:
        (recipient,) = envelope.rcpt_tos or [""]  # notifications go to one recipient each
        fault = self._fault(recipient, DATA)
        if fault is None:
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(parsed)
        return self._answer(server, recipient, DATA, fault)

    def start(self) -> SmtpSink:
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class EnvelopeSink(SmtpSink):
    """An SMTP sink that also keeps each envelope's recipients (Bcc shows only there)."""

    def __init__(self) -> None:
        super().__init__()
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        return await super().handle_DATA(server, session, envelope)


@dataclass
class AuthRecorder:
    """The server side: every AUTH command (and whether TLS was on), every login, every mail."""

    auth_commands: list[tuple[str, bool]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"

    def authenticate(
        self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)


class RecordingSMTP(SMTP):
    async def smtp_AUTH(self, arg: str) -> None:
        self.event_handler.auth_commands.append((arg, self._tls_protocol is not None))
        await super().smtp_AUTH(arg)


class RecordingController(Controller):
    def factory(self) -> SMTP:
        return RecordingSMTP(self.handler, **self.SMTP_kwargs)


def serve_recording(recorder: AuthRecorder, **options: Any) -> Iterator[int]:
    """An SMTP server on a free loopback port that records into ``recorder``; yields the port
    and stops the server afterwards. ``options`` go to aiosmtpd's SMTP (TLS, AUTH policy)."""
    port = free_port()
    controller = RecordingController(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=recorder.authenticate,
        **options,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
