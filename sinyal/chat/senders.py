"""Who a chat belongs to: sender ids that nobody can guess or choose.

A Rasa sender id is the key to a conversation: whoever can send as it can resume it, read its
answers back and ask to erase it. So ids are issued by Sinyal, never taken from a client:

* website: the chat socket issues ``w.<random>.<issued at>.<signature>``; a reconnecting widget
  may present it again (session persistence), and only ids carrying a valid signature and not
  older than ``WEB_SESSION_DAYS`` are accepted (a leaked id does not open a chat for ever);
* Telegram: ``tg-<HMAC(chat id)>``, so knowing somebody's chat id does not give their sender.

Both are keyed by ``SINYAL_SECRET_KEY`` (``sinyal run`` generates one when it is unset).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

WEB_SESSION = re.compile(r"^w\.([A-Za-z0-9_-]{22,64})\.([0-9a-f]{1,12})\.([0-9a-f]{32})$")
WEB_SESSION_DAYS = 30


def _sign(secret: str, purpose: str, value: str) -> str:
    message = f"{purpose}:{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def new_web_session(secret: str, now: float | None = None) -> str:
    nonce = secrets.token_urlsafe(18)
    issued = format(int(time.time() if now is None else now), "x")
    return f"w.{nonce}.{issued}.{_sign(secret, 'web', f'{nonce}.{issued}')}"


def is_web_session(secret: str, session_id: object, now: float | None = None) -> bool:
    """True only for an id this installation issued, recently (constant-time signature check)."""
    if not isinstance(session_id, str):
        return False
    match = WEB_SESSION.match(session_id)
    if match is None:
        return False
    nonce, issued, signature = match.groups()
    if not hmac.compare_digest(signature, _sign(secret, "web", f"{nonce}.{issued}")):
        return False
    age = (time.time() if now is None else now) - int(issued, 16)
    return 0 <= age <= WEB_SESSION_DAYS * 86400


def telegram_sender(secret: str, chat_id: int) -> str:
    return f"tg-{_sign(secret, 'telegram', str(chat_id))}"


ORIGIN = re.compile(r"^o-[0-9a-f]{16}$")


def origin_of(secret: str, address: str) -> str:
    """Where messages come from (a client address, a Telegram user), keyed and shortened:
    enough to count a flood from one place, never the address itself."""
    return f"o-{_sign(secret, 'origin', address)[:16]}"
