"""Store rows several tests (and the outreach benchmark) need, standing in for what the earlier
stages of the pipeline would have written: an outreach message with its flow, variant, company
and trigger; a handed-over lead; a flow with open triggers at companies that have HR contacts
(what outreach starts from); a company with a whole account's story."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapers.items import PostingItem
from scrapers.pipeline import PostingPipeline
from sinyal.events import event, lead_event
from sinyal.flows import FlowDefinition
from sinyal.signals.triggers import sync_flow
from sinyal.store import Store
from sinyal.store.models import (
    Company,
    CompanySignal,
    Consultant,
    Contact,
    Conversation,
    EventType,
    Flow,
    Handover,
    JobPosting,
    Lead,
    LookalikeScore,
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


def seed_account(store: Store) -> dict[str, int]:
    """One company with everything an account page shows: two postings of one role (a re-post,
    one closed) and another open one, a trigger, a news signal, a sent message clicked twice,
    the chat it led to, a lead won through it, and a lookalike score; plus the won client it
    resembles. Returns the ids."""

    def at(day: int) -> datetime:
        return datetime(2026, 10, day, 9, 0, tzinfo=UTC)

    items = [
        PostingItem(source="t", source_key="t", external_id=f"nw-{n}", title=title,
                    company="Nordwind Logistik GmbH", location="Bremen", date_posted=posted)
        for n, (title, posted) in enumerate(
            [("Disponent (m/w/d)", date(2026, 4, 1)), ("Disponent (m/w/d)", date(2026, 7, 1)),
             ("Lagerist (m/w/d)", date(2026, 6, 1))]
        )
    ]  # fmt: skip
    PostingPipeline(store).ingest("t", items, at(1))
    with store.transaction() as s:
        company = s.scalars(select(Company).where(Company.name.like("Nordwind%"))).one()
        company.domain, company.city, company.country = "nordwind.example", "Bremen", "DE"
        first = s.scalars(select(JobPosting).where(JobPosting.external_id == "nw-0")).one()
        first.closed_at = at(5)
        won_client = Company(name="Hansa Spedition GmbH", normalized_name="hansa spedition",
                             is_client=True)  # fmt: skip
        s.add(won_client)
        s.flush()
        message = add_outreach(s, "acct-token", flow="nordflow", variant="short",
                               status="sent", sent_at=at(10),
                               recipient_address="jonas@nordwind.example")  # fmt: skip
        message.company_id = company.id
        trigger = Trigger(flow_id=message.flow_id, company_id=company.id, score=3.2,
                          evidence={"long_open_postings": 2}, detected_at=at(8))  # fmt: skip
        s.add(trigger)
        s.add(CompanySignal(company_id=company.id, type="expansion", polarity="positive",
                            confidence=0.9, published_at=date(2026, 10, 3), language="de",
                            url="https://paper.example/nordwind", title="Nordwind baut in Achim",
                            evidence="Nordwind baut ein Lager in Achim.", source="test",
                            story_key="nordwind-achim"))  # fmt: skip
        for day in (11, 12):
            s.add(event(EventType.CLICKED, "prospect", outreach_message_id=message.id,
                        flow_id=message.flow_id, occurred_at=at(day)))  # fmt: skip
        chat = Conversation(sender_id="acct-chat", channel="website", language="de",
                            outreach_message_id=message.id, started_at=at(12),
                            last_active_at=at(12), outcome="qualified")  # fmt: skip
        s.add(chat)
        s.flush()
        lead = add_lead(s, company_id=company.id, conversation_id=chat.id, stage="won",
                        email="jonas@nordwind.example", contact_name="Jonas Berg")  # fmt: skip
        for kind, day, payload in [(EventType.LEAD_CREATED, 12, {}),
                                   (EventType.STAGE_CHANGED, 14, {"stage": "contacted"}),
                                   (EventType.WON, 20, {"value": 9000})]:  # fmt: skip
            row = lead_event(kind, lead, "web:anna", **payload)
            row.occurred_at = at(day)
            s.add(row)
        s.add(LookalikeScore(company_id=company.id, score=0.81, nearest_won_id=won_client.id,
                             reasons=["similar roles: disponent", "same country: DE"]))  # fmt: skip
        return {"company": company.id, "lead": lead.id, "message": message.id,
                "won_client": won_client.id}  # fmt: skip
