"""Exposures and conversions per variant of a flow, counted from the store.

An exposure is an outreach message that went out (sent or exported). A conversion is an
outreach message with at least one event of the chosen type, so a prospect who clicks three
times counts once, and a qualified lead counts for the message whose link opened its chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from sinyal.store.models import (
    AD_LINK_CHANNEL,
    KpiEvent,
    MessageVariant,
    OutreachMessage,
    OutreachStatus,
)


@dataclass(frozen=True)
class VariantCount:
    key: str
    variant_id: int
    weight: float
    exposures: int
    conversions: int


def variant_counts(session: Session, flow_id: int, event: str) -> list[VariantCount]:
    """Counts per variant of ``flow_id``, control (the first variant) first."""
    variants = session.scalars(
        select(MessageVariant)
        .where(MessageVariant.flow_id == flow_id)
        .order_by(MessageVariant.is_control.desc(), MessageVariant.id)
    ).all()
    exposures = dict(
        session.execute(
            select(OutreachMessage.variant_id, func.count())
            .where(
                OutreachMessage.flow_id == flow_id,
                OutreachMessage.status == OutreachStatus.SENT.value,
                OutreachMessage.channel != AD_LINK_CHANNEL,
            )
            .group_by(OutreachMessage.variant_id)
        ).all()
    )
    conversions = dict(
        session.execute(
            select(OutreachMessage.variant_id, func.count(distinct(KpiEvent.outreach_message_id)))
            .join(KpiEvent, KpiEvent.outreach_message_id == OutreachMessage.id)
            .where(
                OutreachMessage.flow_id == flow_id,
                OutreachMessage.status == OutreachStatus.SENT.value,
                KpiEvent.type == event,
            )
            .group_by(OutreachMessage.variant_id)
        ).all()
    )
    return [
        VariantCount(
            v.key, v.id, v.weight, int(exposures.get(v.id, 0)), int(conversions.get(v.id, 0))
        )
        for v in variants
    ]
