""" "Delete my data": erase what the lead store holds now, and queue the tracker-store sweep."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.qualification_form import refused_check
from actions.store import in_transaction, settings
from sinyal.privacy import erase_lead_store, request_erasure

logger = logging.getLogger(__name__)


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if refused_check(tracker):  # "no, keep it": nothing is deleted
            if tracker.active_loop_name == "qualification_form":
                return [FollowupAction("qualification_form")]
            dispatcher.utter_message(response="utter_no_problem")
            return []
        sender = tracker.sender_id  # issued by Sinyal's gateways: only the chat's owner has it

        def erase(session: Session) -> None:
            request_erasure(session, sender)
            erase_lead_store(session, sender, settings())  # never by a typed address

        try:
            await in_transaction(erase)
        except SQLAlchemyError:
            logger.exception("erasure request could not be stored")
            dispatcher.utter_message(response="utter_data_delete_failed")
            return []
        dispatcher.utter_message(response="utter_data_deleted")
        # Forget the answers held in slots too; keep only the language to reply in.
        return [AllSlotsReset(), SlotSet("language", tracker.get_slot("language"))]
