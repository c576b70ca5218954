""" "Delete my data": erase a prospect's personal data everywhere it lives.

Two places hold it: the lead store (every column declared with ``pii_column``, reached through
the prospect's conversation) and Rasa's tracker store, whose ``events`` rows keep the raw
messages with emails and phone numbers. Rasa 3.6 has no API to delete a conversation, so its
rows are deleted directly. Rasa writes a turn's events *after* the turn's actions ran, which
would put back what an in-turn deletion removed; so a request is kept in ``erasure_requests``
and swept again once the turn has settled (``SETTLE_SECONDS``). Any process may sweep: rows are
claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sinyal.chat.tracker import erase_tracker
from sinyal.events import event
from sinyal.flows.qualification import FREE_TEXT_ANSWERS
from sinyal.handover.notify.outbox import ERASED_KIND, enqueue
from sinyal.outreach.contacts import opt_out
from sinyal.outreach.suppression import Reason
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import (
    Conversation,
    ErasureRequest,
    EventType,
    Lead,
    OutreachMessage,
    pii_columns,
    utcnow,
)

SETTLE_SECONDS = 10.0


def request_erasure(session: Session, sender_id: str) -> ErasureRequest:
    """Record the request (once per sender while pending); sweeping does the work."""
    pending = session.scalars(
        select(ErasureRequest).where(
            ErasureRequest.sender_id == sender_id, ErasureRequest.completed_at.is_(None)
        )
    ).first()
    if pending is not None:
        return pending
    request = ErasureRequest(sender_id=sender_id)
    session.add(request)
    session.flush()
    return request


def erase_lead_store(session: Session, sender_id: str, settings: Settings) -> int:
    """Erase what this conversation holds: its leads' personal data and free-text answers.

    Only this conversation's own leads, never "every lead with this email": an address typed
    into a chat proves nothing (anyone can type anybody's), and Sinyal sends no confirmation
    mail that could verify it; for the same reason an address typed in the chat is not put on
    the suppression list (that would let anyone stop another person's mail). The address the
    chat's outreach was written to is: the chat came through the link in that message. A
    person who chatted twice erases each chat from that chat, or asks the consultancy.
    """
    conversation = session.scalars(
        select(Conversation).where(Conversation.sender_id == sender_id)
    ).one_or_none()
    if conversation is None:
        return 0
    marked = pii_columns()
    for column in marked.get(Conversation.__tablename__, []):
        setattr(conversation, column, None)
    leads = session.scalars(select(Lead).where(Lead.conversation_id == conversation.id)).all()
    if conversation.outreach_message_id is not None:
        outreach = session.get(OutreachMessage, conversation.outreach_message_id)
        if outreach is not None and outreach.recipient_address:
            # The chat came through the link in that person's message: it is theirs.
            forget_address(session, outreach.recipient_address)
    for lead in leads:
        _erase_lead(session, lead, marked.get(Lead.__tablename__, []), settings)
    if conversation.outreach_message_id is not None:
        cleared = dict.fromkeys(marked.get(OutreachMessage.__tablename__, []))
        session.execute(
            update(OutreachMessage)
            .where(OutreachMessage.id == conversation.outreach_message_id)
            .values(cleared)
        )
    return len(leads)


def _erase_lead(session: Session, lead: Lead, columns: Collection[str], settings: Settings) -> None:
    """Null the personal columns, blank free-text answers, tell the CRM (once per lead)."""
    first_time = lead.erased_at is None
    for column in columns:
        setattr(lead, column, None)
    answers = lead.answers or {}
    lead.answers = {k: ("" if k in FREE_TEXT_ANSWERS else v) for k, v in answers.items()}
    lead.erased_at = utcnow()
    if first_time:
        session.add(event(EventType.DATA_ERASED, "prospect", lead_id=lead.id))
        enqueue(session, lead, None, settings, kind=ERASED_KIND)


def forget_address(session: Session, address: str) -> None:
    """No outreach to this address ever again, and no contact-list copy of it kept."""
    with contextlib.suppress(ValueError):  # not an address at all: nothing to suppress
        opt_out(session, address, Reason.ERASED)


@dataclass
class SweepResult:
    swept: int = 0
    completed: int = 0
    tracker_rows: int = 0


def sweep(settings: Settings, store: Store, now: datetime | None = None) -> SweepResult:
    """Erase for every pending request; complete those whose requesting turn has settled."""
    now = now or utcnow()
    result = SweepResult()
    with store.transaction() as session:
        pending = session.scalars(
            select(ErasureRequest)
            .where(ErasureRequest.completed_at.is_(None))
            .order_by(ErasureRequest.id)
            .with_for_update(skip_locked=True)
        ).all()
        for request in pending:
            erase_lead_store(session, request.sender_id, settings)
            result.tracker_rows += erase_tracker(settings, request.sender_id)
            request.passes += 1
            request.last_pass_at = now
            result.swept += 1
            if now - request.requested_at >= timedelta(seconds=SETTLE_SECONDS):
                request.completed_at = now
                request.sender_id = hashlib.sha256(request.sender_id.encode()).hexdigest()
                result.completed += 1
    return result
