"""The one way a prospect's message reaches Rasa: checked, capped, with a server-issued sender.

The website chat socket (sinyal/web/chat_socket.py) and the Telegram bridge both relay here.
What a stranger can type is text, nothing more: a message starting with ``/`` would otherwise be
read by Rasa as an intent with entities (``/delete_my_data{"email": "..."}`` fills slots
directly), so only the payloads of the bot's own buttons pass as commands; anything else loses
its leading slashes and goes through NLU like any sentence. Overlong messages get a polite
refusal instead of a model run.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis
import yaml
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from sinyal.store import Store
from sinyal.store.ratelimit import hit

logger = logging.getLogger(__name__)

RASA_TIMEOUT = 30.0
#: Control characters and lone surrogates (invalid UTF-8 escaped in JSON); format characters
#: such as RTL marks and emoji joiners are text.
UNPRINTABLE = frozenset({"Cc", "Cs"})
LEADING_SLASHES = re.compile(r"^[\s/]+")
#: Commands the gateways send themselves (the widget's first message, Telegram's /start).
OWN_COMMANDS = frozenset({"/greet"})
TOO_LONG = {
    "en": "That message is too long for me. Could you put it in a few short sentences?",
    "id": "Pesannya terlalu panjang untuk saya. Bisa ditulis dalam beberapa kalimat singkat?",
}
#: Messages one chat may send a minute; more get SLOW_DOWN instead of a model run.
MESSAGES_PER_MINUTE = 30
SLOW_DOWN = {
    "en": "You're writing faster than I can read. Give me a moment, then try again.",
    "id": "Anda menulis lebih cepat dari yang bisa saya baca. Tunggu sebentar, lalu coba lagi.",
}
EMPTY = {
    "en": "I didn't catch any words there. Could you write that again?",
    "id": "Saya tidak menangkap kata apa pun. Bisa ditulis lagi?",
}
UNAVAILABLE = {
    "en": "Sorry, I can't answer right now because of a technical problem. Please try again "
    "in a minute.",
    "id": "Maaf, saya belum bisa menjawab karena gangguan teknis. Silakan coba lagi sebentar lagi.",
}


def within_chat_limit(
    store: Store, sender: str, origin_limit: tuple[str, int] | None = None
) -> bool:
    """Count one message of this chat (and of its origin: key, per minute); False past
    ``MESSAGES_PER_MINUTE``. Every process counts together: the counter is in the database.

    When the database does not answer, the message is let through: Rasa then answers it (or
    the gateway says it is unavailable), and a chat must not go silent because of a counter.
    """
    try:
        if not hit(store, f"chat:{sender}", MESSAGES_PER_MINUTE, 60):
            return False
        return origin_limit is None or hit(store, origin_limit[0], origin_limit[1], 60)
    except SQLAlchemyError as exc:
        logger.warning("chat rate limit not counted (store unavailable): %s", type(exc).__name__)
        return True


def reply_in(texts: dict[str, str], language: object) -> str:
    return texts.get(language if isinstance(language, str) else "en", texts["en"])


def button_payloads(domain_file: Path) -> frozenset[str]:
    """Every ``/intent...`` payload of a button in the domain: the commands a click can send."""
    domain = yaml.safe_load(domain_file.read_text()) or {}
    payloads = set(OWN_COMMANDS)
    for variants in (domain.get("responses") or {}).values():
        for variant in variants or []:
            for button in (variant or {}).get("buttons") or []:
                payload = str(button.get("payload", ""))
                if payload.startswith("/"):
                    # Responses escape braces as {{ }} (they are templates); clicks send { }.
                    payloads.add(payload.replace("{{", "{").replace("}}", "}"))
    return frozenset(payloads)


def clean_text(text: object, commands: frozenset[str]) -> str:
    """The message as Rasa should see it: printable text, a command only if a button sent it."""
    raw = text if isinstance(text, str) else ""
    printable = "".join(
        " " if ch not in "\n\t" and unicodedata.category(ch) in UNPRINTABLE else ch for ch in raw
    ).strip()
    if printable.startswith("/") and printable not in commands:
        return LEADING_SLASHES.sub("", printable)  # "/ /x" must not turn back into "/x"
    return printable


class RasaClient:
    """Rasa's REST channel (token-protected): one POST per message, the replies in the answer.

    With several Rasa servers (they share the tracker store, so any of them serves any
    conversation) messages go round robin, and a server whose connection is refused or not
    made in time is skipped for the next one: a message that never reached a server cannot
    have been handled twice. Any other failure (a timeout, an error answer) is not retried,
    since that server may have handled it.

    With ``redis_url``, one conversation's messages reach Rasa one at a time across every
    gateway process (an atomic Redis lock per sender). Rasa 3.6's own Redis lock store does not
    ensure that: it issues its tickets with a read, then a write, so two servers receiving the
    same conversation's messages in the same instant can both go ahead, and the tracker store
    then keeps only one of the two turns (tests/system/test_scale_out.py saw it).
    """

    def __init__(
        self,
        rasa_urls: str | list[str],
        token: str,
        timeout: float = RASA_TIMEOUT,
        redis_url: str | None = None,
    ) -> None:
        urls = [rasa_urls] if isinstance(rasa_urls, str) else rasa_urls
        self.urls = [f"{url}/webhooks/rest/webhook" for url in urls]
        self._next = itertools.count()
        self.timeout = timeout
        self.client = httpx.AsyncClient(
            timeout=timeout, headers={"Authorization": f"Bearer {token}"}
        )
        self.redis = aioredis.Redis.from_url(redis_url) if redis_url else None

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]:
        if self.redis is None:
            return await self._send(sender, message, metadata)
        lock = self.redis.lock(
            f"sinyal:chat-turn:{sender}",
            timeout=2 * self.timeout,  # a dead gateway's lock ends by itself
            blocking_timeout=2 * self.timeout,
        )
        try:
            await lock.acquire()
        except RedisError as exc:  # Redis down: answer anyway (one server at a time is rare)
            logger.warning("chat turn not locked (Redis unavailable): %s", type(exc).__name__)
            return await self._send(sender, message, metadata)
        try:
            return await self._send(sender, message, metadata)
        finally:
            with contextlib.suppress(RedisError):
                await lock.release()

    async def _send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]:
        body = {"sender": sender, "message": message, "metadata": metadata}
        first = next(self._next)
        order = [self.urls[(first + i) % len(self.urls)] for i in range(len(self.urls))]
        for url in order[:-1]:
            with contextlib.suppress(httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
                return await self._post(url, body)
        return await self._post(order[-1], body)

    async def _post(self, url: str, body: dict[str, Any]) -> list[dict]:
        response = await self.client.post(url, json=body)
        response.raise_for_status()
        replies = response.json()
        return replies if isinstance(replies, list) else []

    async def close(self) -> None:
        await self.client.aclose()
        if self.redis is not None:
            await self.redis.aclose()
