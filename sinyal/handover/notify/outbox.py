"""The outbox table's operations: enqueue in the caller's transaction, claim with a lease,
settle after a delivery attempt.

Several dispatchers may run (one per machine, or a spare): a claim is one UPDATE that stamps
due rows with the claimer's token and a lease (on PostgreSQL the chosen rows are also
``FOR UPDATE SKIP LOCKED``, so two claims never wait on or take the same row). A dispatcher
that dies mid-delivery leaves its lease to expire; the row is then claimed again. Settling
checks the token, so a dispatcher whose lease ran out cannot overwrite a newer attempt.

A claim counts as an attempt. A row whose attempts are used up is never claimed again, even
when its last attempt was never settled (a dispatcher killed, or crashed by that very row):
the next claim marks it failed, with that reason.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from sinyal.events import lead_event
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.db import insert_ignoring_conflicts
from sinyal.store.models import (
    Consultant,
    EventType,
    Lead,
    Notification,
    NotificationStatus,
    utcnow,
)

logger = logging.getLogger("sinyal.dispatch")
PENDING, SENT, FAILED = (s.value for s in NotificationStatus)
BACKOFF_FIRST, BACKOFF_MAX = 2.0, 600.0
#: A prospect's "delete my data": the CRM must erase its copy too (no personal data in it).
ERASED_KIND = "lead_erased"
#: What the CRM webhook hears about.
CRM_KINDS = frozenset({"new_lead", ERASED_KIND})


@dataclass(frozen=True)
class Recipient:
    channel: str  # telegram, email, webhook
    address: str  # chat id, email address, or "crm" for the webhook
    consultant_id: int | None = None


def recipients(consultant: Consultant | None, settings: Settings) -> list[Recipient]:
    """The consultant's Telegram chat and email; the team's when nobody was chosen (or the
    consultant has neither); the CRM webhook for every lead."""
    found: list[Recipient] = []
    if consultant is not None:
        if consultant.telegram_chat_id is not None:
            found.append(Recipient("telegram", str(consultant.telegram_chat_id), consultant.id))
        if consultant.email:
            found.append(Recipient("email", consultant.email, consultant.id))
    if not found:
        if settings.team_telegram_chat_id is not None:
            found.append(Recipient("telegram", str(settings.team_telegram_chat_id)))
        if settings.team_email:
            found.append(Recipient("email", settings.team_email))
    return found


def enqueue(
    session: Session,
    lead: Lead,
    consultant: Consultant | None,
    settings: Settings,
    kind: str = "new_lead",
) -> int:
    """Add this lead's notifications to the caller's transaction; a second call for the same
    lead, kind and recipient adds nothing (the idempotency key is unique)."""
    targets = [] if kind == ERASED_KIND else recipients(consultant, settings)
    if settings.notify_webhook_url and kind in CRM_KINDS:
        targets.append(Recipient("webhook", "crm"))  # the URL stays in settings
    rows = [
        {
            "lead_id": lead.id,
            "consultant_id": target.consultant_id,
            "kind": kind,
            "channel": target.channel,
            "recipient": target.address,
            "idempotency_key": f"{kind}:{lead.id}:{target.channel}:{target.address}"[:200],
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": utcnow(),
            "created_at": utcnow(),
        }
        for target in targets
    ]
    insert_ignoring_conflicts(session, Notification, rows, ["idempotency_key"])
    return len(rows)


def _recently_used(session: Session, now: datetime) -> int:
    """Notifications sent in the last minute or leased right now (being sent)."""
    recent = or_(
        Notification.sent_at > now - timedelta(minutes=1),
        (Notification.status == PENDING) & (Notification.locked_until > now),
    )
    return int(session.scalar(select(func.count()).select_from(Notification).where(recent)) or 0)


def claim(
    store: Store,
    worker: str,
    limit: int,
    lease_seconds: float,
    max_attempts: int,
    per_minute: int | None = None,
) -> tuple[str, list[Notification]]:
    """Up to ``limit`` due notifications with attempts left, leased to this claim's token
    (returned with them). The lease must outlast a delivery attempt, or a slow send could be
    claimed twice. ``per_minute`` is the global budget: what was sent in the last minute or is
    in flight counts against it, and the rest waits for the next round (queued, not dropped).
    Two dispatchers claiming at the same instant may overshoot it by one batch."""
    token = f"{worker}:{uuid.uuid4().hex[:12]}"
    now = utcnow()
    with store.transaction() as session:
        _give_up_unsettled(session, max_attempts, now)
        if per_minute is not None:
            limit = min(limit, per_minute - _recently_used(session, now))
            if limit <= 0:
                return token, []
        due = (
            select(Notification.id)
            .where(
                Notification.status == PENDING,
                Notification.attempts < max_attempts,
                Notification.next_attempt_at <= now,
                or_(Notification.locked_until.is_(None), Notification.locked_until < now),
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        session.execute(
            update(Notification)
            .where(Notification.id.in_(due.scalar_subquery()))
            .values(
                locked_by=token,
                locked_until=now + timedelta(seconds=lease_seconds),
                attempts=Notification.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        claimed = list(
            session.scalars(
                select(Notification)
                .where(Notification.locked_by == token)
                .order_by(Notification.id)
            )
        )
    return token, claimed


def _give_up_unsettled(session: Session, max_attempts: int, now: datetime) -> None:
    """Pending rows without attempts left whose lease ran out: their last attempt was never
    settled. Failed, so that a message that kills its dispatcher is not retried forever."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.status == PENDING,
            Notification.attempts >= max_attempts,
            or_(Notification.locked_until.is_(None), Notification.locked_until < now),
        )
        .values(
            status=FAILED,
            locked_until=None,
            last_error=f"gave up: attempts used up ({max_attempts}), the last never recorded "
            "(its dispatcher stopped mid-delivery)",
        )
        .execution_options(synchronize_session=False)
    )
    given_up: int = result.rowcount  # type: ignore[attr-defined]
    if given_up:
        logger.error("%s notification(s) given up: attempts used up, last never recorded", given_up)


@dataclass(frozen=True)
class Outcome:
    """How one delivery attempt went: ``ref`` when sent, else ``error``."""

    notification: Notification
    sent: bool
    ref: str | None = None
    error: str | None = None
    permanent: bool = False
    retry_after: float | None = None


def settle(store: Store, token: str, outcomes: list[Outcome], max_attempts: int) -> list[str]:
    """Record a round's attempts in one transaction (one write per round, not per message,
    which is what keeps a busy SQLite store from queueing the dispatcher behind the bot).
    Returns each notification's new status; a row whose lease was lost to another dispatcher
    is left alone (its status is returned as it is)."""
    statuses = []
    with store.transaction() as session:
        for outcome in outcomes:
            if outcome.sent:
                statuses.append(_mark_sent(session, outcome, token))
            else:
                statuses.append(_mark_failed(session, outcome, token, max_attempts))
    return statuses


def _mark_sent(session: Session, outcome: Outcome, token: str) -> str:
    """Delivered: record it, and the lead's ``notified`` event (speed-to-lead)."""
    notification = outcome.notification
    done = session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.locked_by == token)
        .values(status=SENT, sent_at=utcnow(), external_ref=outcome.ref, locked_until=None)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return notification.status
    lead = session.get(Lead, notification.lead_id)
    if lead is not None:
        session.add(
            lead_event(
                EventType.NOTIFIED,
                lead,
                "dispatcher",
                channel=notification.channel,
                notification_id=notification.id,
                notification_kind=notification.kind,
            )
        )
    return SENT


def _mark_failed(session: Session, outcome: Outcome, token: str, max_attempts: int) -> str:
    """A failed attempt: retried later with exponential backoff (or ``retry_after``), or given
    up on after ``max_attempts`` or a permanent error."""
    notification = outcome.notification
    give_up = outcome.permanent or notification.attempts >= max_attempts
    status = FAILED if give_up else PENDING
    delay = _delay(notification, outcome.retry_after)
    session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.locked_by == token)
        .values(
            status=status,
            last_error=(outcome.error or "")[:500],
            locked_until=None,
            next_attempt_at=utcnow() + timedelta(seconds=delay),
        )
    )
    return status


def _delay(notification: Notification, retry_after: float | None) -> float:
    if retry_after is not None:
        return retry_after
    backoff = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, notification.attempts - 1))
    return backoff * random.uniform(0.8, 1.2)  # spread retries of a burst apart
