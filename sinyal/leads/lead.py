"""Leads: what a qualification chat produced, saved idempotently and attributed to its outreach.

One conversation is one lead, so a resumed chat or a repeated "yes, that's right" updates the
row instead of adding one. A chat never takes over another chat's lead: anyone can type
anybody's email, so the same email at the same company from a different conversation makes a
new lead flagged ``possible_duplicate`` and linked (``duplicate_of:<id>``) for the consultant.
Personal data is written only with consent; without it the lead keeps
the business answers and nothing that identifies a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapers.normalize import normalize_company
from sinyal.chat.conversations import EntryContext, record_conversation
from sinyal.contact_details import ContactError, check_email
from sinyal.events import conversation_event, lead_event
from sinyal.flows.qualification import ANSWER_FIELDS, QualificationRules
from sinyal.leads.qualification import Assessment, assess
from sinyal.store.db import insert_ignoring_conflicts
from sinyal.store.models import (
    Company,
    Conversation,
    EventType,
    Flow,
    Lead,
    LeadStatus,
    MessageVariant,
    OutreachMessage,
    utcnow,
)

DUPLICATE_FLAG = "possible_duplicate"


@dataclass(frozen=True)
class ProspectContact:
    """How to reach the prospect, as they gave it in the chat (not the outreach ``Contact``
    rows a flow writes to, nor ``sinyal.contact_details``, which checks what people type)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    contact_time: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeadDraft:
    """Everything the chat knows, as the action server read it from the tracker."""

    sender_id: str
    answers: dict[str, Any]
    consent: bool | None = None
    contact: ProspectContact = field(default_factory=ProspectContact)
    context: EntryContext = field(default_factory=EntryContext)
    language: str = "en"

    @classmethod
    def from_slots(cls, sender_id: str, slots: dict[str, Any], default_language: str) -> LeadDraft:
        """The draft a tracker's slots make: read by the action server during the chat, and by
        the pending-lead sweeper (sinyal.handover.pending_leads) from Rasa's HTTP API after it."""
        answers: dict[str, Any] = {name: slots.get(name) for name in ANSWER_FIELDS}
        answers["company"] = slots.get("company")
        flags: tuple[str, ...] = ()
        email = slots.get("email")
        if email:
            try:
                flags = ("freemail",) if check_email(email, "accept").freemail else ()
            except ContactError:
                email = None  # never store what validation would have refused
        contact = ProspectContact(
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
        return cls(
            sender_id=sender_id,
            answers=answers,
            consent=slots.get("consent"),
            contact=contact,
            context=context,
            language=slots.get("language") or default_language,
        )


@dataclass(frozen=True)
class SavedLead:
    lead_id: int
    assessment: Assessment
    created: bool
    newly_qualified: bool
    conversation_id: int


def company_id_for(session: Session, name: str | None) -> int | None:
    """The company row for a prospect's company name, created on first mention."""
    if not name or not name.strip():
        return None
    key = normalize_company(name)
    if not key:
        return None
    row = {"name": name.strip()[:300], "normalized_name": key}
    insert_ignoring_conflicts(session, Company, [row], ["normalized_name"])
    return session.scalars(select(Company.id).where(Company.normalized_name == key)).one()


def _conversation(session: Session, draft: LeadDraft) -> Conversation:
    return record_conversation(session, draft.sender_id, draft.context, draft.language)


def _attribute(session: Session, lead: Lead, conversation: Conversation, draft: LeadDraft) -> None:
    """Flow, variant and trigger from the outreach message the link carried, else by name."""
    outreach = (
        session.get(OutreachMessage, conversation.outreach_message_id)
        if conversation.outreach_message_id
        else None
    )
    if outreach is not None:
        lead.outreach_message_id = outreach.id
        lead.flow_id, lead.variant_id = outreach.flow_id, outreach.variant_id
        lead.trigger_id = outreach.trigger_id
        lead.company_id = lead.company_id or outreach.company_id
        return
    if draft.context.flow and lead.flow_id is None:
        flow = session.scalars(select(Flow).where(Flow.name == draft.context.flow)).one_or_none()
        if flow is not None:
            lead.flow_id = flow.id
            if draft.context.variant:
                lead.variant_id = session.scalars(
                    select(MessageVariant.id).where(
                        MessageVariant.flow_id == flow.id,
                        MessageVariant.key == draft.context.variant,
                    )
                ).one_or_none()


def _find_lead(session: Session, conversation: Conversation) -> Lead | None:
    return session.scalars(
        select(Lead).where(Lead.conversation_id == conversation.id).with_for_update()
    ).one_or_none()


def _duplicate_flags(
    session: Session, lead: Lead, email: str | None, company_id: int | None
) -> list[str]:
    """Flags linking this lead to an older one of another chat with the same email and company."""
    if not email or company_id is None:
        return []
    other = session.scalars(
        select(Lead.id)
        .where(Lead.email == email, Lead.company_id == company_id, Lead.id != lead.id)
        .order_by(Lead.id)
        .limit(1)
    ).first()
    return [] if other is None else [DUPLICATE_FLAG, f"duplicate_of:{other}"]


def _write_contact(lead: Lead, draft: LeadDraft) -> None:
    if draft.consent:
        contact = draft.contact
        lead.contact_name = contact.name or lead.contact_name
        lead.email = contact.email or lead.email
        lead.phone = contact.phone or lead.phone
        lead.preferred_contact_time = contact.contact_time or lead.preferred_contact_time
        lead.flags = sorted(set(lead.flags or []) | set(contact.flags))
        if not lead.consent_given:
            lead.consent_given, lead.consent_at = True, utcnow()
    else:  # no consent (or withdrawn): nothing that identifies a person stays
        lead.contact_name = lead.email = lead.phone = lead.preferred_contact_time = None
        lead.consent_given, lead.consent_at = False, None


def save_lead(session: Session, draft: LeadDraft, rules: QualificationRules) -> SavedLead:
    """Create or update the lead for this chat; emit ``lead_created`` / ``qualified`` once."""
    conversation = _conversation(session, draft)
    company_name = draft.answers.get("company") or draft.context.company
    company_id = company_id_for(session, company_name)
    email = draft.contact.email if draft.consent else None
    lead = _find_lead(session, conversation)
    created = lead is None
    if lead is None:
        lead = Lead(conversation_id=conversation.id, answers={}, flags=[])
        session.add(lead)
    was_qualified = lead.status == LeadStatus.QUALIFIED.value and not created
    answers = {k: v for k, v in draft.answers.items() if k in ANSWER_FIELDS and v is not None}
    lead.answers = {**(lead.answers or {}), **answers}
    lead.company_name = company_name or lead.company_name
    lead.company_id = company_id or lead.company_id
    _attribute(session, lead, conversation, draft)
    _write_contact(lead, draft)
    session.flush()
    duplicate = _duplicate_flags(session, lead, email, lead.company_id)
    if duplicate:
        lead.flags = sorted(set(lead.flags or []) | set(duplicate))
    assessment = assess(lead.answers, rules)
    lead.score, lead.status = float(assessment.score), assessment.status.value
    conversation.outcome = assessment.status.value
    session.flush()
    newly_qualified = assessment.status is LeadStatus.QUALIFIED and not was_qualified
    if created:
        session.add(lead_event(EventType.LEAD_CREATED, lead))
    if newly_qualified:
        session.add(lead_event(EventType.QUALIFIED, lead, score=assessment.score))
    return SavedLead(lead.id, assessment, created, newly_qualified, conversation.id)


def record_decline(session: Session, draft: LeadDraft, reason: str | None) -> None:
    """The prospect is not interested: keep the outcome and (as personal data) their words."""
    conversation = _conversation(session, draft)
    conversation.outcome = "declined"
    conversation.decline_reason = reason[:300] if reason else None
    session.add(conversation_event(EventType.DECLINED, conversation, "prospect"))
