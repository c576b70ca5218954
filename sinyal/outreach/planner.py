"""Planning a flow's outreach: one pending, tracked message per new recipient, variant assigned.

Recipients are the contacts at each open trigger's company whose title matches the flow's
persona (email and telegram channels), or the company itself (ads, and telegram when no contact
is known). The unique (flow, recipient) key makes planning idempotent and safe to run on several
machines at once: whoever inserts first wins, the other skips the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sinyal.flows import FlowDefinition
from sinyal.outreach.ab.assignment import hash_point, normalised, pick, thompson_shares
from sinyal.outreach.ab.counts import variant_counts
from sinyal.outreach.links import new_token
from sinyal.outreach.suppression import fingerprint, suppressed_because
from sinyal.store.db import insert_ignoring_conflicts
from sinyal.store.models import (
    Company,
    Contact,
    Flow,
    MessageVariant,
    OutreachMessage,
    Trigger,
    TriggerStatus,
)


class NoVariantsError(ValueError):
    pass


@dataclass
class PlanResult:
    created: int = 0
    already_planned: int = 0
    suppressed: int = 0
    no_contact: list[str] = field(default_factory=list)  # companies without a persona contact
    shares: dict[str, float] = field(default_factory=dict)


def sync_variants(session: Session, flow_row: Flow, flow: FlowDefinition) -> list[MessageVariant]:
    """The flow's variants as rows (created or updated from YAML), in the YAML's order.

    Inserted with ON CONFLICT DO NOTHING, so planners starting together both succeed. A variant
    removed from the YAML keeps its row and its history; it just gets no new traffic.
    """
    insert_ignoring_conflicts(
        session,
        MessageVariant,
        [{"flow_id": flow_row.id, "key": v.key, "body": v.body} for v in flow.variants],
        ["flow_id", "key"],
    )
    rows = {
        v.key: v
        for v in session.scalars(
            select(MessageVariant).where(MessageVariant.flow_id == flow_row.id)
        )
    }
    for row in rows.values():
        row.is_control = False
    for index, variant in enumerate(flow.variants):
        row = rows[variant.key]
        row.subject, row.body = variant.subject, variant.body
        row.call_to_action, row.weight = variant.call_to_action, variant.weight
        row.is_control = index == 0
    session.flush()
    return [rows[v.key] for v in flow.variants]


def traffic_shares(
    session: Session, flow_row: Flow, flow: FlowDefinition, variants: list[MessageVariant]
) -> list[float]:
    weights = [v.weight for v in flow.variants]
    if flow.allocation.method == "hash":
        return normalised(weights)
    counts = {c.key: c for c in variant_counts(session, flow_row.id, flow.allocation.event)}
    pairs = [(counts[v.key].exposures, counts[v.key].conversions) for v in variants]
    return thompson_shares(pairs, weights, flow.allocation.min_share, flow.allocation.burn_in)


def _recipients(
    session: Session, flow: FlowDefinition, company: Company
) -> list[tuple[str, Contact | None]]:
    """(recipient key, contact) pairs for one company under this flow's channel and persona."""
    if flow.channel == "ads":
        return [(f"c:{company.id}", None)]
    # A title word must start with the persona's word: "HR" and "Personalleiterin" match,
    # "Christian" does not.
    persona = re.compile("|".join(rf"\b{re.escape(t)}" for t in flow.persona.titles), re.I)
    contacts = [
        c
        for c in session.scalars(
            select(Contact).where(Contact.company_id == company.id).order_by(Contact.id)
        )
        if persona.search(c.title or "")
    ]
    if not contacts and flow.channel == "telegram":
        return [(f"c:{company.id}", None)]
    return [(f"e:{fingerprint(c.email)}", c) for c in contacts]


def plan(session: Session, flow_row: Flow, flow: FlowDefinition) -> PlanResult:
    """Create pending messages for every open trigger's recipients not yet planned."""
    if not flow.variants:
        raise NoVariantsError(f"flow {flow.name} has no variants; add some under `variants:`")
    variants = sync_variants(session, flow_row, flow)
    shares = traffic_shares(session, flow_row, flow, variants)
    result = PlanResult(shares={v.key: s for v, s in zip(variants, shares, strict=True)})
    planned = set(
        session.scalars(
            select(OutreachMessage.recipient_key).where(OutreachMessage.flow_id == flow_row.id)
        )
    )
    triggers = session.execute(
        select(Trigger, Company)
        .join(Company, Company.id == Trigger.company_id)
        .where(Trigger.flow_id == flow_row.id, Trigger.status == TriggerStatus.OPEN.value)
        .order_by(Trigger.score.desc(), Trigger.id)
    ).all()
    for trigger, company in triggers:
        recipients = _recipients(session, flow, company)
        if not recipients:
            result.no_contact.append(company.name)
        for key, contact in recipients:
            if key in planned:
                result.already_planned += 1
                continue
            if suppressed_because(session, contact.email if contact else None, company):
                result.suppressed += 1
                continue
            variant = variants[pick(shares, hash_point(flow.name, key))]
            if _insert(session, flow_row, flow, variant, trigger, company, contact, key):
                result.created += 1
            else:
                result.already_planned += 1
    return result


def _insert(
    session: Session,
    flow_row: Flow,
    flow: FlowDefinition,
    variant: MessageVariant,
    trigger: Trigger,
    company: Company,
    contact: Contact | None,
    key: str,
) -> bool:
    """False when another planner inserted this recipient first."""
    message = OutreachMessage(
        token=new_token(),
        flow_id=flow_row.id,
        variant_id=variant.id,
        trigger_id=trigger.id,
        company_id=company.id,
        channel=flow.channel,
        contact_id=contact.id if contact else None,
        recipient_name=contact.name if contact else None,
        recipient_address=contact.email if contact else None,
        recipient_key=key,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return False
    return True
