"""Greeting: the outreach's context when the entry link carried it, "welcome back" mid-form."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import save_pending
from sinyal.flows.qualification import ANSWER_FIELDS


def left_mid_form(tracker: Tracker) -> bool:
    """Some answers are in, not all: a returning prospect is offered to continue."""
    answered = [tracker.get_slot(name) is not None for name in ANSWER_FIELDS]
    return any(answered) and not all(answered) and tracker.get_slot("consent") is None


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await save_pending(tracker)
        company, role = tracker.get_slot("company"), tracker.get_slot("role")
        days_open = tracker.get_slot("days_open")
        if left_mid_form(tracker):
            dispatcher.utter_message(response="utter_welcome_back")
        elif company and role and days_open and days_open >= 45:
            months = round(days_open / 30)
            dispatcher.utter_message(
                response="utter_greet_context_days", company=company, role=role, months=months
            )
        elif company and role:
            dispatcher.utter_message(response="utter_greet_context", company=company, role=role)
        else:
            dispatcher.utter_message(response="utter_greet")
        return events
