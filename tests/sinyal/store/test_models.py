from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sinyal.store import Store
from sinyal.store.models import (
    AppendOnlyError,
    Company,
    Conversation,
    EventType,
    Flow,
    JobPosting,
    KpiEvent,
    Lead,
    MessageVariant,
    OutreachMessage,
    Trigger,
    pii_columns,
)


def make_company(name: str = "Acme GmbH") -> Company:
    return Company(name=name, normalized_name=name.lower())


def make_flow(name: str = "long-open-de") -> Flow:
    return Flow(name=name, definition={"trigger": {"min_open_days": 90}}, definition_hash="x" * 64)


def test_a_whole_funnel_round_trips(store: Store) -> None:
    with store.transaction() as s:
        company = make_company()
        flow = make_flow()
        s.add_all([company, flow])
        s.flush()
        posting = JobPosting(
            company_id=company.id,
            source="greenhouse",
            external_id="4012",
            title="Senior Java Developer (m/w/d)",
            normalized_title="java developer",
            gender_marker="m/w/d",
            repost_key="k" * 64,
            date_posted=date(2026, 6, 1),
            original_start=date(2026, 6, 1),
        )
        variant = MessageVariant(flow_id=flow.id, key="A", body="Hi {{company}}", is_control=True)
        s.add_all([posting, variant])
        s.flush()
        trigger = Trigger(
            flow_id=flow.id, company_id=company.id, score=2.5, evidence={"postings": [posting.id]}
        )
        s.add(trigger)
        s.flush()
        outreach = OutreachMessage(
            token="t0k3n",
            flow_id=flow.id,
            variant_id=variant.id,
            trigger_id=trigger.id,
            company_id=company.id,
            channel="email",
            recipient_address="hr@acme.example",
        )
        s.add(outreach)
        s.flush()
        conversation = Conversation(
            sender_id="web-1", channel="socketio", outreach_message_id=outreach.id
        )
        s.add(conversation)
        s.flush()
        s.add(
            Lead(
                conversation_id=conversation.id,
                company_id=company.id,
                flow_id=flow.id,
                variant_id=variant.id,
                outreach_message_id=outreach.id,
                email="jane@acme.example",
                answers={"roles": [{"title": "Java Developer", "count": 2}]},
                score=7,
                status="qualified",
                consent_given=True,
                consent_at=datetime.now(UTC),
            )
        )
        s.add(KpiEvent(type=EventType.QUALIFIED.value, flow_id=flow.id, variant_id=variant.id))
    with store.transaction() as s:
        lead = s.scalars(select(Lead)).one()
        assert lead.answers == {"roles": [{"title": "Java Developer", "count": 2}]}
        assert lead.stage == "new"
        assert lead.created_at.tzinfo is not None
        assert s.scalar(select(func.count()).select_from(KpiEvent)) == 1
        assert s.scalars(select(JobPosting)).one().date_posted == date(2026, 6, 1)


def test_datetimes_come_back_in_utc(store: Store) -> None:
    jakarta = timezone(timedelta(hours=7))
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=jakarta)
    with store.transaction() as s:
        s.add(Conversation(sender_id="x", channel="rest", started_at=moment))
    with store.transaction() as s:
        started = s.scalars(select(Conversation.started_at)).one()
    assert started == moment and started.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"), store.transaction() as s:
        s.add(Conversation(sender_id="x", channel="rest", started_at=datetime(2026, 1, 1)))


def test_same_posting_twice_violates_uniqueness(store: Store) -> None:
    with store.transaction() as s:
        company = make_company()
        s.add(company)
        s.flush()
        company_id = company.id

    def posting() -> JobPosting:
        return JobPosting(
            company_id=company_id,
            source="lever",
            external_id="abc",
            title="t",
            normalized_title="t",
            repost_key="k",
            original_start=date(2026, 1, 1),
        )

    with store.transaction() as s:
        s.add(posting())
    with pytest.raises(IntegrityError), store.transaction() as s:
        s.add(posting())


def test_one_lead_per_conversation(store: Store) -> None:
    """Same email and company may repeat (another chat's flagged duplicate, sinyal/leads/lead.py);
    one conversation still has one lead."""
    with store.transaction() as s:
        conversation = Conversation(sender_id="web-1", channel="rest")
        s.add(conversation)
        s.flush()
        s.add(Lead(conversation_id=conversation.id, email="a@b.example"))
    with pytest.raises(IntegrityError), store.transaction() as s:
        s.add(Lead(conversation_id=conversation.id, email="a@b.example"))


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError), store.transaction() as s:
        s.add(Trigger(flow_id=999, company_id=999))


def test_invalid_lead_status_is_refused() -> None:
    with pytest.raises(ValueError, match=r"lead.status: 'hot' is not one of"):
        Lead(status="hot")
    with pytest.raises(ValueError, match=r"lead\.stage"):
        Lead(stage="closed")


def test_kpi_events_are_append_only(store: Store) -> None:
    with store.transaction() as s:
        s.add(KpiEvent(type="clicked"))
    with pytest.raises(AppendOnlyError), store.transaction() as s:
        event = s.scalars(select(KpiEvent)).one()
        event.type = "won"
    with pytest.raises(AppendOnlyError), store.transaction() as s:
        s.delete(s.scalars(select(KpiEvent)).one())
    with store.transaction() as s:
        assert s.scalars(select(KpiEvent.type)).one() == "clicked"


def test_personal_data_columns_are_marked() -> None:
    marked = pii_columns()
    assert marked["leads"] == ["contact_name", "email", "phone", "preferred_contact_time"]
    assert set(marked["outreach_messages"]) == {"recipient_name", "recipient_address"}
    assert "kpi_events" not in marked
