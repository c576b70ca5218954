"""A custom action ``sinyal doctor`` asks Rasa to execute: proves Rasa reaches this server."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher


class ActionHealthCheck(Action):
    def name(self) -> str:
        return "action_health_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text="health check ok")
        return []
