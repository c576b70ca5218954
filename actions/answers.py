"""The prospect's answers as the tracker holds them, turned into a lead in the store.

Slots are the copy of record while the chat runs: if the store is down, an action says so,
sets ``lead_pending`` and the answers stay in the tracker. The save is then finished by the
next action that reaches the store (``save_pending``), or, if the prospect has left, by the
pending-lead sweeper in ``sinyal dispatch`` (sinyal/handover/pending_leads.py), which does the same.
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.exc import SQLAlchemyError

from actions.store import in_transaction, settings
from sinyal.chat.senders import ORIGIN
from sinyal.flows import FlowDefinition, current_flow, rules_of
from sinyal.flows.qualification import QualificationRules
from sinyal.handover.hand_over import HandoverResult, finish_failed_save, save_and_hand_over
from sinyal.leads.lead import LeadDraft, SavedLead, save_lead

logger = logging.getLogger(__name__)

CONTACT_SLOTS = ("person_name", "email", "phone", "contact_time")


def flow_for(flow: str | None) -> FlowDefinition | None:
    """The chat's flow definition (re-read when a flow file changes); None when unknown."""
    return current_flow(settings().flows_path, flow)


def rules_for(flow: str | None) -> QualificationRules:
    """The scoring rules of the chat's flow; the defaults for chats without a known flow."""
    return rules_of(flow_for(flow))


def language_of(tracker: Tracker) -> str:
    return tracker.get_slot("language") or settings().default_language


def draft_from(tracker: Tracker) -> LeadDraft:
    return LeadDraft.from_slots(
        tracker.sender_id, tracker.current_slot_values(), settings().default_language
    )


def origin_of_message(tracker: Tracker) -> str | None:
    """Where the latest message came from, as the gateway keyed it (sinyal/chat/senders.py)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    origin = metadata.get("origin") if isinstance(metadata, dict) else None
    return origin if isinstance(origin, str) and ORIGIN.match(origin) else None


async def save_answers(tracker: Tracker) -> SavedLead:
    """Save the lead from the tracker's slots (raises SQLAlchemyError when the store is down)."""
    draft = draft_from(tracker)
    rules = rules_for(draft.context.flow)
    return await in_transaction(lambda session: save_lead(session, draft, rules))


async def hand_over_answers(
    tracker: Tracker, reason: str | None
) -> tuple[SavedLead, HandoverResult | None]:
    """One transaction: the lead, and its handover when ``reason`` is given or it qualified."""
    draft = draft_from(tracker)
    flow, origin, config = flow_for(draft.context.flow), origin_of_message(tracker), settings()
    return await in_transaction(
        lambda session: save_and_hand_over(session, draft, reason, config, flow, origin)
    )


async def save_or_keep(tracker: Tracker) -> list[EventType]:
    """Save the lead; when the store is down, keep the answers in the tracker for a later try."""
    try:
        await save_answers(tracker)
    except SQLAlchemyError:
        logger.exception("lead could not be saved (store unavailable); kept in the tracker")
        return [SlotSet("lead_pending", True)]
    return [SlotSet("lead_pending", False)]


async def save_pending(tracker: Tracker) -> list[EventType]:
    """Finish a save that failed earlier, handover included; nothing to do when none is
    pending, and the answers stay pending while the store is still down."""
    if not tracker.get_slot("lead_pending"):
        return []
    draft = draft_from(tracker)
    human = bool(tracker.get_slot("human_requested"))
    flow, origin, config = flow_for(draft.context.flow), origin_of_message(tracker), settings()
    try:
        await in_transaction(
            lambda session: finish_failed_save(session, draft, human, config, flow, origin)
        )
    except SQLAlchemyError:
        logger.exception("pending lead still cannot be saved (store unavailable)")
        return []
    return [SlotSet("lead_pending", False)]
