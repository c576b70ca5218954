"""Where notifications go: Telegram (python-telegram-bot), email (SMTP) and a signed webhook.

Each channel's ``send`` delivers one card to one recipient and returns a reference (the
Telegram message id), or raises ``DeliveryError``: ``permanent`` when retrying cannot help
(unknown chat, refused address, 4xx from the CRM), else it is retried with backoff.
Every message carries the notification's idempotency key (email Message-ID, webhook
``Idempotency-Key`` header) so a receiver can drop the copy a crash mid-delivery may cause.

An attempt can also end without an answer after the request went out whole (the peer took it,
then the connection dropped or stayed silent past the timeout): it may have been delivered. Such
a ``DeliveryError`` is ``unconfirmed``, and each channel says whether it may be sent again
(``resend_unconfirmed``): email and the webhook may (at least once: the receiver drops the copy
by its key), Telegram may not (at most once: the Bot API has no idempotency key, so a resend
would put a second card in the consultant's chat; the lead's email and the escalation of an
unclaimed lead are the safety net for a card that never arrived).

The card's values are already one line each (``sinyal.text.one_line``); headers are still built
with the email package's header registry (``Address``; ``policy.default`` refuses a line break
in any header) and percent-encoding, and a message that cannot be built is a permanent
``DeliveryError`` for that one notification, never an exception out of ``send``.
"""

from __future__ import annotations

import asyncio
import email.policy
import hashlib
import hmac
import json
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol
from urllib.parse import quote

import httpx
import requests
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from sinyal.handover.notify.card import LeadCard
from sinyal.mail import smtp_session
from sinyal.settings import Settings
from sinyal.text import one_line


class DeliveryError(Exception):
    """A failed attempt. ``permanent``: retrying cannot help. ``unconfirmed``: the request went
    out whole and no answer came, so the peer may have delivered it. ``retry_after``: the peer
    said when to come back (seconds)."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        unconfirmed: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.unconfirmed = unconfirmed


class Channel(Protocol):
    #: Whether an unconfirmed attempt may be sent again: only where the receiver can drop a
    #: copy by the idempotency key (see the module's docstring).
    resend_unconfirmed: bool

    async def send(self, recipient: str, card: LeadCard, key: str) -> str | None: ...

    async def close(self) -> None: ...


#: Telegram's longest message, in UTF-16 code units (as Telegram counts).
TELEGRAM_TEXT_LIMIT = 4096
#: The card's buttons, by callback action; the consultant side of the bot handles them.
LEAD_BUTTONS = {"claimed": "Claim", "contacted": "Contacted", "unreachable": "Not reachable"}


def lead_buttons(
    lead_id: int, actions: tuple[str, ...] = tuple(LEAD_BUTTONS)
) -> InlineKeyboardMarkup:
    """One row of ``actions`` buttons for the lead (all three on a new card)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(LEAD_BUTTONS[a], callback_data=f"lead:{lead_id}:{a}")
                for a in actions
            ]
        ]
    )


#: Transport errors raised before the request left whole: the Bot API acts on whole requests
#: only, so nothing was delivered and the card can be sent again.
NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
)


def maybe_delivered(exc: BaseException) -> bool:
    """True when python-telegram-bot's error comes from a transport failure after the request
    was sent (a read timeout, a connection closed before the answer): the Bot API may have
    delivered the card. An error built from an HTTP answer (5xx, 429, ...) is not."""
    cause = exc.__cause__
    return isinstance(cause, httpx.TransportError) and not isinstance(cause, NOT_SENT)


class TelegramChannel:
    #: At most once: a card whose answer was lost is not sent again (see the module docstring).
    resend_unconfirmed = False

    def __init__(self, token: str, base_url: str, timeout: float) -> None:
        request = HTTPXRequest(
            connection_pool_size=32,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
        )
        self.bot = Bot(token, base_url=base_url, request=request)

    async def send(self, recipient: str, card: LeadCard, key: str) -> str | None:
        try:
            message = await self.bot.send_message(
                chat_id=int(recipient),
                text=telegram_text(card.text()),
                reply_markup=lead_buttons(card.lead_id),
            )
        except RetryAfter as exc:
            after = exc.retry_after
            seconds = after if isinstance(after, int | float) else after.total_seconds()
            raise DeliveryError(
                f"telegram: flood limit, retry after {seconds}s", retry_after=seconds
            ) from None
        except (BadRequest, Forbidden) as exc:  # unknown chat, bot blocked: retrying cannot help
            raise DeliveryError(f"telegram: {exc.message}", permanent=True) from None
        except TelegramError as exc:  # network errors, timeouts, 5xx
            raise DeliveryError(
                f"telegram: {type(exc).__name__}: {exc.message}", unconfirmed=maybe_delivered(exc)
            ) from None
        return str(message.message_id)

    async def close(self) -> None:
        await self.bot.shutdown()


def telegram_text(text: str) -> str:
    """``text`` cut to what Telegram accepts: a longer message is refused, not shortened."""
    units = text.encode("utf-16-le")
    if len(units) <= 2 * TELEGRAM_TEXT_LIMIT:
        return text
    return units[: 2 * (TELEGRAM_TEXT_LIMIT - 1)].decode("utf-16-le", errors="ignore") + "…"


class EmailChannel:
    #: At least once: the copy carries the same Message-ID, which mail systems deduplicate on.
    resend_unconfirmed = True

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        self.settings = settings

    async def send(self, recipient: str, card: LeadCard, key: str) -> str | None:
        return await asyncio.to_thread(self._send, recipient, card, key)

    def _send(self, recipient: str, card: LeadCard, key: str) -> str:
        s = self.settings
        try:
            message = self._message(recipient, card, key)
        except (ValueError, TypeError) as exc:  # an address or header the registry refuses
            raise DeliveryError(f"email: cannot build the message: {exc}", permanent=True) from None
        try:
            with smtp_session(s, s.dispatch_timeout_seconds) as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:  # 421/451 (greylisting) pass; 5xx does not
            replies = list(exc.recipients.values())  # one recipient: one reply
            raise DeliveryError(
                f"email: recipient refused: {'; '.join(smtp_reply(*r) for r in replies)}",
                permanent=all(500 <= code < 600 for code, _ in replies),
            ) from None
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            reply = smtp_reply(exc.smtp_code, exc.smtp_error)
            raise DeliveryError(f"email: SMTP {reply}", permanent=permanent) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"email: {type(exc).__name__}: {exc}") from None
        return str(message["Message-ID"])

    def _message(self, recipient: str, card: LeadCard, key: str) -> EmailMessage:
        message = EmailMessage()  # policy.default: a header with a line break is a ValueError
        message["Subject"] = card.title
        message["From"] = sender(self.settings.smtp_from)
        message["To"] = Address(addr_spec=recipient)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@sinyal>"
        message.set_content(card.text())
        message.add_alternative(card.html(), subtype="html")
        return message

    async def close(self) -> None:
        return None


def smtp_reply(code: int, text: bytes | str) -> str:
    """``451 4.7.1 try again later``: the server's reason, on one line, for the row's error."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return one_line(f"{code} {text}", 300)


def sender(smtp_from: str) -> Address:
    """``smtp_from`` ("Name <address>") on one line, parsed by the email package's header
    registry; ValueError unless it is exactly one address."""
    (address,) = email.policy.default.header_factory("From", one_line(smtp_from, 320)).addresses
    return address


def signature(secret: str, body: bytes) -> str:
    """``X-Sinyal-Signature``: hex HMAC-SHA256 of the exact body, as GitHub and Stripe do."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    #: At least once: the copy carries the same Idempotency-Key header.
    resend_unconfirmed = True

    def __init__(self, url: str, secret: str | None, timeout: float) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.session = requests.Session()

    async def send(self, recipient: str, card: LeadCard, key: str) -> str | None:
        return await asyncio.to_thread(self._post, recipient, card, key)

    def _post(self, _recipient: str, card: LeadCard, key: str) -> str | None:
        body = json.dumps(card.data, sort_keys=True, default=str).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": header_value(key)}
        if self.secret:
            headers["X-Sinyal-Signature"] = signature(self.secret, body)
        try:
            response = self.session.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise DeliveryError(f"webhook: {type(exc).__name__}") from None
        except ValueError as exc:  # a header value http.client refuses: retrying cannot help
            raise DeliveryError(f"webhook: {type(exc).__name__}", permanent=True) from None
        if response.status_code >= 400:
            retry = response.status_code in (408, 429) or response.status_code >= 500
            raise DeliveryError(f"webhook: HTTP {response.status_code}", permanent=not retry)
        return None

    async def close(self) -> None:
        self.session.close()


def header_value(value: str) -> str:
    """An HTTP header value: one line, non-ASCII percent-encoded (an email address in a key
    may be international), the characters of our keys (``new_lead:12:email:a@b.example``)
    kept as they are."""
    return quote(one_line(value, 200), safe=" :@/_.+-")


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The channels this installation has settings for."""
    channels: dict[str, Channel] = {}
    if settings.telegram_bot_token is not None:
        channels["telegram"] = TelegramChannel(
            settings.telegram_bot_token.get_secret_value(),
            settings.telegram_api_url,
            settings.dispatch_timeout_seconds,
        )
    if settings.smtp_host:
        channels["email"] = EmailChannel(settings)
    if settings.notify_webhook_url:
        secret = settings.notify_webhook_secret
        channels["webhook"] = WebhookChannel(
            settings.notify_webhook_url,
            secret.get_secret_value() if secret else None,
            settings.dispatch_timeout_seconds,
        )
    return channels
