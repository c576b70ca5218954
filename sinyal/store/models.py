"""The lead store's tables, in the order data flows through Sinyal.

sources -> companies/job_postings -> triggers -> flows/message_variants -> outreach_messages
-> conversations -> leads -> consultants/handovers, with ``kpi_events`` as the append-only log
that KPIs are computed from.

Personal data columns are declared with ``pii_column`` (``info={"pii": True}``) so erasure
("delete my data") can find every one of them with ``pii_columns()`` instead of a hand-kept list.
Schema changes go through Alembic migrations (``sinyal/store/migrations``), never ``create_all``.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names, so migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


BigIntId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


def pii_column(*args: Any, **kwargs: Any) -> Any:
    """A column holding personal data: erased on request, never logged."""
    kwargs.setdefault("info", {})["pii"] = True
    return mapped_column(*args, **kwargs)


def pii_columns() -> dict[str, list[str]]:
    """Every personal-data column, by table name."""
    found: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        names = [c.name for c in table.columns if c.info.get("pii")]
        if names:
            found[table.name] = names
    return found


class LeadStatus(enum.StrEnum):
    """The bot's verdict on a prospect."""

    QUALIFIED = "qualified"
    NURTURE = "nurture"
    DISQUALIFIED = "disqualified"


class LeadStage(enum.StrEnum):
    """Where a lead is in the consultant's pipeline."""

    NEW = "new"
    CLAIMED = "claimed"
    CONTACTED = "contacted"
    MEETING = "meeting"
    PROPOSAL = "proposal"
    WON = "won"
    LOST = "lost"


class TriggerStatus(enum.StrEnum):
    OPEN = "open"
    STALE = "stale"
    #: Still qualifying, but a recent negative signal (layoffs, insolvency) forbids outreach.
    SUPPRESSED = "suppressed"


class EventType(enum.StrEnum):
    """What ``kpi_events`` records; KPIs are computed from these and nothing else."""

    TRIGGER_CREATED = "trigger_created"
    OUTREACH_SENT = "sent"
    CLICKED = "clicked"
    CHAT_STARTED = "chat_started"
    DECLINED = "declined"
    LEAD_CREATED = "lead_created"
    QUALIFIED = "qualified"
    HANDED_OVER = "handed_over"
    ESCALATED = "escalated"
    NOTIFIED = "notified"
    STAGE_CHANGED = "stage_changed"
    CONTACT_ATTEMPTED = "contact_attempted"
    WON = "won"
    LOST = "lost"
    DATA_ERASED = "data_erased"
    UNSUBSCRIBED = "unsubscribed"


def _check_enum(kind: type[enum.StrEnum], field: str, value: str | None) -> str | None:
    if value is not None and value not in {m.value for m in kind}:
        allowed = ", ".join(m.value for m in kind)
        raise ValueError(f"{field}: {value!r} is not one of {allowed}")
    return value


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    normalized_name: Mapped[str] = mapped_column(String(300), unique=True)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))
    industry: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[str | None] = mapped_column(String(40))
    is_client: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    postings: Mapped[list[JobPosting]] = relationship(back_populates="company")


class JobPosting(Base):
    __tablename__ = "job_postings"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        # Covers the long-open lookup (open postings started before a cutoff, by company), so
        # trigger detection reads the index alone, not half the table.
        Index("ix_job_postings_open_since", "closed_at", "original_start", "company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(60))
    external_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(500))
    normalized_title: Mapped[str] = mapped_column(String(500))
    location: Mapped[str | None] = mapped_column(String(300))
    gender_marker: Mapped[str | None] = mapped_column(String(20))
    employment_type: Mapped[str | None] = mapped_column(String(60))
    date_posted: Mapped[date | None] = mapped_column(Date)
    valid_through: Mapped[date | None] = mapped_column(Date)
    repost_key: Mapped[str] = mapped_column(String(64), index=True)
    original_start: Mapped[date] = mapped_column(Date)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: Complete scans of its source in a row that did not list it; closed at 2.
    missed_scans: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The feed page that listed it last; when that page answers 304, the posting is still there.
    listed_on: Mapped[str | None] = mapped_column(String(2000))
    #: Hash of the fields a source reports, so an unchanged posting costs no UPDATE.
    content_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    raw: Mapped[dict[str, Any] | None]

    company: Mapped[Company] = relationship(back_populates="postings")


class ScrapeRun(Base):
    """One ``sinyal scrape run``: what it fetched and changed, kept for operators and KPIs."""

    __tablename__ = "scrape_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_name: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class HttpCacheEntry(Base):
    """The last 200 response per URL with its validators, for conditional requests.

    Kept in the database rather than on one machine's disk, so any scraper process can send
    If-None-Match / If-Modified-Since for a page another one fetched.
    """

    __tablename__ = "http_cache"

    url_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_type: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class Flow(Base):
    """A flow as loaded from ``flows/*.yml``; the YAML file stays the source of truth."""

    __tablename__ = "flows"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    definition: Mapped[dict[str, Any]]
    definition_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    variants: Mapped[list[MessageVariant]] = relationship(back_populates="flow")


class MessageVariant(Base):
    __tablename__ = "message_variants"
    __table_args__ = (UniqueConstraint("flow_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    call_to_action: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    is_control: Mapped[bool] = mapped_column(Boolean, default=False)

    flow: Mapped[Flow] = relationship(back_populates="variants")


class Trigger(Base):
    """One company worth calling for one flow, with the evidence that says so."""

    __tablename__ = "triggers"
    __table_args__ = (UniqueConstraint("flow_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=TriggerStatus.OPEN.value, index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("status")
    def _valid_status(self, _key: str, value: str) -> str | None:
        return _check_enum(TriggerStatus, "trigger.status", value)


class CompanySignal(Base):
    """One news item classified as a sales signal (expansion, funding, ... insolvency).

    ``company_id`` is set when the item was attributed to a known company; otherwise
    ``company_name`` holds the name the item gave. The same story on several sites is one
    story: every URL is a row (``story_key``, so a second run skips what it has seen), and the
    later sites' rows point at the first (``duplicate_of``).
    """

    __tablename__ = "company_signals"
    __table_args__ = (Index("ix_company_signals_company_type", "company_id", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    company_name: Mapped[str | None] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(30), index=True)
    polarity: Mapped[str] = mapped_column(String(10))
    confidence: Mapped[float] = mapped_column(Float)
    published_at: Mapped[date | None] = mapped_column(Date, index=True)
    language: Mapped[str] = mapped_column(String(5))
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(1000))
    evidence: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    story_key: Mapped[str] = mapped_column(String(64), unique=True)
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("company_signals.id", ondelete="CASCADE")
    )
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class LookalikeScore(Base):
    """A company's latest lookalike score (0..1): how much it resembles the won clients.

    One row per company, replaced by each ranking run (``sinyal lookalike rank``, a scrape);
    ``nearest_won_id`` is the won client that explains it, ``reasons`` the short sentences.
    """

    __tablename__ = "lookalike_scores"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float] = mapped_column(Float, index=True)
    nearest_won_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL")
    )
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contact(Base):
    """A person at a company whom a flow's persona may address (imported contact lists)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = pii_column(String(300))
    email: Mapped[str] = pii_column(String(320), unique=True)
    title: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SuppressionKind(enum.StrEnum):
    EMAIL = "email"
    DOMAIN = "domain"


class Suppression(Base):
    """Who must not be contacted again: unsubscribed, opted out, erased, or an existing client.

    Addresses are kept only as a hash, so honouring "delete my data" needs no copy of the data.
    """

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("kind", "value_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value_hash: Mapped[str] = mapped_column(String(64))
    #: The value itself where it is not personal data (a company domain); None for addresses.
    label: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("kind")
    def _valid_kind(self, _key: str, value: str) -> str | None:
        return _check_enum(SuppressionKind, "suppression.kind", value)


class OutreachStatus(enum.StrEnum):
    PENDING = "pending"  # created, waiting to be sent (or exported)
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # the recipient opted out between creation and sending


#: The channel of the one tracked link per variant that an ad carries: not an exposure.
AD_LINK_CHANNEL = "ad_link"


class OutreachMessage(Base):
    """One message to one recipient; its unguessable token ties the later chat back to it."""

    __tablename__ = "outreach_messages"
    #: A recipient (contact address, or company for exports) gets one message per flow, so
    #: two runners racing on the same trigger cannot both write one.
    __table_args__ = (
        UniqueConstraint("flow_id", "recipient_key"),
        Index("ix_outreach_messages_sent", "channel", "sent_at"),  # the email rate limit
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("message_variants.id", ondelete="CASCADE"))
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id", ondelete="SET NULL"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))
    recipient_name: Mapped[str | None] = pii_column(String(300))
    recipient_address: Mapped[str | None] = pii_column(String(320))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    #: Hash of the recipient's address (or ``company:ID``): the sticky key of the variant split.
    recipient_key: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(
        String(20), default=OutreachStatus.PENDING.value, server_default="sent"
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: A sender's lease on the row, so several senders never send one message twice.
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    @validates("status")
    def _valid_status(self, _key: str, value: str) -> str | None:
        return _check_enum(OutreachStatus, "outreach_message.status", value)


class Conversation(Base):
    """A chat as Rasa sees it (``sender_id``), tied to the outreach message that opened it."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(8))
    outreach_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_messages.id", ondelete="SET NULL")
    )
    entry_context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How the chat ended for the bot: a lead status, "declined" or "job_seeker".
    outcome: Mapped[str | None] = mapped_column(String(20))
    #: The prospect's own words when declining; free text, so treated as personal data.
    decline_reason: Mapped[str | None] = pii_column(String(300))


class Consultant(Base):
    __tablename__ = "consultants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    working_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    monthly_target: Mapped[int | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: When they were last given a lead: round robin picks the longest-waiting one.
    last_assigned_at: Mapped[datetime | None]


class Lead(Base):
    """A prospect the bot qualified. Personal data only with consent; erasable (``erased_at``)."""

    __tablename__ = "leads"
    # Not unique: another chat giving the same email and company gets its own, flagged lead.
    __table_args__ = (Index("ix_leads_email_company_id", "email", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), unique=True
    )
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_variants.id", ondelete="SET NULL")
    )
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id", ondelete="SET NULL"))
    outreach_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_messages.id", ondelete="SET NULL")
    )
    company_name: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = pii_column(String(300))
    email: Mapped[str | None] = pii_column(String(320))
    phone: Mapped[str | None] = pii_column(String(32))
    preferred_contact_time: Mapped[str | None] = pii_column(String(200))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Remarks for the consultant, e.g. "freemail" when the business email is on gmail.com.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(20), default=LeadStatus.NURTURE.value, index=True)
    stage: Mapped[str] = mapped_column(String(20), default=LeadStage.NEW.value, index=True)
    lost_reason: Mapped[str | None] = mapped_column(String(300))
    won_value: Mapped[float | None] = mapped_column(Float)
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None]
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultants.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None]

    @validates("status")
    def _valid_status(self, _key: str, value: str) -> str | None:
        return _check_enum(LeadStatus, "lead.status", value)

    @validates("stage")
    def _valid_stage(self, _key: str, value: str) -> str | None:
        return _check_enum(LeadStage, "lead.stage", value)


class Handover(Base):
    """A lead given to a consultant (or a team chat), and when it was claimed."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultants.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    #: Set once, by whichever dispatcher escalated the unclaimed lead first.
    escalated_at: Mapped[datetime | None]
    #: The flow's claim window, copied at handover so escalation needs no flow files.
    claim_within_minutes: Mapped[int | None]


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; shown by `sinyal dispatch --failed`


class Notification(Base):
    """The transactional outbox: a message to deliver, written in the transaction that handed
    the lead over, delivered later by a dispatcher (any number of them, on any machine).

    It holds ids, never the lead's personal data: the card is rendered at delivery time, so an
    erased lead is never sent and no copy of its contact details waits here.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultants.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))  # new_lead, escalation
    channel: Mapped[str] = mapped_column(String(20))  # telegram, email, webhook
    recipient: Mapped[str] = mapped_column(String(320))  # chat id, address or webhook name
    #: One delivery per lead, kind and recipient, whoever enqueues it and however often.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=NotificationStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A dispatcher's lease: nobody else takes the row before ``locked_until``.
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    #: What the channel answered, e.g. the Telegram message id (to edit its buttons later).
    external_ref: Mapped[str | None] = mapped_column(String(100))

    @validates("status")
    def _valid_status(self, _key: str, value: str) -> str | None:
        return _check_enum(NotificationStatus, "notification.status", value)


class ErasureRequest(Base):
    """A prospect asked to delete their data. Kept until every copy is gone, then anonymised.

    Rasa saves a turn's events after its actions ran, so the tracker rows are deleted again
    once the requesting turn has settled; ``sender_id`` is replaced by its hash when done.
    """

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    passes: Mapped[int] = mapped_column(Integer, default=0)
    last_pass_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None] = mapped_column(index=True)


class KpiEvent(Base):
    """Append-only: one row per thing that happened. Holds ids, never personal data.

    (Rasa's own SQL tracker store owns a table called ``events``; this one is ``kpi_events``
    so both can share a PostgreSQL database.)
    """

    __tablename__ = "kpi_events"
    __table_args__ = (Index("ix_kpi_events_type_occurred_at", "type", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(120))
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_variants.id", ondelete="SET NULL")
    )
    trigger_id: Mapped[int | None] = mapped_column(ForeignKey("triggers.id", ondelete="SET NULL"))
    outreach_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_messages.id", ondelete="SET NULL")
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultants.id", ondelete="SET NULL")
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @validates("type")
    def _valid_type(self, _key: str, value: str) -> str | None:
        return _check_enum(EventType, "kpi_event.type", value)


class Role(enum.StrEnum):
    """What a dashboard user may see and do."""

    CONSULTANT = "consultant"  # leads: inbox, claim, status
    MARKETING = "marketing"  # flows and A/B tests, triggers, KPIs
    MANAGER = "manager"  # everything


class User(Base):
    """Someone who logs in to the web app. No role: may log in, sees nothing."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(20))
    #: The consultant this user is, so "mine" and claims name the right person.
    consultant_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultants.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    @validates("role")
    def _valid_role(self, _key: str, value: str | None) -> str | None:
        return _check_enum(Role, "user.role", value)


class RateLimitBucket(Base):
    """Requests per key (e.g. login attempts per address) in a fixed window, shared by every
    web process through the database."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class RateLimitClaim(Base):
    """When ``key`` was last claimed: "at most once per N seconds" measured from that moment,
    not from a clock boundary (two notifications a second apart across 10:10 would both pass a
    fixed window)."""

    __tablename__ = "rate_limit_claims"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    claimed_at: Mapped[datetime]


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a recorded KPI event."""


@event.listens_for(KpiEvent, "before_update")
@event.listens_for(KpiEvent, "before_delete")
def _refuse_event_changes(_mapper: Mapper[Any], _connection: Any, target: KpiEvent) -> None:
    raise AppendOnlyError(f"kpi_events is append-only (event {target.id} of type {target.type})")
