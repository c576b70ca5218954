"""Who a chat belongs to: sender ids that nobody can guess or choose.

A Rasa sender id is the key to a conversation: whoever can send as it can resume it, read its
answers back and ask to erase it. So ids are issued by Sinyal, never taken from a client:

* website: the chat socket issues ``w.<random>.<signature>``; a reconnecting widget may present
  it again (session persistence), and only ids carrying a valid signature are accepted;
* Telegram: ``tg-<HMAC(chat id)>``, so knowing somebody's chat id does not give their sender.

Both are keyed by ``SINYAL_SECRET_KEY`` (``sinyal run`` generates one when it is unset).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

WEB_SESSION = re.compile(r"^w\.([A-Za-z0-9_-]{22,64})\.([0-9a-f]{32})$")


def _sign(secret: str, purpose: str, value: str) -> str:
    message = f"{purpose}:{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def new_web_session(secret: str) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"w.{nonce}.{_sign(secret, 'web', nonce)}"


def is_web_session(secret: str, session_id: object) -> bool:
    """True only for an id this installation issued (constant-time signature check)."""
    if not isinstance(session_id, str):
        return False
    match = WEB_SESSION.match(session_id)
    if match is None:
        return False
    return hmac.compare_digest(match.group(2), _sign(secret, "web", match.group(1)))


def telegram_sender(secret: str, chat_id: int) -> str:
    return f"tg-{_sign(secret, 'telegram', str(chat_id))}"


ORIGIN = re.compile(r"^o-[0-9a-f]{16}$")


def origin_of(secret: str, address: str) -> str:
    """Where messages come from (a client address, a Telegram user), keyed and shortened:
    enough to count a flood from one place, never the address itself."""
    return f"o-{_sign(secret, 'origin', address)[:16]}"
