""" "Talk to a human": hand over at once with what is known, then ask for a way to call back."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import CONTACT_SLOTS, hand_over_answers
from actions.store import settings

logger = logging.getLogger(__name__)


class ActionRequestHuman(Action):
    """The form runs next (rules) and, with ``human_requested`` set, asks only for consent and
    contact details; when those are known already it has nothing to ask."""

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SlotSet("human_requested", True)]
        try:
            _, handover = await hand_over_answers(tracker, "human_requested")
        except SQLAlchemyError:
            logger.exception("handover could not be stored; kept in the tracker")
            dispatcher.utter_message(response="utter_store_failed")
            return [*events, SlotSet("lead_pending", True)]
        events.append(SlotSet("lead_pending", False))
        consent = tracker.get_slot("consent")
        if consent is False:
            return events  # the summary step explains that nobody can call back without contact
        if not (consent and all(tracker.get_slot(name) for name in CONTACT_SLOTS)):
            dispatcher.utter_message(response="utter_human_needs_contact")
            return events
        consultant = handover.consultant_name if handover else None
        dispatcher.utter_message(
            response="utter_human_handover" if consultant else "utter_human_handover_team",
            consultant=consultant,
            hours=settings().callback_hours,
        )
        return events
