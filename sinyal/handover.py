"""Handover: a lead given to a human consultant, once, with the consultant named to the prospect.

A lead has at most one handover: a qualified lead whose prospect then also asks for a human,
or a repeated submission, finds the existing one. The consultant comes from the flow's routes
(``sinyal.routing``); the handover and its notifications (the outbox) are one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.leads import lead_event
from sinyal.notify import outbox
from sinyal.routing import HandoverConfig, choose, facts_for
from sinyal.settings import Settings
from sinyal.store.models import Consultant, EventType, Handover, Lead, utcnow


@dataclass(frozen=True)
class HandoverResult:
    handover_id: int
    consultant_name: str | None
    created: bool


def hand_over(
    session: Session,
    lead_id: int,
    reason: str,
    language: str,
    settings: Settings,
    config: HandoverConfig | None = None,
) -> HandoverResult:
    """Give the lead to a consultant and, in the same transaction, queue their notifications
    (the outbox): if this commits, the dispatcher will deliver them; if not, neither exists."""
    config = config or HandoverConfig()
    lead = session.get_one(Lead, lead_id, with_for_update=True)
    existing = session.scalars(select(Handover).where(Handover.lead_id == lead_id)).first()
    if existing is not None:
        consultant = (
            session.get(Consultant, existing.consultant_id) if existing.consultant_id else None
        )
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
    outbox.enqueue(session, lead, consultant, settings)
    return HandoverResult(handover.id, consultant.name if consultant else None, True)
