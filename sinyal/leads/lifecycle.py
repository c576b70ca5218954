"""A lead's way through the consultant's pipeline, changed in one place.

new -> claimed -> contacted -> meeting -> proposal -> won / lost. Telegram buttons, the CLI and
the dashboard all call ``change_stage``: it refuses moves that make no sense (backwards, out of
a closed lead, lost without a reason) and records every change as an event with actor and
time, which is what speed-to-lead, win rate and cycle length are computed from.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sinyal.events import lead_event
from sinyal.store.models import Company, EventType, Handover, Lead, LeadStage, utcnow

ORDER = [
    LeadStage.NEW,
    LeadStage.CLAIMED,
    LeadStage.CONTACTED,
    LeadStage.MEETING,
    LeadStage.PROPOSAL,
    LeadStage.WON,
]
CLOSED = {LeadStage.WON, LeadStage.LOST}


class LifecycleError(ValueError):
    """A change that cannot be made; the message says why, in words for a consultant."""


@dataclass(frozen=True)
class StageChange:
    lead_id: int
    previous: LeadStage
    stage: LeadStage
    changed: bool  # False when the lead already was at that stage (a double click)


def parse_stage(value: str) -> LeadStage:
    try:
        return LeadStage(value.strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in LeadStage)
        raise LifecycleError(f"unknown status {value!r}; use one of: {allowed}") from None


def change_stage(
    session: Session,
    lead_id: int,
    stage: LeadStage | str,
    *,
    actor: str,
    consultant_id: int | None = None,
    reason: str | None = None,
    value: float | None = None,
) -> StageChange:
    """Move lead ``lead_id`` to ``stage``; forward only (steps may be skipped), lost from any
    open stage with a reason. Claiming assigns the lead to ``consultant_id`` when given."""
    target = parse_stage(stage) if isinstance(stage, str) else stage
    lead = session.get(Lead, lead_id, with_for_update=True)
    if lead is None:
        raise LifecycleError(f"no lead #{lead_id}")
    current = LeadStage(lead.stage)
    if current == target:
        return StageChange(lead.id, current, target, changed=False)
    _check_move(lead_id, current, target, reason)
    lead.stage = target.value
    if target is LeadStage.CLAIMED:
        _claim(session, lead, consultant_id)
    if target is LeadStage.LOST:
        lead.lost_reason = (reason or "").strip()[:300]
    if target is LeadStage.WON:
        _becomes_client(session, lead, value)
    session.flush()
    session.add(
        lead_event(EventType.STAGE_CHANGED, lead, actor, previous=current.value, stage=target.value)
    )
    if target is LeadStage.WON:
        session.add(lead_event(EventType.WON, lead, actor, value=value))
    if target is LeadStage.LOST:
        session.add(lead_event(EventType.LOST, lead, actor, reason=lead.lost_reason))
    return StageChange(lead.id, current, target, changed=True)


def _becomes_client(session: Session, lead: Lead, value: float | None) -> None:
    """A won lead's company is a client from now on: no more cold outreach to it (triggers and
    the suppression list skip clients), and one more example of who buys (lookalike ranking)."""
    if value is not None:
        lead.won_value = value
    company = session.get(Company, lead.company_id) if lead.company_id else None
    if company is not None:
        company.is_client = True


def record_contact_attempt(session: Session, lead_id: int, outcome: str, *, actor: str) -> None:
    """A call that did not reach the prospect ("not reachable"): no stage change, but KPIs and
    the team see that somebody tried."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise LifecycleError(f"no lead #{lead_id}")
    if LeadStage(lead.stage) in CLOSED:
        raise LifecycleError(f"lead #{lead_id} is already {lead.stage}")
    session.add(lead_event(EventType.CONTACT_ATTEMPTED, lead, actor, outcome=outcome))


def _check_move(lead_id: int, current: LeadStage, target: LeadStage, reason: str | None) -> None:
    if current in CLOSED:
        raise LifecycleError(f"lead #{lead_id} is already {current.value}")
    if target is LeadStage.LOST:
        if not (reason and reason.strip()):
            raise LifecycleError("a lost lead needs a reason (e.g. --reason 'hired directly')")
        return
    if target is LeadStage.NEW or ORDER.index(target) < ORDER.index(current):
        raise LifecycleError(
            f"lead #{lead_id} is {current.value}; it cannot go back to {target.value}"
        )


def _claim(session: Session, lead: Lead, consultant_id: int | None) -> None:
    if consultant_id is not None:
        lead.consultant_id = consultant_id
    session.execute(
        update(Handover)
        .where(Handover.lead_id == lead.id, Handover.claimed_at.is_(None))
        .values(claimed_at=utcnow(), consultant_id=lead.consultant_id)
    )


def open_leads(session: Session, consultant_id: int | None = None) -> list[Lead]:
    """Leads not yet won or lost, newest first; only ``consultant_id``'s when given."""
    query = select(Lead).where(
        Lead.stage.not_in([s.value for s in CLOSED]), Lead.erased_at.is_(None)
    )
    if consultant_id is not None:
        query = query.where(Lead.consultant_id == consultant_id)
    return list(session.scalars(query.order_by(Lead.created_at.desc(), Lead.id.desc())))
