"""Prospects on Telegram, relayed to Rasa's REST channel and back, with python-telegram-bot.

Rasa 3.6's own Telegram channel needs a public HTTPS webhook and cannot be pointed at another
Bot API server; this bridge long-polls by default (works behind any firewall), can run as a
webhook in production, and talks to whatever ``telegram_api_url`` names, so tests use a local
stand-in. The bot itself (polling or webhook, with the consultants' desk on the same token) is
assembled in sinyal/runtime/telegram_bot.py. Each Telegram chat is the Rasa sender
``tg-<HMAC of the chat id>`` (sinyal/chat/senders.py): a chat id is no secret, so it must not be
enough to talk as somebody. Prospects' text goes through sinyal/chat/gateway.py like the
website chat's.

``/start <token>`` (a deep link from an outreach message) becomes the entry context: the token
is looked up in the store, because a deep link carries at most 64 characters.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import defaultdict
from typing import Any

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from sinyal.chat.conversations import EntryContext, context_for_token
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
from sinyal.chat.senders import origin_of, telegram_sender
from sinyal.settings import Settings
from sinyal.store import Store

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what Telegram allows in a deep link
CALLBACK_DATA_LIMIT = 64  # bytes Telegram keeps for an inline button


def language_hint(language_code: str | None) -> str | None:
    """Telegram's client language: a good first guess until the prospect writes."""
    if language_code and language_code.lower().startswith("id"):
        return "id"
    if language_code and language_code.lower().startswith("en"):
        return "en"
    return None


def keyboard(buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """Rasa buttons as one inline button per row; the payload travels as callback data."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "")
        payload = str(button.get("payload") or title)
        if len(payload.encode()) > CALLBACK_DATA_LIMIT:
            payload = title[:CALLBACK_DATA_LIMIT]  # too long to round-trip: send the title text
        rows.append([InlineKeyboardButton(title, callback_data=payload)])
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramBridge:
    def __init__(self, settings: Settings, store: Store, rasa: RasaClient) -> None:
        if settings.secret_key is None:
            raise ValueError("SINYAL_SECRET_KEY is not set: it keys the prospects' sender ids")
        self.settings = settings
        self.secret = settings.secret_key.get_secret_value()
        self.commands = button_payloads(settings.bot_dir / "domain.yml")
        self.store = store
        self.rasa = rasa
        # Updates are handled concurrently, but one chat's messages must reach Rasa in order.
        self._chat_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/start [token]``: a new conversation, opened with the outreach's context."""
        message = update.effective_message
        if message is None or update.effective_chat is None:
            return
        args = context.args or []
        entry = await self._entry_context(args[0] if args else None)
        user = update.effective_user
        hint = language_hint(user.language_code if user else None)
        metadata = {**entry.as_dict(), "channel": CHANNEL}
        if hint and "language" not in metadata:
            metadata["language"] = hint
        await self.relay(update.effective_chat.id, "/greet", metadata, context)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text or update.effective_chat is None:
            return
        await self.relay(update.effective_chat.id, message.text, {"channel": CHANNEL}, context)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed inline button: acknowledge it, retire the keyboard, relay the payload."""
        query = update.callback_query
        if query is None or update.effective_chat is None:
            return
        await query.answer()
        if query.message is not None:
            try:
                await context.bot.edit_message_reply_markup(
                    chat_id=update.effective_chat.id,
                    message_id=query.message.message_id,
                    reply_markup=None,
                )
            except Exception:  # an old message may no longer be editable; the answer matters
                logger.warning("could not remove the keyboard of a pressed button")
        payload = query.data or ""
        await self.relay(update.effective_chat.id, payload, {"channel": CHANNEL}, context)

    async def relay(
        self,
        chat_id: int,
        text: str,
        metadata: dict[str, Any],
        context: ContextTypes.DEFAULT_TYPE,
    ) -> None:
        if len(text) > self.settings.chat_message_max_chars:
            await context.bot.send_message(chat_id, reply_in(TOO_LONG, metadata.get("language")))
            return
        cleaned = clean_text(text, self.commands)
        if not cleaned:
            await context.bot.send_message(chat_id, reply_in(EMPTY, metadata.get("language")))
            return
        sender = telegram_sender(self.secret, chat_id)
        if not await asyncio.to_thread(within_chat_limit, self.store, sender):
            await context.bot.send_message(chat_id, reply_in(SLOW_DOWN, metadata.get("language")))
            return
        metadata = metadata | {"origin": origin_of(self.secret, f"telegram:{chat_id}")}
        async with self._chat_locks[chat_id]:
            typing = asyncio.create_task(self._keep_typing(chat_id, context))
            try:
                replies = await self.rasa.send(sender, cleaned, metadata)
            except (httpx.HTTPError, json.JSONDecodeError):
                logger.warning("Rasa did not answer a Telegram chat")  # no chat id: personal
                sorry = reply_in(UNAVAILABLE, metadata.get("language"))
                await context.bot.send_message(chat_id, sorry)
                return
            finally:
                typing.cancel()
            await self._send_replies(chat_id, replies, context)

    @staticmethod
    async def _send_replies(
        chat_id: int, replies: list[dict[str, Any]], context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        for reply in replies:
            if reply.get("text"):
                await context.bot.send_message(
                    chat_id, reply["text"], reply_markup=keyboard(reply.get("buttons") or [])
                )

    @staticmethod
    async def _keep_typing(chat_id: int, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Telegram shows "typing..." for about 5 s per call; renew it while Rasa thinks."""
        while True:
            try:
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            except Exception:
                logger.debug("typing indicator failed", exc_info=True)
            await asyncio.sleep(4)

    async def _entry_context(self, payload: str | None) -> EntryContext:
        if not payload or not START_PAYLOAD.match(payload):
            return EntryContext(channel=CHANNEL)

        def lookup() -> EntryContext:
            with self.store.transaction() as session:
                return context_for_token(session, payload, CHANNEL)

        try:
            return await asyncio.to_thread(lookup)
        except Exception:  # the chat matters more than its attribution
            logger.exception("could not look up the /start token; continuing without context")
            return EntryContext(channel=CHANNEL)
