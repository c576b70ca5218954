"""What Rasa hands Sinyal's action server, standing in for Rasa when actions run in-process:
a ``Tracker`` as it arrives with a request; and a reset of the action store's cached settings
and store, so each test's environment is read afresh."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import store as action_store


def reset_action_store() -> None:
    action_store.settings.cache_clear()
    action_store.store.cache_clear()


ASKED = [
    {"event": "action", "name": "qualification_form"},
    {"event": "action", "name": "action_listen"},
]


def make_tracker(
    sender: str = "web-1",
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A tracker as the action server receives it; ``events`` default to the form's question
    and the prospect's message (``text``) after it, as when the form validates an answer."""
    return Tracker(
        sender_id=sender,
        slots=dict(slots or {}),
        latest_message={"text": text, "intent": {"name": intent}, "entities": entities or []},
        events=[*ASKED, {"event": "user", "text": text}] if events is None else events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name=None,
    )
