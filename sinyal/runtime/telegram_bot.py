"""The one Telegram bot: consultants' desk (sinyal.handover.telegram_desk) and prospects' chats
(sinyal.chat.telegram_bridge) on one token, served by long polling or a webhook.

It lives with the entry points because it joins two stages: the chat must not know the desk.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from sinyal.chat.gateway import RasaClient
from sinyal.chat.telegram_bridge import TelegramBridge
from sinyal.handover.telegram_desk import BUTTON_PATTERN, ConsultantDesk
from sinyal.settings import Settings
from sinyal.store import Store


def build_application(settings: Settings, store: Store) -> Application:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    if settings.rasa_token is None:
        raise ValueError("SINYAL_RASA_TOKEN is not set: Rasa's REST channel requires it")
    rasa = RasaClient(
        settings.rasa_urls,
        settings.rasa_token.get_secret_value(),
        redis_url=settings.redis_url,
    )
    bridge = TelegramBridge(settings, store, rasa)

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


#: Updates the bridge handles; Telegram sends no others.
ALLOWED_UPDATES = ["message", "callback_query"]
#: What Telegram accepts as a webhook ``secret_token`` (1-256 of these characters), from 16 on
#: so that it cannot be guessed; ``python -c "import secrets; print(secrets.token_urlsafe(32))"``.
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


def webhook_options(settings: Settings) -> dict[str, Any]:
    """``run_webhook``'s arguments, or ValueError naming the setting that is missing.

    The webhook is a public URL: without the secret, anyone who finds it can post updates
    that look like Telegram's, as a consultant pressing Claim or as any prospect. Telegram sends
    the secret in ``X-Telegram-Bot-Api-Secret-Token`` and python-telegram-bot answers 403 to a
    request without it, so webhook mode does not start without one.
    """
    if not settings.telegram_webhook_url:
        raise ValueError("SINYAL_TELEGRAM_WEBHOOK_URL is required in webhook mode")
    secret = settings.telegram_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise ValueError(
            "SINYAL_TELEGRAM_WEBHOOK_SECRET is required in webhook mode: without it anyone who "
            "finds the webhook URL can send forged updates (generate one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`)'
        )
    if not WEBHOOK_SECRET.match(secret.get_secret_value()):
        raise ValueError(
            "SINYAL_TELEGRAM_WEBHOOK_SECRET must be 16 to 256 characters of A-Z, a-z, 0-9, "
            "_ and - (what Telegram accepts, long enough not to be guessed)"
        )
    return {
        "listen": settings.host,
        "port": settings.telegram_webhook_port,
        "webhook_url": settings.telegram_webhook_url,
        "secret_token": secret.get_secret_value(),
        "allowed_updates": ALLOWED_UPDATES,
    }


def _require_webhook_server() -> None:
    """python-telegram-bot serves webhooks with tornado, an optional extra: say so at start."""
    if importlib.util.find_spec("tornado") is None:
        raise ValueError(
            "webhook mode needs python-telegram-bot's webhook server: install "
            '"python-telegram-bot[webhooks]" (tornado), or use SINYAL_TELEGRAM_MODE=polling'
        )


def run(settings: Settings) -> None:
    """Serve until interrupted: long polling, or a webhook when configured (checked first)."""
    webhook = None
    if settings.telegram_mode == "webhook":
        webhook = webhook_options(settings)
        _require_webhook_server()
    store = Store.from_settings(settings)
    application = build_application(settings, store)
    try:
        if webhook is not None:
            application.run_webhook(**webhook)
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    finally:
        store.close()
