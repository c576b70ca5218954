"""KPI events: the one way any stage records that something happened.

``kpi_events`` is append-only and holds ids, never personal data: what happened, who did it
(``actor``: bot, prospect, consultant, scraper, outreach…) and what it counts towards — flow,
variant, trigger, outreach message, conversation, lead, consultant — so every KPI can be cut by
any of them. Each function takes those ids from the row the event is about, so that no stage
forgets one; the caller adds the event to its own transaction.
"""

from __future__ import annotations

from typing import Any

from sinyal.store.models import Conversation, EventType, KpiEvent, Lead, OutreachMessage


def event(
    kind: EventType, actor: str, *, payload: dict[str, Any] | None = None, **ids: int | None
) -> KpiEvent:
    """An event attributed to the given ids (``flow_id``, ``trigger_id``, ``lead_id``…)."""
    return KpiEvent(type=kind.value, actor=actor, payload=payload or {}, **ids)


def outreach_event(
    kind: EventType, message: OutreachMessage, actor: str, **payload: Any
) -> KpiEvent:
    """An event about an outreach message: its flow, variant and trigger."""
    return event(
        kind,
        actor,
        payload=payload,
        flow_id=message.flow_id,
        variant_id=message.variant_id,
        trigger_id=message.trigger_id,
        outreach_message_id=message.id,
    )


def conversation_event(
    kind: EventType, conversation: Conversation, actor: str, outreach: OutreachMessage | None = None
) -> KpiEvent:
    """An event about a chat. Flow, variant and trigger come from ``outreach`` when given (the
    message that brought the prospect); without it only the message's id is kept, and per-variant
    counts join through it."""
    return event(
        kind,
        actor,
        conversation_id=conversation.id,
        outreach_message_id=outreach.id if outreach else conversation.outreach_message_id,
        flow_id=outreach.flow_id if outreach else None,
        variant_id=outreach.variant_id if outreach else None,
        trigger_id=outreach.trigger_id if outreach else None,
    )


def lead_event(kind: EventType, lead: Lead, actor: str = "bot", **payload: Any) -> KpiEvent:
    """An event about a lead, carrying the lead's whole attribution."""
    return event(
        kind,
        actor,
        payload=payload,
        lead_id=lead.id,
        conversation_id=lead.conversation_id,
        consultant_id=lead.consultant_id,
        flow_id=lead.flow_id,
        variant_id=lead.variant_id,
        trigger_id=lead.trigger_id,
        outreach_message_id=lead.outreach_message_id,
    )
