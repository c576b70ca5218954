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
from sinyal.store.ratelimit import count_hit


@dataclass(frozen=True)
class HandoverResult:
    handover_id: int
    consultant_name: str | None
    created: bool


#: Requests for a person without contact details: one notification per origin per window.
CONTACTLESS_WINDOW = 600
QUIET_FLAG = "not_notified_repeat_request"


def _contactless(lead: Lead) -> bool:
    return not (lead.consent_given and (lead.email or lead.phone))


def _first_from(session: Session, origin: str) -> bool:
    return count_hit(session, f"contactless:{origin}", CONTACTLESS_WINDOW) <= 1


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
    dashboard.
    """
    config = config or HandoverConfig()
    lead = session.get_one(Lead, lead_id, with_for_update=True)
    existing = session.scalars(select(Handover).where(Handover.lead_id == lead_id)).first()
    if existing is not None:
        consultant = (
            session.get(Consultant, existing.consultant_id) if existing.consultant_id else None
        )
        if QUIET_FLAG in (lead.flags or []) and not _contactless(lead):
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
    if _contactless(lead) and not _first_from(session, origin or f"lead:{lead.id}"):
        lead.flags = sorted({*(lead.flags or []), QUIET_FLAG})
    else:
        outbox.enqueue(session, lead, consultant, settings)
    return HandoverResult(handover.id, consultant.name if consultant else None, True)
