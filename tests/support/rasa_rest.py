"""Stand-ins for Rasa's REST channel (``POST /webhooks/rest/webhook``) on loopback, for what
sits in front of Rasa: the web chat's socket relay and the gateway's client.

``RasaStandIn`` records every request that reaches it (with its Authorization header) and
answers a fixed reply. ``RestChannel`` answers with its own port as the text, so a test sees
which server answered; ``SlowRestChannel`` takes 0.3 s per message and notes when it was busy.
The real Rasa behind them is exercised by tests/system.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar


@dataclass
class RasaStandIn:
    """Records each request's body and Authorization header; answers ``reply`` to every one."""

    reply: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> int:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append({"auth": self.headers.get("Authorization"), **body})
                payload = json.dumps(stand_in.reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return int(self.server.server_address[1])


class RestChannel(BaseHTTPRequestHandler):
    """Answers like Rasa's REST channel, naming the server, so a test sees who answered."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps([{"text": self.server.server_address[1]}]).encode()  # type: ignore[index]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class SlowRestChannel(RestChannel):
    """Takes 0.3 s per message and records when each was being handled."""

    busy: ClassVar[list[tuple[float, float]]] = []

    def do_POST(self) -> None:
        started = time.monotonic()
        time.sleep(0.3)
        super().do_POST()
        self.busy.append((started, time.monotonic()))
