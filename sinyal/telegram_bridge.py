"""Prospects on Telegram, relayed to Rasa's REST channel and back, with python-telegram-bot.

Rasa 3.6's own Telegram channel needs a public HTTPS webhook and cannot be pointed at another
Bot API server; this bridge long-polls by default (works behind any firewall), can run as a
webhook in production, and talks to whatever ``telegram_api_url`` names, so tests use a local
stand-in. Each Telegram chat is the Rasa sender ``tg-<chat id>``.

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
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sinyal.consultant_desk import BUTTON_PATTERN, ConsultantDesk
from sinyal.conversations import EntryContext, context_for_token
from sinyal.settings import Settings
from sinyal.store import Store

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what Telegram allows in a deep link
CALLBACK_DATA_LIMIT = 64  # bytes Telegram keeps for an inline button
RASA_TIMEOUT = 30.0
UNAVAILABLE = {
    "en": "Sorry, I can't answer right now because of a technical problem. Please try again "
    "in a minute.",
    "id": "Maaf, saya belum bisa menjawab karena gangguan teknis. Silakan coba lagi sebentar lagi.",
}


def sender_id(chat_id: int) -> str:
    return f"tg-{chat_id}"


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


class RasaClient:
    """Rasa's REST channel: one POST per user message, the bot's replies in the response."""

    def __init__(self, rasa_url: str, timeout: float = RASA_TIMEOUT) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.client = httpx.AsyncClient(timeout=timeout)

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]:
        body = {"sender": sender, "message": message, "metadata": metadata}
        response = await self.client.post(self.url, json=body)
        response.raise_for_status()
        replies = response.json()
        return replies if isinstance(replies, list) else []

    async def close(self) -> None:
        await self.client.aclose()


class TelegramBridge:
    def __init__(self, store: Store, rasa: RasaClient) -> None:
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
        async with self._chat_locks[chat_id]:
            typing = asyncio.create_task(self._keep_typing(chat_id, context))
            try:
                replies = await self.rasa.send(sender_id(chat_id), text, metadata)
            except (httpx.HTTPError, json.JSONDecodeError):
                logger.exception("Rasa did not answer chat %s", chat_id)
                sorry = UNAVAILABLE.get(metadata.get("language") or "en", UNAVAILABLE["en"])
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


def build_application(settings: Settings, store: Store) -> Application:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    rasa = RasaClient(settings.rasa_url)
    bridge = TelegramBridge(store, rasa)

    async def announce(app: Application) -> None:
        me = await app.bot.get_me()
        # sinyal.runtime.services.TELEGRAM_READY_LINE: `sinyal run` waits for this line.
        print(f"telegram bridge ready: @{me.username}, {settings.telegram_mode}", flush=True)

    async def close_rasa(_: Application) -> None:
        await rasa.close()

    application = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .concurrent_updates(True)
        .post_init(announce)
        .post_shutdown(close_rasa)
        .build()
    )
    desk = ConsultantDesk(store)  # consultants' buttons and commands, before the prospects'
    application.add_handler(CallbackQueryHandler(desk.on_button, pattern=BUTTON_PATTERN))
    application.add_handler(CommandHandler("leads", desk.on_leads))
    application.add_handler(CommandHandler("mine", desk.on_mine))
    application.add_handler(CommandHandler("status", desk.on_status))
    application.add_handler(CommandHandler("start", bridge.on_start))
    application.add_handler(CallbackQueryHandler(bridge.on_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, bridge.on_text))
    return application


def run(settings: Settings) -> None:
    """Serve until interrupted: long polling, or a webhook when configured."""
    store = Store.from_settings(settings)
    application = build_application(settings, store)
    try:
        if settings.telegram_mode == "webhook":
            if not settings.telegram_webhook_url:
                raise ValueError("SINYAL_TELEGRAM_WEBHOOK_URL is required in webhook mode")
            secret = settings.telegram_webhook_secret
            application.run_webhook(
                listen=settings.host,
                port=settings.telegram_webhook_port,
                webhook_url=settings.telegram_webhook_url,
                secret_token=secret.get_secret_value() if secret else None,
            )
        else:
            application.run_polling(allowed_updates=["message", "callback_query"])
    finally:
        store.close()
