"""Greeting that opens with the outreach's context when the entry link carried it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        company, role = tracker.get_slot("company"), tracker.get_slot("role")
        if company and role:
            dispatcher.utter_message(response="utter_greet_context", company=company, role=role)
        else:
            dispatcher.utter_message(response="utter_greet")
        return []
