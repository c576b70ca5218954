"""Form questions whose wording depends on context or settings (the rest are plain responses)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.store import settings


class ActionAskHiringRoles(Action):
    """Name the role from the outreach when there was one, so "yes" is a full answer."""

    def name(self) -> str:
        return "action_ask_hiring_roles"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        role = tracker.get_slot("role")
        if role:
            dispatcher.utter_message(response="utter_ask_hiring_roles_context", role=role)
        else:
            dispatcher.utter_message(response="utter_ask_hiring_roles")
        return []


class ActionAskPersonName(Action):
    """Name and a way to reach them in one question; only the name when they gave a number."""

    def name(self) -> str:
        return "action_ask_person_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        known = tracker.get_slot("email") or tracker.get_slot("phone")
        dispatcher.utter_message(
            response="utter_ask_person_name_only" if known else "utter_ask_person_name"
        )
        return []


class ActionAskFeeModel(Action):
    """Quote the consultancy's own fee figures (settings), not numbers baked into the bot."""

    def name(self) -> str:
        return "action_ask_fee_model"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        config = settings()
        dispatcher.utter_message(
            response="utter_fee_model_question",
            success_fee=f"{config.success_fee_percent:g}",
            retainer_fee=f"{config.retainer_fee_percent:g}",
        )
        return []
