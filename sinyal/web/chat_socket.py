"""The website chat's socket.io endpoint, served by the web app and relayed to Rasa on loopback.

The rasa-webchat widget speaks Rasa's socket.io protocol (``session_request`` →
``session_confirm``, ``user_uttered`` → ``bot_uttered``). Rasa's own socket.io channel would
take the session id the browser chooses and needs Rasa reachable from the internet; here the web
app, the one public process, speaks the protocol itself:

* the session id (the Rasa sender) is issued by this server and signed (sinyal/senders.py); a
  widget presenting an id it was not given starts a fresh conversation;
* the entry context is re-checked (flow, variant, token, language only; channel ``website``),
  and ``origin`` (the client address, keyed: sinyal/senders.py) added for abuse limits;
* text goes through sinyal/chat_gateway.py (commands only from buttons, length cap), at most
  ``MESSAGES_PER_MINUTE`` per session, then to Rasa's token-protected REST channel.

One socket.io connection lives in one web process (sticky sessions when several run behind a
balancer); the conversation itself is in Rasa's tracker store, so any process can continue it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from typing import Any

import httpx
import socketio

from sinyal.chat_gateway import (
    EMPTY,
    TOO_LONG,
    UNAVAILABLE,
    RasaClient,
    button_payloads,
    clean_text,
    reply_in,
)
from sinyal.outreach.clicks import CHAT_LANGUAGES
from sinyal.senders import is_web_session, new_web_session, origin_of
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.ratelimit import hit

logger = logging.getLogger(__name__)

CHANNEL = "website"
MESSAGES_PER_MINUTE = 30
SLOW_DOWN = {
    "en": "You're writing faster than I can read. Give me a moment, then try again.",
    "id": "Anda menulis lebih cepat dari yang bisa saya baca. Tunggu sebentar, lalu coba lagi.",
}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,119}$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ENTRY_KEYS = {"flow": NAME, "variant": NAME, "token": TOKEN}


def entry_metadata(custom_data: object) -> dict[str, str]:
    """What the widget may tell the bot about its entry link; everything else is dropped."""
    given = custom_data if isinstance(custom_data, dict) else {}
    metadata = {
        key: value
        for key, pattern in ENTRY_KEYS.items()
        if isinstance(value := given.get(key), str) and pattern.match(value)
    }
    if given.get("language") in CHAT_LANGUAGES:
        metadata["language"] = given["language"]
    return metadata | {"channel": CHANNEL}


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


class ChatSocket:
    """The socket.io server; ``asgi(app)`` puts it in front of the FastAPI app."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        # Without SINYAL_SECRET_KEY (`sinyal web` alone) a reload starts a new conversation.
        key = settings.secret_key
        self.secret = key.get_secret_value() if key else secrets.token_urlsafe(32)
        self.commands = button_payloads(settings.bot_dir / "domain.yml")
        token = settings.rasa_token.get_secret_value() if settings.rasa_token else ""
        self.rasa = RasaClient(settings.rasa_url, token)
        # Same-origin only (python-socketio compares Origin with Host when given None).
        self.sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=None)
        self.sio.on("session_request", self.on_session_request)
        self.sio.on("user_uttered", self.on_user_uttered)

    def asgi(self, app: Any) -> socketio.ASGIApp:
        return socketio.ASGIApp(self.sio, other_asgi_app=app, socketio_path="socket.io")

    async def on_session_request(self, sid: str, data: object) -> None:
        asked = data.get("session_id") if isinstance(data, dict) else None
        fresh = not is_web_session(self.secret, asked)
        session_id = new_web_session(self.secret) if fresh else str(asked)
        environ = self.sio.get_environ(sid) or {}
        origin = origin_of(self.secret, str(environ.get("REMOTE_ADDR") or "unknown"))
        await self.sio.save_session(sid, {"sender": session_id, "origin": origin})
        await self.sio.emit("session_confirm", session_id, to=sid)

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
        if not await asyncio.to_thread(self._within_limit, sender):
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

    def _within_limit(self, sender: str) -> bool:
        return hit(self.store, f"chat:{sender}", MESSAGES_PER_MINUTE, 60)

    async def _say(self, sid: str, text: str) -> None:
        await self.sio.emit("bot_uttered", {"text": text}, to=sid)
