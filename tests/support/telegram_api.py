"""A local stand-in for the Telegram Bot API, for python-telegram-bot's ``base_url``.

Real Telegram cannot be reached from here, so this serves the Bot API methods Sinyal calls
(getMe, getUpdates with long polling, sendMessage, sendChatAction, answerCallbackQuery,
editMessageReplyMarkup, deleteWebhook, setWebhook, getWebhookInfo) over real HTTP, with the
Bot API's JSON shapes. Tests push user updates in and read what the bot sent out.

Faults, for sendMessage: the Bot API's own refusals (429 with ``retry_after``, 403 bot blocked,
400 chat not found) scripted per chat (``script``), a message delivered whose answer is lost
(``ANSWER_LOST``), 5xx from a failing gateway (``fail_next``) and a hang (``hang``, or
``HANG`` for one chat) that holds the connection without ever answering by itself: only
``healthy()`` or ``stop()`` end it, by closing the connection, still without an answer. Every
sendMessage call is logged in ``attempts``, with when it came and how it was answered.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

#: Form fields whose values are JSON documents rather than plain strings.
JSON_FIELDS = frozenset({"reply_markup", "allowed_updates", "entities"})
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Sinyal", "username": "sinyal_test_bot"}


@dataclass
class Sent:
    """A call the bot made: the method and its parameters (JSON-decoded)."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.time)  # when the stand-in received it


@dataclass(frozen=True)
class Fault:
    """How the stand-in answers one sendMessage: an error ``status`` with the Bot API's
    ``description`` (and ``retry_after`` for 429), or no answer at all (``status`` None): the
    connection closed after the message was delivered (``delivers``), or held until released."""

    status: int | None
    description: str = ""
    retry_after: int | None = None
    delivers: bool = False
    trickles: bool = False

    @property
    def label(self) -> str:
        if self.status is not None:
            return str(self.status)
        if self.trickles:
            return "trickle"
        return "answer lost" if self.delivers else "hang"


def flood(retry_after: int) -> Fault:
    """429, as Telegram answers a bot over its flood limit."""
    return Fault(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


BLOCKED = Fault(403, "Forbidden: bot was blocked by the user")
CHAT_NOT_FOUND = Fault(400, "Bad Request: chat not found")
#: Delivered (the chat has the message), then the connection closes before the answer.
ANSWER_LOST = Fault(None, delivers=True)
#: Held open without an answer, never delivered, until ``healthy()`` or ``stop()``.
HANG = Fault(None)
#: An answer that never ends: a header line every 0.3 s (each read well within any read
#: timeout) until ``healthy()`` or ``stop()``; never delivered.
TRICKLE = Fault(None, trickles=True)


@dataclass
class Attempt:
    """One sendMessage call: to which chat, when it came, how it was answered and when."""

    chat_id: int
    at: float
    outcome: str = "unanswered"  # until answered: "delivered", or a Fault's label
    answered_at: float | None = None


@dataclass
class TelegramApiStandIn:
    token: str = "123456:TEST-TOKEN"
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    _next_update: int = 1
    _next_message: int = 1000
    #: Fault injection for sendMessage: answer the next N calls with a 502 (a failing gateway),
    #: hang every call, or follow a chat's script; none of these delivers unless it says so.
    _failures_left: int = 0
    _hanging: bool = False
    _scripts: dict[int, list[Fault]] = field(default_factory=dict)
    _release: threading.Event = field(default_factory=threading.Event)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    # -- faults ------------------------------------------------------------------------------

    def fail_next(self, count: int) -> None:
        self._failures_left = count

    def hang(self) -> None:
        """Hold every sendMessage open, unanswered, until ``healthy()`` or ``stop()``."""
        self._hanging = True

    def script(self, chat_id: int, *faults: Fault) -> None:
        """Answer the next sendMessage calls to ``chat_id`` with ``faults``, one each, in
        order; then as usual."""
        with self._changed:
            self._scripts[chat_id] = list(faults)

    def healthy(self) -> None:
        """No more faults; held connections are closed (without an answer)."""
        with self._changed:
            self._failures_left, self._hanging = 0, False
            self._scripts.clear()
            self._release.set()
            self._release = threading.Event()

    def attempts_to(self, chat_id: int) -> list[Attempt]:
        with self._changed:
            return [a for a in self.attempts if a.chat_id == chat_id]

    def _fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        """The fault this call meets, if any."""
        if method != "sendMessage":
            return None
        with self._changed:
            script = self._scripts.get(int(params.get("chat_id") or 0))
            if script:
                return script.pop(0)
            if self._hanging:
                return HANG
            if self._failures_left > 0:
                self._failures_left -= 1
                return Fault(502, "Bad Gateway")
        return None

    def _attempt(self, method: str, params: dict[str, Any]) -> Attempt | None:
        if method != "sendMessage":
            return None
        attempt = Attempt(int(params.get("chat_id") or 0), time.time())
        with self._changed:
            self.attempts.append(attempt)
            self._changed.notify_all()
        return attempt

    def _answered(self, attempt: Attempt | None, outcome: str) -> None:
        if attempt is not None:
            with self._changed:
                attempt.outcome, attempt.answered_at = outcome, time.time()
                self._changed.notify_all()

    def _hold(self) -> None:
        """Until released by ``healthy()`` or ``stop()``: a hang never ends by itself."""
        with self._changed:
            release = self._release
        release.wait()

    def _released(self) -> threading.Event:
        with self._changed:
            return self._release

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> TelegramApiStandIn:
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.healthy()  # let held connections go, or shutting down would wait for them
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        """What python-telegram-bot's ``base_url`` should be (it appends the token)."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # -- what a user does --------------------------------------------------------------------

    def _user(self, chat_id: int, language_code: str) -> dict[str, Any]:
        return {
            "id": chat_id,
            "is_bot": False,
            "first_name": "Prospect",
            "language_code": language_code,
        }

    def push_text(self, chat_id: int, text: str, language_code: str = "en") -> None:
        message: dict[str, Any] = {
            "message_id": self._message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._user(chat_id, language_code),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self._push({"message": message})

    def press_button(self, chat_id: int, message_id: int, data: str) -> str:
        """Press an inline button; returns the callback query's id (to find its answer)."""
        query_id = f"cb-{self._next_update}"
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(chat_id, "en"),
                    "chat_instance": f"ci-{chat_id}",
                    "data": data,
                    "message": {
                        "message_id": message_id,
                        "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private"},
                        "from": BOT_USER,
                        "text": "(buttons)",
                    },
                }
            }
        )
        return query_id

    def messages_to(self, chat_id: int) -> list[Sent]:
        with self._changed:
            return [
                s
                for s in self.sent
                if s.method == "sendMessage" and int(s.params["chat_id"]) == chat_id
            ]

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 60) -> list[Sent]:
        """Block until the bot has sent ``count`` messages to the chat (in total)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.messages_to(chat_id)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [m.params.get("text") for m in self.messages_to(chat_id)]
                    raise AssertionError(f"expected {count} messages to {chat_id}, got {got}")
                self._changed.wait(left)
            return self.messages_to(chat_id)

    def wait_for_call(
        self, method: str, timeout: float = 30, since: float = 0, **params: Any
    ) -> Sent:
        """Block until the bot has called ``method`` with (at least) ``params``, at or after
        ``since`` (epoch seconds)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self.calls(method):
                    if call.at >= since and all(
                        str(call.params.get(k)) == str(v) for k, v in params.items()
                    ):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {method} call with {params}")
                self._changed.wait(left)

    def calls(self, method: str) -> list[Sent]:
        with self._changed:
            return [s for s in self.sent if s.method == method]

    # -- the Bot API side --------------------------------------------------------------------

    def _message_id(self) -> int:
        self._next_message += 1
        return self._next_message

    def _push(self, update: dict[str, Any]) -> None:
        with self._changed:
            update["update_id"] = self._next_update
            self._next_update += 1
            self.updates.append(update)
            self._changed.notify_all()

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates":
            return self._get_updates(params)
        with self._changed:
            self.sent.append(Sent(method, params))
            self._changed.notify_all()
        if method == "getMe":
            return BOT_USER
        if method == "sendMessage":
            return {
                "message_id": self._message_id(),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method in {
            "sendChatAction",
            "answerCallbackQuery",
            "editMessageReplyMarkup",
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
        }:
            return True
        raise KeyError(method)

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._changed:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return list(self.updates[: int(params.get("limit") or 100)])


class _Server(ThreadingHTTPServer):
    # The standard backlog of 5 drops a burst of connections (a dispatcher sending 20 cards at
    # once): the kernel then retries after a second, or the client sees a reset.
    request_queue_size = 128
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    api: TelegramApiStandIn
    protocol_version = "HTTP/1.1"  # keep-alive, as the real Bot API

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        params = self._params()  # read the body in any case: the connection is kept alive
        prefix = f"/bot{self.api.token}/"
        if not self.path.startswith(prefix):
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = self.path[len(prefix) :]
        attempt = self.api._attempt(method, params)
        fault = self.api._fault(method, params)
        if fault is not None:
            self._fail(fault, method, params)
            self.api._answered(attempt, fault.label)
            return
        try:
            result = self.api.handle(method, params)
        except KeyError:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self._reply(200, {"ok": True, "result": result})
        self.api._answered(attempt, "delivered")

    def _fail(self, fault: Fault, method: str, params: dict[str, Any]) -> None:
        """Answer with the fault's error, or close the connection without an answer (after
        delivering, or after holding it until released)."""
        if fault.status is None:
            if fault.trickles:
                self._trickle()
            elif fault.delivers:
                self.api.handle(method, params)
            else:
                self.api._hold()
            self.close_connection = True
            return
        body: dict[str, Any] = {
            "ok": False, "error_code": fault.status, "description": fault.description,
        }  # fmt: skip
        if fault.retry_after is not None:
            body["parameters"] = {"retry_after": fault.retry_after}
        self._reply(fault.status, body)

    do_GET = do_POST

    def _trickle(self) -> None:
        """A status line, then one header line every 0.3 s until released or the client goes."""
        release = self.api._released()
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            while not release.wait(0.3):
                self.wfile.write(b"X-Still-Thinking: 1\r\n")
                self.wfile.flush()
        except OSError:  # the client gave up and closed the connection
            pass

    def _params(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if "json" in (self.headers.get("Content-Type") or ""):
            return json.loads(body or "{}")
        params: dict[str, Any] = {key: values[0] for key, values in parse_qs(body).items()}
        for key in JSON_FIELDS & params.keys():  # python-telegram-bot JSON-encodes these
            params[key] = json.loads(params[key])
        return params

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
