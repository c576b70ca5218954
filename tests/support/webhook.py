"""An HTTP receiver on loopback standing in for a CRM's webhook endpoint (the notification
channel that POSTs each lead).

It can be scripted to fail per idempotency key, so tests sharing one receiver do not disturb
each other: HTTP statuses, or a hang that never answers by itself (only ``stop()`` ends it, by
closing the connection). Every attempt is logged with when it came and how it was answered.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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
