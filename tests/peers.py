"""Real protocol peers on loopback for notifications: an SMTP server (aiosmtpd) and an HTTP
receiver standing in for a CRM's webhook endpoint.

Both can be scripted to fail, per recipient (SMTP) or per idempotency key (webhook), so tests
sharing one peer do not disturb each other: SMTP replies such as 421/451/550 at RCPT or at the
end of DATA, or the connection dropped there; HTTP statuses, or a hang that never answers by
itself (only ``healthy()`` or ``stop()`` end it, by closing the connection). Every attempt is
logged with when it came and how it was answered.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.helpers import free_port

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


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


#: A webhook fault: hold the request without ever answering, until released.
WEBHOOK_HANG = 0


class WebhookReceiver:
    """Records every POST; answers ``status`` (200 unless a test says otherwise), or what the
    request's ``Idempotency-Key`` is scripted to meet. ``received`` holds the requests it
    answered with a 2xx (delivered); ``attempts`` every request, with its answer."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.attempts: list[tuple[str, int | None, float]] = []  # key, status or None, when
        self.status = 200
        self._scripts: dict[str, list[int]] = {}
        self._release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._status(self.headers.get("Idempotency-Key") or "")
                if status == WEBHOOK_HANG:
                    receiver._release.wait()  # never answers by itself
                    self.close_connection = True
                    return
                if status < 300:
                    receiver.received.append(Received(dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def script(self, key: str, *statuses: int) -> None:
        """The next requests with this ``Idempotency-Key`` get ``statuses`` (``WEBHOOK_HANG``:
        no answer), one each; then ``status``."""
        self._scripts[key] = list(statuses)

    def attempts_for(self, key: str) -> list[tuple[str, int | None, float]]:
        return [a for a in self.attempts if a[0] == key]

    def _status(self, key: str) -> int:
        script = self._scripts.get(key)
        status = script.pop(0) if script else self.status
        self.attempts.append((key, status if status != WEBHOOK_HANG else None, time.time()))
        return status

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sinyal"

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
