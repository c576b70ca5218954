"""Unclaimed leads: after the flow's claim window, to the next consultant or the team.

Run by every dispatcher every few seconds; the first to stamp ``escalated_at`` (a conditional
UPDATE, so exactly one wins) escalates the lead: it is reassigned to the next consultant of its
flow's routes who is working now (or to nobody, for the team), and that recipient is notified
through the outbox. A lead is escalated once; claiming it at any time stops the clock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sinyal.events import lead_event
from sinyal.flows.routes import HandoverConfig
from sinyal.handover.notify import outbox
from sinyal.handover.routing import choose, facts_for
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Conversation, EventType, Flow, Handover, Lead, LeadStage, utcnow

logger = logging.getLogger("sinyal.handover.escalation")


def escalate_unclaimed(store: Store, settings: Settings, now: datetime | None = None) -> int:
    """Escalate every lead past its claim window; returns how many this call escalated."""
    now = now or utcnow()
    with store.transaction() as session:
        waiting = session.execute(
            select(Handover.id, Handover.created_at, Handover.claim_within_minutes).where(
                Handover.claimed_at.is_(None),
                Handover.escalated_at.is_(None),
                Handover.claim_within_minutes.is_not(None),
            )
        ).all()
    due = [i for i, created, minutes in waiting if created + timedelta(minutes=minutes or 0) <= now]
    escalated = 0
    for handover_id in due:
        with store.transaction() as session:
            escalated += _escalate(session, handover_id, settings, now)
    return escalated


def _escalate(session: Session, handover_id: int, settings: Settings, now: datetime) -> bool:
    won = session.execute(
        update(Handover)
        .where(
            Handover.id == handover_id,
            Handover.escalated_at.is_(None),
            Handover.claimed_at.is_(None),
        )
        .values(escalated_at=now)
    )
    if not won.rowcount:  # type: ignore[attr-defined]
        return False  # another dispatcher got there first, or it was claimed meanwhile
    handover = session.get_one(Handover, handover_id)
    lead = session.get_one(Lead, handover.lead_id)
    if lead.erased_at is not None or lead.stage != LeadStage.NEW.value:
        return False
    config = _config(session, lead)
    previous = lead.consultant_id
    chosen = None
    if config.escalate_to == "next":
        language = session.scalar(
            select(Conversation.language).where(Conversation.id == lead.conversation_id)
        )
        exclude = frozenset({previous}) if previous else frozenset()
        chosen = choose(session, config, facts_for(lead, language), now, exclude)
    lead.consultant_id = chosen.id if chosen else None
    handover.consultant_id = lead.consultant_id
    session.flush()
    session.add(
        lead_event(
            EventType.ESCALATED,
            lead,
            "escalation",
            previous_consultant_id=previous,
            to="team" if chosen is None else "consultant",
        )
    )
    outbox.enqueue(session, lead, chosen, settings, kind="escalation")
    logger.info("lead %s unclaimed: escalated to %s", lead.id, chosen.name if chosen else "team")
    return True


def _config(session: Session, lead: Lead) -> HandoverConfig:
    flow = session.get(Flow, lead.flow_id) if lead.flow_id else None
    section = (flow.definition or {}).get("handover") if flow else None
    return HandoverConfig.model_validate(section or {})
