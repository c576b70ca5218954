""" "Not interested": record the outcome and the prospect's reason, then end politely."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import draft_from
from actions.store import in_transaction
from sinyal.leads import record_decline

logger = logging.getLogger(__name__)


class ActionRecordDecline(Action):
    def name(self) -> str:
        return "action_record_decline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        draft = draft_from(tracker)
        reason = tracker.get_slot("decline_reason")
        try:
            await in_transaction(lambda session: record_decline(session, draft, reason))
        except SQLAlchemyError:
            # Nothing to keep for later: the prospect is leaving, and says so in the tracker.
            logger.exception("decline could not be recorded (store unavailable)")
        dispatcher.utter_message(response="utter_declined_goodbye")
        return []
