"""Conversations: a Rasa sender tied to the outreach message whose link opened the chat.

The entry link's context (flow, variant, token, company, role, language) arrives as untrusted
metadata from the website widget or the Telegram bridge; ``EntryContext.parse`` keeps only
known keys with sane values, so nothing else reaches the store or the bot's slots.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.events import conversation_event
from sinyal.store.models import (
    Company,
    Conversation,
    EventType,
    Flow,
    MessageVariant,
    OutreachMessage,
    Trigger,
    utcnow,
)

MAX_CONTEXT_VALUE = 200
#: The sender ``sinyal doctor`` uses to make Rasa run a custom action; never a prospect.
HEALTH_CHECK_SENDER = "sinyal-doctor"
LANGUAGES = ("en", "id")


@dataclass(frozen=True)
class EntryContext:
    """What the entry link says about why this prospect is chatting."""

    flow: str | None = None
    variant: str | None = None
    token: str | None = None
    company: str | None = None
    role: str | None = None
    language: str | None = None
    channel: str | None = None
    days_open: float | None = None

    @classmethod
    def parse(cls, metadata: Any) -> EntryContext:
        """Accept the known keys from session metadata; drop anything odd instead of failing."""
        if not isinstance(metadata, dict):
            return cls()
        values: dict[str, Any] = {}
        for key in ("flow", "variant", "token", "company", "role", "channel"):
            value = metadata.get(key)
            if isinstance(value, str) and value.strip():
                values[key] = value.strip()[:MAX_CONTEXT_VALUE]
        language = metadata.get("language")
        if isinstance(language, str) and language.lower() in LANGUAGES:
            values["language"] = language.lower()
        days = metadata.get("days_open")
        try:
            if days is not None and 0 <= float(days) < 10_000:
                values["days_open"] = float(days)
        except (TypeError, ValueError):
            pass
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def record_conversation(
    session: Session, sender_id: str, context: EntryContext, default_language: str
) -> Conversation:
    """Create the conversation on first contact (emitting ``chat_started``), else touch it.

    Idempotent per ``sender_id``: a resumed chat or a new Rasa session finds the same row.
    """
    conversation = session.scalars(
        select(Conversation).where(Conversation.sender_id == sender_id)
    ).one_or_none()
    if conversation is not None:
        conversation.last_active_at = utcnow()
        return conversation
    outreach = None
    if context.token:
        outreach = session.scalars(
            select(OutreachMessage).where(OutreachMessage.token == context.token)
        ).one_or_none()
    conversation = Conversation(
        sender_id=sender_id,
        channel=context.channel or "unknown",
        language=context.language or default_language,
        outreach_message_id=outreach.id if outreach else None,
        entry_context=context.as_dict(),
    )
    session.add(conversation)
    session.flush()
    session.add(conversation_event(EventType.CHAT_STARTED, conversation, "bot", outreach))
    return conversation


def context_for_token(session: Session, token: str, channel: str) -> EntryContext:
    """The entry context behind a tracked token, for links that can carry nothing else.

    A Telegram deep link (``t.me/bot?start=<token>``) holds at most 64 characters, so the
    flow, variant, company and the longest-open role are looked up from the outreach message.
    An unknown token gives a context with just the channel (the chat still works).
    """
    found = session.execute(
        select(OutreachMessage, Flow.name, MessageVariant.key, Company.name, Trigger.evidence)
        .join(Flow, Flow.id == OutreachMessage.flow_id)
        .join(MessageVariant, MessageVariant.id == OutreachMessage.variant_id)
        .outerjoin(Company, Company.id == OutreachMessage.company_id)
        .outerjoin(Trigger, Trigger.id == OutreachMessage.trigger_id)
        .where(OutreachMessage.token == token)
    ).one_or_none()
    if found is None:
        return EntryContext(channel=channel)
    _, flow, variant, company, evidence = found
    postings = (evidence or {}).get("postings") or []
    oldest: dict[str, Any] = max(postings, key=lambda p: p.get("days_open", 0), default={})
    return EntryContext.parse(
        {
            "flow": flow,
            "variant": variant,
            "token": token,
            "company": company,
            "role": oldest.get("title"),
            "days_open": oldest.get("days_open"),
            "channel": channel,
        }
    )


def with_outreach_facts(session: Session, context: EntryContext) -> EntryContext:
    """Fill what a short link left out (company, role, days open) from its token's message.

    A website link carries flow, variant and token only; the rest is looked up, so the bot
    greets the prospect with their company and longest-open role. Given values win.
    """
    if not context.token or context.company:
        return context
    found = context_for_token(session, context.token, context.channel or "website")
    missing = {k: v for k, v in asdict(found).items() if getattr(context, k) is None}
    return replace(context, **missing)
