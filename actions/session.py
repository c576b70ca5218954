"""Session start: copy the entry link's context into slots and record the conversation."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.store import in_transaction, settings
from sinyal.chat.conversations import (
    HEALTH_CHECK_SENDER,
    EntryContext,
    record_conversation,
    with_outreach_facts,
)

logger = logging.getLogger(__name__)

CONTEXT_SLOTS = {
    "flow": "flow",
    "variant": "variant",
    "token": "outreach_token",
    "company": "company",
    "role": "role",
    "days_open": "days_open",
}


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        context = EntryContext.parse(tracker.get_slot("session_started_metadata"))
        if context.token and not context.company:
            context = await self._enrich(context)
        events: list[EventType] = [SessionStarted()]
        # Carry over slots from the previous session (domain: carry_over_slots_to_new_session).
        events += [
            SlotSet(name, value)
            for name, value in tracker.current_slot_values().items()
            if value is not None and name != "session_started_metadata"
        ]
        language = context.language or tracker.get_slot("language") or settings().default_language
        events.append(SlotSet("language", language))
        events += [
            SlotSet(slot, getattr(context, key))
            for key, slot in CONTEXT_SLOTS.items()
            if getattr(context, key) is not None
        ]
        if tracker.sender_id != HEALTH_CHECK_SENDER:
            await self._record(tracker.sender_id, context, language)
        events.append(ActionExecuted("action_listen"))
        return events

    @staticmethod
    async def _enrich(context: EntryContext) -> EntryContext:
        try:
            return await in_transaction(lambda session: with_outreach_facts(session, context))
        except SQLAlchemyError:
            logger.exception("could not look up the entry link's token (store unavailable)")
            return context

    @staticmethod
    async def _record(sender_id: str, context: EntryContext, language: str) -> None:
        try:
            await in_transaction(
                lambda session: record_conversation(session, sender_id, context, language)
            )
        except SQLAlchemyError:
            # A store outage must not end the chat: the prospect is still answered, and the
            # tracker keeps the entry context in slots for the actions that save the lead.
            logger.exception("could not record the conversation start (store unavailable)")
