"""The prospect's answers as the tracker holds them, turned into a lead in the store.

Slots are the copy of record while the chat runs: if the store is down, an action says so,
sets ``lead_pending`` and the answers stay in the tracker; ``save_answers`` runs again at the
next action that reaches the store.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.exc import SQLAlchemyError

from actions.store import in_transaction, settings
from sinyal.contact import ContactError, check_email
from sinyal.conversations import EntryContext
from sinyal.flows import FlowDefinition, FlowError, find_flow
from sinyal.leads import Contact, LeadDraft, SavedLead, save_lead
from sinyal.qualification import ANSWER_FIELDS, QualificationRules
from sinyal.routing import HandoverConfig

logger = logging.getLogger(__name__)

CONTACT_SLOTS = ("person_name", "email", "phone", "contact_time")


@lru_cache(maxsize=32)
def _flow(flows_dir: Path, name: str, _mtime: float) -> FlowDefinition:
    return find_flow(flows_dir, name)


def flow_for(flow: str | None) -> FlowDefinition | None:
    """The chat's flow definition (re-read when a flow file changes); None when unknown."""
    if not flow:
        return None
    flows_dir = settings().flows_path
    try:
        mtime = max((p.stat().st_mtime for p in flows_dir.glob("*.yml")), default=0.0)
        return _flow(flows_dir, flow, mtime)
    except FlowError as exc:
        logger.warning("using default scoring and routing: %s", exc)
        return None


def rules_for(flow: str | None) -> QualificationRules:
    """The scoring rules of the chat's flow; the defaults for chats without a known flow."""
    definition = flow_for(flow)
    return definition.qualification if definition else QualificationRules()


def handover_for(flow: str | None) -> HandoverConfig:
    """The handover routes of the chat's flow; the defaults for chats without a known flow."""
    definition = flow_for(flow)
    return definition.handover if definition else HandoverConfig()


def language_of(tracker: Tracker) -> str:
    return tracker.get_slot("language") or settings().default_language


def draft_from(tracker: Tracker) -> LeadDraft:
    slots = tracker.current_slot_values()
    answers: dict[str, Any] = {name: slots.get(name) for name in ANSWER_FIELDS}
    answers["company"] = slots.get("company")
    flags: tuple[str, ...] = ()
    email = slots.get("email")
    if email:
        try:
            flags = ("freemail",) if check_email(email, "accept").freemail else ()
        except ContactError:
            email = None  # never store what validation would have refused
    contact = Contact(
        name=slots.get("person_name"),
        email=email,
        phone=slots.get("phone"),
        contact_time=slots.get("contact_time"),
        flags=flags,
    )
    context = EntryContext.parse(
        {
            "flow": slots.get("flow"),
            "variant": slots.get("variant"),
            "token": slots.get("outreach_token"),
            "company": slots.get("company"),
            "role": slots.get("role"),
            "days_open": slots.get("days_open"),
            "language": slots.get("language"),
        }
    )
    return LeadDraft(
        sender_id=tracker.sender_id,
        answers=answers,
        consent=slots.get("consent"),
        contact=contact,
        context=context,
        language=language_of(tracker),
    )


async def save_answers(tracker: Tracker) -> SavedLead:
    """Save the lead from the tracker's slots (raises SQLAlchemyError when the store is down)."""
    draft = draft_from(tracker)
    rules = rules_for(draft.context.flow)
    return await in_transaction(lambda session: save_lead(session, draft, rules))


async def save_or_keep(tracker: Tracker) -> list[EventType]:
    """Save the lead; when the store is down, keep the answers in the tracker for a later try."""
    try:
        await save_answers(tracker)
    except SQLAlchemyError:
        logger.exception("lead could not be saved (store unavailable); kept in the tracker")
        return [SlotSet("lead_pending", True)]
    return [SlotSet("lead_pending", False)]


async def save_pending(tracker: Tracker) -> list[EventType]:
    """Retry a save that failed earlier; nothing to do when none is pending."""
    if not tracker.get_slot("lead_pending"):
        return []
    return await save_or_keep(tracker)
