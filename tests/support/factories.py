"""Store rows several tests (and the outreach benchmark) need, standing in for what the earlier
stages of the pipeline would have written: an outreach message with its flow, variant, company
and trigger; a handed-over lead; a flow with open triggers at companies that have HR contacts
(what outreach starts from)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sinyal.flows import FlowDefinition
from sinyal.signals.triggers import sync_flow
from sinyal.store import Store
from sinyal.store.models import (
    Company,
    Consultant,
    Contact,
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


def make_flow(**overrides: Any) -> FlowDefinition:
    """The ``hr-test`` flow: two variants for HR, talent and personnel titles; ``overrides``
    replace its top-level keys."""
    spec: dict[str, Any] = {
        "name": "hr-test",
        "persona": {"titles": ["hr", "talent", "personal"]},
        "variants": [
            {
                "key": "control",
                "subject": "{{ role }} at {{ company }}",
                "body": "Hello {{ first_name }}, {{ role }} has been open {{ days_open }} days.",
            },
            {
                "key": "short",
                "subject": "{{ days_open }} days?",
                "body": "Hi {{ first_name }}. {{ open_roles }} roles open. {{ link }}",
                "call_to_action": "Talk to us",
            },
        ],
    }
    spec.update(overrides)
    return FlowDefinition.model_validate(spec)


def seed_companies(store: Store, flow: FlowDefinition, count: int, **company: Any) -> Flow:
    """``count`` companies with an open trigger each and two contacts (one HR, one not)."""
    with store.transaction() as session:
        flow_row = sync_flow(session, flow)
        for i in range(count):
            row = Company(name=f"Firma {i} GmbH", normalized_name=f"firma {i}", **company)
            session.add(row)
            session.flush()
            evidence = {
                "postings": [
                    {"title": f"Fahrer {i} (m/w/d)", "days_open": 100 + i},
                    {"title": "Disponent (m/w/d)", "days_open": 95},
                ]
            }
            session.add(Trigger(flow_id=flow_row.id, company_id=row.id, evidence=evidence))
            session.add_all(
                [
                    Contact(
                        company_id=row.id,
                        name=f"Anna {i} Schmidt",
                        email=f"hr{i}@firma{i}.example",
                        title="Head of HR",
                        language="en",
                    ),
                    Contact(
                        company_id=row.id,
                        name=f"Carl {i}",
                        email=f"cfo{i}@firma{i}.example",
                        title="CFO",
                    ),
                ]
            )
        return flow_row
