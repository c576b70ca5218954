"""A scripted rasa-webchat: the website chat's socket.io protocol, as the widget speaks it."""

from __future__ import annotations

import time
from typing import Any

import socketio


class Widget:
    """What rasa-webchat does: session_request, then user_uttered; collects bot_uttered."""

    def __init__(self, url: str, forwarded_for: str | None = None) -> None:
        self.client = socketio.Client()
        self.confirmed: list[str] = []
        self.received: list[dict[str, Any]] = []
        self.client.on("session_confirm", self.confirmed.append)
        self.client.on("bot_uttered", self.received.append)
        headers = {"Origin": url}
        if forwarded_for:  # as a reverse proxy on this machine would tell the web app
            headers["X-Forwarded-For"] = forwarded_for
        self.client.connect(url, transports=["polling"], headers=headers)

    def session(self, asked: object = None) -> str:
        self.client.emit("session_request", {"session_id": asked})
        wait_until(lambda: self.confirmed)
        return self.confirmed.pop()

    def say(self, message: str, expect: int, **custom: object) -> list[dict[str, Any]]:
        before = len(self.received)
        self.client.emit("user_uttered", {"message": message, "customData": custom})
        wait_until(lambda: len(self.received) >= before + expect)
        return self.received[before:]

    def ask(
        self, message: str, timeout: float = 60, quiet: float = 0.8, custom_data: object = None
    ) -> list:
        """Send; return every reply that came before the bot fell quiet (a real bot's turn
        may be several messages). ``custom_data`` is sent as is, hostile or not."""
        before = len(self.received)
        self.client.emit("user_uttered", {"message": message, "customData": custom_data or {}})
        wait_until(lambda: len(self.received) > before, timeout)
        seen = -1
        while seen != len(self.received):
            seen = len(self.received)
            time.sleep(quiet)
        return self.received[before:]

    def close(self) -> None:
        self.client.eio.disconnect(abort=True)  # no wait for the pending long-poll


def wait_until(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("no answer from the chat socket")
        time.sleep(0.02)
