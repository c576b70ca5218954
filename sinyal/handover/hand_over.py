"""Handover: a lead given to a human consultant, once, with the consultant named to the prospect.

A lead has at most one handover: a qualified lead whose prospect then also asks for a human,
or a repeated submission, finds the existing one. The consultant comes from the flow's routes
(``sinyal.handover.routing``); the handover and its notifications (the outbox) are one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.events import lead_event
from sinyal.flows import FlowDefinition, rules_of
from sinyal.flows.routes import HandoverConfig
from sinyal.handover.notify import outbox
from sinyal.handover.routing import choose, facts_for
from sinyal.leads.lead import LeadDraft, SavedLead, save_lead
from sinyal.settings import Settings
from sinyal.store.models import Consultant, EventType, Handover, Lead, LeadStatus, utcnow
from sinyal.store.ratelimit import claim, count_hit


@dataclass(frozen=True)
class HandoverResult:
    handover_id: int
    consultant_name: str | None
    created: bool


#: Requests for a person without contact details: one notification per origin in this many
#: seconds, counted from the last one.
CONTACTLESS_WINDOW = 600
#: Handover notifications per origin and hour, whatever the chats say (an office shares one).
PER_ORIGIN_HOUR = 10
QUIET_FLAG = "not_notified_repeat_request"


def _contactless(lead: Lead) -> bool:
    return not (lead.consent_given and (lead.email or lead.phone))


def _notify_now(session: Session, lead: Lead, origin: str | None) -> bool:
    """Contactless: one per ``CONTACTLESS_WINDOW`` and origin. Any: at most ``PER_ORIGIN_HOUR``
    an hour per origin (typing a made-up email must not reopen the flood)."""
    place = origin or f"lead:{lead.id}"
    if _contactless(lead) and not claim(session, f"contactless:{place}", CONTACTLESS_WINDOW):
        return False
    return _within(session, origin)


def _within(session: Session, origin: str | None) -> bool:
    return origin is None or count_hit(session, f"handover:{origin}", 3600) <= PER_ORIGIN_HOUR


def hand_over(
    session: Session,
    lead_id: int,
    reason: str,
    language: str,
    settings: Settings,
    config: HandoverConfig | None = None,
    origin: str | None = None,
) -> HandoverResult:
    """Give the lead to a consultant and, in the same transaction, queue their notifications
    (the outbox): if this commits, the dispatcher will deliver them; if not, neither exists.

    A request for a person from somebody who left no contact details notifies at most once per
    ``CONTACTLESS_WINDOW`` per ``origin`` (where the messages came from): fifty strangers'
    "talk to a human" from one place is one notification, not fifty; the leads all stay on the
    dashboard. Every origin gets at most ``PER_ORIGIN_HOUR`` notifications an hour.
    """
    config = config or HandoverConfig()
    lead = session.get_one(Lead, lead_id, with_for_update=True)
    existing = session.scalars(select(Handover).where(Handover.lead_id == lead_id)).first()
    if existing is not None:
        consultant = (
            session.get(Consultant, existing.consultant_id) if existing.consultant_id else None
        )
        if QUIET_FLAG in (lead.flags or []) and not _contactless(lead) and _within(session, origin):
            lead.flags = [flag for flag in lead.flags if flag != QUIET_FLAG]
            outbox.enqueue(session, lead, consultant, settings)  # now somebody can call back
        return HandoverResult(existing.id, consultant.name if consultant else None, False)
    consultant = choose(session, config, facts_for(lead, language), utcnow())
    handover = Handover(
        lead_id=lead.id,
        consultant_id=consultant.id if consultant else None,
        reason=reason,
        claim_within_minutes=config.claim_within_minutes,
    )
    session.add(handover)
    lead.consultant_id = consultant.id if consultant else None
    session.flush()
    session.add(lead_event(EventType.HANDED_OVER, lead, reason=reason))
    if _notify_now(session, lead, origin):
        outbox.enqueue(session, lead, consultant, settings)
    else:
        lead.flags = sorted({*(lead.flags or []), QUIET_FLAG})
    return HandoverResult(handover.id, consultant.name if consultant else None, True)


def save_and_hand_over(
    session: Session,
    draft: LeadDraft,
    reason: str | None,
    settings: Settings,
    flow: FlowDefinition | None,
    origin: str | None = None,
) -> tuple[SavedLead, HandoverResult | None]:
    """The lead, and its handover when ``reason`` is given or it qualified: one transaction."""
    saved = save_lead(session, draft, rules_of(flow))
    why = reason or ("qualified" if saved.assessment.status is LeadStatus.QUALIFIED else None)
    if not why:
        return saved, None
    routes = flow.handover if flow else None
    return saved, hand_over(session, saved.lead_id, why, draft.language, settings, routes, origin)


def finish_failed_save(
    session: Session,
    draft: LeadDraft,
    human_requested: bool,
    settings: Settings,
    flow: FlowDefinition | None,
    origin: str | None = None,
) -> SavedLead:
    """Do what the chat's action would have done had the store answered: a request for a
    person is handed over; without consent the lead is only saved; otherwise it is saved and,
    if it qualified, handed over. Safe to repeat (one lead per chat, one handover per lead)."""
    if human_requested:
        return save_and_hand_over(session, draft, "human_requested", settings, flow, origin)[0]
    if draft.consent is False:
        return save_lead(session, draft, rules_of(flow))
    return save_and_hand_over(session, draft, None, settings, flow, origin)[0]
