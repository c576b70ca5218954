"""Tracked links: an unguessable token per message, and where a click on it leads.

Every link in outreach points at the web app's click endpoint (``/c/<token>``), which records
the click and redirects into the chat: the website chat page with flow, variant and token as URL
parameters, or ``t.me/<bot>?start=<token>``. Tokens are 32 URL-safe characters (192 random
bits), inside the 64 characters Telegram allows in a ``start`` payload.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from sinyal.settings import Settings

TOKEN_BYTES = 24
TELEGRAM_PAYLOAD_LIMIT = 64


def new_token() -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    assert len(token) <= TELEGRAM_PAYLOAD_LIMIT
    return token


def tracked_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/c/{token}"


def unsubscribe_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/u/{token}"


class ChatTargetError(ValueError):
    """The flow's chat cannot be reached with the current settings."""


def chat_url(
    settings: Settings, chat: str, token: str, flow: str, variant: str, language: str | None
) -> str:
    """Where a click on ``token`` lands: the website chat or the Telegram bot."""
    if chat == "telegram":
        if not settings.telegram_bot_username:
            raise ChatTargetError(
                "SINYAL_TELEGRAM_BOT_USERNAME is not set; t.me deep links need the bot's name"
            )
        return f"https://t.me/{settings.telegram_bot_username}?start={token}"
    params = {"flow": flow, "variant": variant, "t": token}
    if language:
        params["lang"] = language
    page = settings.chat_page_url
    return f"{page}{'&' if '?' in page else '?'}{urlencode(params)}"
