"""Everything the store knows about one company, section by section.

Personal data stays where it is kept: a lead is shown by its number, stage and consultant
(its page, for consultants, holds the contact), a message by its flow, variant and channel,
never by its recipient. Clicks are our own tracked links' ``clicked`` events, which hold no
IP address: which message's link, when, how often.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scrapers.normalize import normalize_company
from sinyal.accounts.timeline import Moment, timeline
from sinyal.signals.lookalike.scores import lookalike_evidence
from sinyal.store.models import (
    Company,
    CompanySignal,
    Consultant,
    Conversation,
    EventType,
    Flow,
    JobPosting,
    KpiEvent,
    Lead,
    MessageVariant,
    OutreachMessage,
    Trigger,
)
from sinyal.text import web_link

MAX_ROWS = 500  # per section: an account page is read, not scrolled for ever


@dataclass
class Account:
    company: dict[str, Any]
    postings: list[dict[str, Any]] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    signals: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    clicks: list[dict[str, Any]] = field(default_factory=list)
    chats: list[dict[str, Any]] = field(default_factory=list)
    leads: list[dict[str, Any]] = field(default_factory=list)
    lookalike: dict[str, Any] | None = None
    timeline: list[Moment] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def find_companies(session: Session, query: str, limit: int = 20) -> list[Company]:
    """The company named ``query`` (legal forms folded), else those whose name contains it."""
    exact = session.scalars(
        select(Company).where(Company.normalized_name == normalize_company(query))
    ).all()
    if exact:
        return list(exact)
    words = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if not words:
        return []
    return list(
        session.scalars(
            select(Company)
            .where(Company.name.ilike(f"%{words}%", escape="\\"))
            .order_by(Company.name)
            .limit(limit)
        )
    )


def _company(company: Company) -> dict[str, Any]:
    return {
        "id": company.id,
        "name": company.name,
        "domain": company.domain,
        "website": web_link(company.website),
        "industry": company.industry,
        "size": company.size,
        "city": company.city,
        "country": company.country,
        "client": company.is_client,
    }


def _postings(session: Session, company_id: int, today: date) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(JobPosting)
        .where(JobPosting.company_id == company_id)
        .order_by(JobPosting.closed_at.is_not(None), JobPosting.original_start)
        .limit(MAX_ROWS)
    ).all()
    chains = Counter(p.repost_key for p in rows)
    return [
        {
            "title": p.title,
            "location": p.location,
            "url": web_link(p.url),
            "open": p.closed_at is None,
            "open_since": p.original_start,
            "days_open": ((p.closed_at.date() if p.closed_at else today) - p.original_start).days,
            "reposts": chains[p.repost_key] - 1,
            "role": p.repost_key,  # the same role (company, title, place) posted again
            "first_seen": p.first_seen,
            "closed_at": p.closed_at,
        }
        for p in rows
    ]


def _triggers(session: Session, company_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Trigger, Flow.name)
        .join(Flow, Flow.id == Trigger.flow_id)
        .where(Trigger.company_id == company_id)
        .order_by(Trigger.detected_at)
    ).all()
    return [
        {
            "flow": flow,
            "status": t.status,
            "score": t.score,
            "detected_at": t.detected_at,
            "long_open_postings": (t.evidence or {}).get("long_open_postings", 0),
            "signals": len((t.evidence or {}).get("signals") or []),
            "suppressed_by": (t.evidence or {}).get("suppressed_by"),
        }
        for t, flow in rows
    ]


def _signals(session: Session, company_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(CompanySignal)
        .where(CompanySignal.company_id == company_id, CompanySignal.duplicate_of.is_(None))
        .order_by(CompanySignal.published_at.desc().nulls_last(), CompanySignal.id.desc())
        .limit(MAX_ROWS)
    ).all()
    return [
        {
            "type": s.type,
            "polarity": s.polarity,
            "published_at": s.published_at,
            "title": s.title,
            "evidence": s.evidence,
            "url": web_link(s.url),
            "first_seen": s.first_seen,
        }
        for s in rows
    ]


def _messages(session: Session, company_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(OutreachMessage, Flow.name, MessageVariant.key)
        .join(Flow, Flow.id == OutreachMessage.flow_id)
        .join(MessageVariant, MessageVariant.id == OutreachMessage.variant_id)
        .where(OutreachMessage.company_id == company_id)
        .order_by(OutreachMessage.id.desc())
        .limit(MAX_ROWS)
    ).all()
    return [
        {
            "id": m.id,
            "flow": flow,
            "variant": variant,
            "channel": m.channel,
            "status": m.status,
            "created_at": m.created_at,
            "sent_at": m.sent_at,
        }
        for m, flow, variant in rows
    ]


def _clicks(session: Session, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The clicks on the company's tracked links, newest first: when, and which message's."""
    by_id = {m["id"]: m for m in messages}
    if not by_id:
        return []
    events = session.execute(
        select(KpiEvent.outreach_message_id, KpiEvent.occurred_at)
        .where(
            KpiEvent.type == EventType.CLICKED.value,
            KpiEvent.outreach_message_id.in_(list(by_id)),
        )
        .order_by(KpiEvent.occurred_at.desc())
        .limit(MAX_ROWS)  # a mail scanner may click every link a thousand times
    ).all()
    return [
        {
            "at": at,
            "message": message_id,
            "link": f"{by_id[message_id]['flow']} / {by_id[message_id]['variant']}",
        }
        for message_id, at in events
        if message_id is not None
    ]


def _leads(session: Session, company_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Lead, Consultant.name)
        .outerjoin(Consultant, Consultant.id == Lead.consultant_id)
        .where(Lead.company_id == company_id)
        .order_by(Lead.id)
    ).all()
    return [
        {
            "id": lead.id,
            "stage": lead.stage,
            "status": lead.status,
            "consultant": consultant,
            "created_at": lead.created_at,
            "conversation_id": lead.conversation_id,
            "erased": lead.erased_at is not None,
        }
        for lead, consultant in rows
    ]


def _chats(
    session: Session, messages: list[dict[str, Any]], leads: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    message_ids = [m["id"] for m in messages]
    conversation_ids = [lead["conversation_id"] for lead in leads if lead["conversation_id"]]
    if not message_ids and not conversation_ids:
        return []
    rows = session.scalars(
        select(Conversation)
        .where(
            or_(
                Conversation.outreach_message_id.in_(message_ids),
                Conversation.id.in_(conversation_ids),
            )
        )
        .order_by(Conversation.started_at)
    ).all()
    lead_of = {lead["conversation_id"]: lead["id"] for lead in leads}
    return [
        {
            "id": c.id,
            "channel": c.channel,
            "language": c.language,
            "started_at": c.started_at,
            "last_active_at": c.last_active_at,
            "outcome": c.outcome or "open",
            "lead": lead_of.get(c.id),
        }
        for c in rows
    ]


def _lead_events(session: Session, leads: list[dict[str, Any]]) -> list[KpiEvent]:
    if not leads:
        return []
    return list(
        session.scalars(
            select(KpiEvent)
            .where(KpiEvent.lead_id.in_([lead["id"] for lead in leads]))
            .order_by(KpiEvent.occurred_at.desc())
            .limit(MAX_ROWS)
        )
    )


def load_account(session: Session, company_id: int, today: date | None = None) -> Account | None:
    company = session.get(Company, company_id)
    if company is None:
        return None
    account = Account(_company(company))
    account.postings = _postings(session, company_id, today or datetime.now(UTC).date())
    account.triggers = _triggers(session, company_id)
    account.signals = _signals(session, company_id)
    account.messages = _messages(session, company_id)
    account.clicks = _clicks(session, account.messages)
    account.leads = _leads(session, company_id)
    account.chats = _chats(session, account.messages, account.leads)
    account.lookalike = lookalike_evidence(session, [company_id]).get(company_id)
    account.timeline = timeline(account, _lead_events(session, account.leads))
    return account
