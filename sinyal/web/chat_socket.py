"""The website chat's socket.io endpoint, served by the web app and relayed to Rasa on loopback.

The rasa-webchat widget speaks Rasa's socket.io protocol (``session_request`` →
``session_confirm``, ``user_uttered`` → ``bot_uttered``). Rasa's own socket.io channel would
take the session id the browser chooses and needs Rasa reachable from the internet; here the web
app, the one public process, speaks the protocol itself:

* the session id (the Rasa sender) is issued by this server and signed (sinyal/chat/senders.py); a
  widget presenting an id it was not given starts a fresh conversation;
* the entry context is re-checked (flow, variant, token, language only; channel ``website``),
  and ``origin`` (the client address, keyed: sinyal/chat/senders.py) added for abuse limits;
* text goes through sinyal/chat/gateway.py (commands only from buttons, length cap), at most
  ``MESSAGES_PER_MINUTE`` per session, then to Rasa's token-protected REST channel.

One socket.io connection lives in one web process (sticky sessions when several run behind a
balancer); the conversation itself is in Rasa's tracker store, so any process can continue it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import Any

import httpx
import socketio

from sinyal.chat.gateway import (
    EMPTY,
    SLOW_DOWN,
    TOO_LONG,
    UNAVAILABLE,
    RasaClient,
    button_payloads,
    clean_text,
    reply_in,
    within_chat_limit,
)
from sinyal.chat.senders import is_web_session, new_web_session, origin_of
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.web.public import entry_metadata

logger = logging.getLogger(__name__)

ORIGIN_PER_MINUTE = 300  # all chats from one address (an office shares one)


def widget_messages(reply: dict[str, Any]) -> list[dict[str, Any]]:
    """One Rasa REST reply as the socket.io messages Rasa's own channel would emit."""
    messages: list[dict[str, Any]] = []
    if reply.get("text"):
        messages = [{"text": part} for part in str(reply["text"]).strip().split("\n\n")]
    buttons = reply.get("buttons") or []
    if buttons:
        if not messages:
            messages = [{"text": ""}]
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
            for b in buttons
        ]
    if reply.get("image"):
        messages.append({"attachment": {"type": "image", "payload": {"src": reply["image"]}}})
    return messages


def client_network(environ: dict[str, Any]) -> str:
    """The client's address from the ASGI scope (uvicorn puts a trusted proxy's
    X-Forwarded-For there); IPv6 clients by their /64, which one subscriber usually holds."""
    client = (environ.get("asgi.scope") or {}).get("client") or ("unknown", 0)
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return str(client[0])
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class ChatSocket:
    """The socket.io server; ``asgi(app)`` puts it in front of the FastAPI app."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        if settings.secret_key is None or settings.rasa_token is None:
            raise ValueError(
                "SINYAL_SECRET_KEY and SINYAL_RASA_TOKEN must be set: they sign chat sessions "
                "and open Rasa's REST channel (`sinyal run` generates both)"
            )
        self.secret = settings.secret_key.get_secret_value()
        self._locks: dict[str, asyncio.Lock] = {}
        self.commands = button_payloads(settings.bot_dir / "domain.yml")
        self.rasa = RasaClient(
            settings.rasa_urls,
            settings.rasa_token.get_secret_value(),
            redis_url=settings.redis_url,
        )
        # Same-origin only (python-socketio compares Origin with Host when given None).
        self.sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=None)
        self.sio.on("session_request", self.on_session_request)
        self.sio.on("user_uttered", self.on_user_uttered)
        self.sio.on("disconnect", self.on_disconnect)

    def asgi(self, app: Any) -> socketio.ASGIApp:
        return socketio.ASGIApp(self.sio, other_asgi_app=app, socketio_path="socket.io")

    async def on_session_request(self, sid: str, data: object) -> None:
        asked = data.get("session_id") if isinstance(data, dict) else None
        fresh = not is_web_session(self.secret, asked)
        session_id = new_web_session(self.secret) if fresh else str(asked)
        origin = origin_of(self.secret, client_network(self.sio.get_environ(sid) or {}))
        await self.sio.save_session(sid, {"sender": session_id, "origin": origin})
        await self.sio.emit("session_confirm", session_id, to=sid)

    async def on_disconnect(self, sid: str, *_reason: object) -> None:
        session = await self.sio.get_session(sid)
        self._locks.pop(session.get("sender", ""), None)

    async def on_user_uttered(self, sid: str, data: object) -> None:
        session = await self.sio.get_session(sid)
        sender = session.get("sender")
        if sender is None or not isinstance(data, dict):
            return  # no session_request first: the widget always asks; anything else is noise
        metadata = entry_metadata(data.get("customData")) | {"origin": session["origin"]}
        language = metadata.get("language")
        message = data.get("message")
        if isinstance(message, str) and len(message) > self.settings.chat_message_max_chars:
            await self._say(sid, reply_in(TOO_LONG, language))
            return
        lock = self._locks.setdefault(sender, asyncio.Lock())
        async with lock:  # one chat's messages reach Rasa in the order they were sent
            await self._relay(sid, sender, message, metadata)

    async def _relay(
        self, sid: str, sender: str, message: object, metadata: dict[str, str]
    ) -> None:
        language = metadata.get("language")
        if not await asyncio.to_thread(self._within_limit, sender, metadata["origin"]):
            await self._say(sid, reply_in(SLOW_DOWN, language))
            return
        text = clean_text(message, self.commands)
        if not text:
            await self._say(sid, reply_in(EMPTY, language))
            return
        try:
            replies = await self.rasa.send(sender, text, metadata)
        except (httpx.HTTPError, ValueError):
            logger.warning("Rasa did not answer a website chat message")
            await self._say(sid, reply_in(UNAVAILABLE, language))
            return
        for reply in replies:
            for shown in widget_messages(reply):
                await self.sio.emit("bot_uttered", shown, to=sid)

    def _within_limit(self, sender: str, origin: str) -> bool:
        return within_chat_limit(self.store, sender, (f"chat-origin:{origin}", ORIGIN_PER_MINUTE))

    async def _say(self, sid: str, text: str) -> None:
        await self.sio.emit("bot_uttered", {"text": text}, to=sid)
