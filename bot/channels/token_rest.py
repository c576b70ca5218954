"""Rasa's REST channel behind a bearer token, with the request checked before Rasa sees it.

Rasa's ``--auth-token`` protects its HTTP API but not the channel webhooks: anyone reaching
``/webhooks/rest/webhook`` could talk as any sender (and so resume, read or erase another
prospect's conversation). Only Sinyal's own gateways (the web app's chat socket, the Telegram
bridge) call this channel, with ``SINYAL_RASA_TOKEN``; they issue the sender ids.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

SENDER = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
MAX_MESSAGE_CHARS = 100_000  # the gateways cap far lower; this only stops absurd bodies


class TokenRestInput(RestInput):
    """``/webhooks/rest/webhook``, answering only callers that know the token."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        token = str((credentials or {}).get("token") or "")
        if len(token) < 16:
            raise ValueError("the REST channel needs a token of at least 16 characters")
        return cls(token)

    def __init__(self, token: str) -> None:
        self.token = token

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # never what the caller claims

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def check(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None  # the GET health route says nothing about anyone
            supplied = request.headers.get("authorization", "")
            if not hmac.compare_digest(supplied.encode(), f"Bearer {self.token}".encode()):
                return response.json({"error": "unauthorised"}, status=401)
            problem = request_problem(request)
            return response.json({"error": problem}, status=400) if problem else None

        return webhook


def request_problem(request: Request) -> str | None:
    """What is wrong with a webhook body, or None: Rasa itself would answer these with 500."""
    try:
        body = request.json
    except Exception:  # Sanic raises on bodies that are not JSON (or not UTF-8)
        return "the body is not JSON"
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not SENDER.match(sender):
        return "sender: 1-128 letters, digits or _.:-"
    if not isinstance(message, str) or len(message) > MAX_MESSAGE_CHARS:
        return f"message: a string of at most {MAX_MESSAGE_CHARS} characters"
    if metadata is not None and not isinstance(metadata, dict):
        return "metadata: a JSON object"
    return None
