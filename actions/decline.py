""" "Not interested": record the outcome and the prospect's reason, then end politely."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import draft_from
from actions.store import in_transaction
from sinyal.leads.lead import record_decline

logger = logging.getLogger(__name__)

#: "We're not interested, we filled it internally last week" gives its reason: not asked again.
MIN_REASON_WORDS = 5
MAX_REASON = 300


def stated_reason(tracker: Tracker) -> str | None:
    """The prospect's own words from the latest "not interested" message that also said why."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        text = " ".join(str(event.get("text") or "").split())
        if intent == "not_interested" and len(text.split()) >= MIN_REASON_WORDS:
            return text[:MAX_REASON]  # "yes, not interested" to the check says less than this
    return None


class ValidateDeclineForm(FormValidationAction):
    """Asks why only when the prospect has not said it already."""

    def name(self) -> str:
        return "validate_decline_form"

    async def extract_decline_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") == "decline_reason":
            return {}  # asked: the answer comes through the slot mapping
        reason = stated_reason(tracker)
        return {"decline_reason": reason} if reason else {}

    def validate_decline_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = " ".join(str(value or "").split())[:MAX_REASON]
        return {"decline_reason": reason or None}


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
