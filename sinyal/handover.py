"""Handover: a lead given to a human consultant, once, with the consultant named to the prospect.

A lead has at most one handover: a qualified lead whose prospect then also asks for a human,
or a repeated submission, finds the existing one. The consultant is chosen among active ones
who speak the chat's language, the least loaded first, so the bot can tell the prospect who
will call. (Flow-specific routes build on this.)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sinyal.leads import lead_event
from sinyal.notify import outbox
from sinyal.settings import Settings
from sinyal.store.models import Consultant, EventType, Handover, Lead


@dataclass(frozen=True)
class HandoverResult:
    handover_id: int
    consultant_name: str | None
    created: bool


def choose_consultant(session: Session, language: str) -> Consultant | None:
    """An active consultant speaking ``language`` (else any active one), fewest open leads."""
    open_load = (
        select(Handover.consultant_id, func.count().label("n"))
        .where(Handover.claimed_at.is_(None))
        .group_by(Handover.consultant_id)
        .subquery()
    )
    candidates = session.execute(
        select(Consultant, func.coalesce(open_load.c.n, 0))
        .outerjoin(open_load, open_load.c.consultant_id == Consultant.id)
        .where(Consultant.active.is_(True))
        .order_by(Consultant.id)
    ).all()
    if not candidates:
        return None
    speaking = [(c, n) for c, n in candidates if language in (c.languages or [])]
    pool = speaking or candidates
    return min(pool, key=lambda pair: pair[1])[0]


def hand_over(
    session: Session, lead_id: int, reason: str, language: str, settings: Settings
) -> HandoverResult:
    """Give the lead to a consultant and, in the same transaction, queue their notifications
    (the outbox): if this commits, the dispatcher will deliver them; if not, neither exists."""
    lead = session.get_one(Lead, lead_id, with_for_update=True)
    existing = session.scalars(select(Handover).where(Handover.lead_id == lead_id)).first()
    if existing is not None:
        consultant = (
            session.get(Consultant, existing.consultant_id) if existing.consultant_id else None
        )
        return HandoverResult(existing.id, consultant.name if consultant else None, False)
    consultant = choose_consultant(session, language)
    handover = Handover(
        lead_id=lead.id, consultant_id=consultant.id if consultant else None, reason=reason
    )
    session.add(handover)
    lead.consultant_id = consultant.id if consultant else None
    session.flush()
    session.add(lead_event(EventType.HANDED_OVER, lead, reason=reason))
    outbox.enqueue(session, lead, consultant, settings)
    return HandoverResult(handover.id, consultant.name if consultant else None, True)
