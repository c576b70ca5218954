"""Rows several tests need: an outreach message with its flow, variant, company and trigger;
a handed-over lead."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sinyal.store.models import (
    Company,
    Consultant,
    Flow,
    Handover,
    Lead,
    MessageVariant,
    OutreachMessage,
    Trigger,
)


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


def add_lead(session: Session, consultant: Consultant | None = None, **fields: Any) -> Lead:
    """A qualified, consented lead of PT Kopi Nusantara, optionally handed to ``consultant``."""
    values: dict[str, Any] = {
        "company_name": "PT Kopi Nusantara",
        "contact_name": "Ana Putri",
        "email": "ana@kopi.example",
        "phone": "+6281234567890",
        "answers": {"hiring_roles": "Barista Lead", "positions": 3, "urgency": "asap"},
        "flags": [],
        "score": 75.0,
        "status": "qualified",
        "consent_given": True,
        **fields,
    }
    lead = Lead(consultant_id=consultant.id if consultant else None, **values)
    session.add(lead)
    session.flush()
    session.add(Handover(lead_id=lead.id, consultant_id=lead.consultant_id, reason="qualified"))
    session.flush()
    return lead
