"""Rows several tests need: an outreach message with its flow, variant, company and trigger."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sinyal.store.models import Company, Flow, MessageVariant, OutreachMessage, Trigger


def add_outreach(
    session: Session,
    token: str,
    *,
    flow: str = "f",
    variant: str = "B",
    company: str | None = None,
    postings: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> OutreachMessage:
    """The outreach message behind ``token``; with ``company``, also the trigger that chose it."""
    flow_row = Flow(name=flow, definition={}, definition_hash="h")
    session.add(flow_row)
    session.flush()
    variant_row = MessageVariant(flow_id=flow_row.id, key=variant, body="...")
    session.add(variant_row)
    session.flush()
    company_id = trigger_id = None
    if company is not None:
        company_row = Company(name=company, normalized_name=f"{company.lower()} {token}")
        session.add(company_row)
        session.flush()
        trigger = Trigger(
            flow_id=flow_row.id, company_id=company_row.id, evidence={"postings": postings or []}
        )
        session.add(trigger)
        session.flush()
        company_id, trigger_id = company_row.id, trigger.id
    outreach = OutreachMessage(
        token=token,
        flow_id=flow_row.id,
        variant_id=variant_row.id,
        company_id=company_id,
        trigger_id=trigger_id,
        channel=fields.pop("channel", "email"),
        **fields,
    )
    session.add(outreach)
    session.flush()
    return outreach
