"""Sending planned outreach: email over SMTP, rate-limited across every sender; exports to CSV.

Email: each message is claimed with a conditional UPDATE (a lease), so any number of senders on
any number of machines never send one message twice while all are alive. The suppression list
is checked again right before sending (someone may have unsubscribed since planning). The rate
limit counts emails sent in the last minute in the database, so it holds across senders (give
or take the messages in flight). A sender killed after the SMTP server accepted a message but
before recording it sends that one again once the lease expires; the Message-ID is derived from
the token, so the copy is recognisable.

Exports (telegram, ads): rendered rows are written to a CSV file first, then the messages are
marked sent in one transaction: a crash between the two exports them again next time rather
than losing them.
"""

from __future__ import annotations

import csv
import hashlib
import os
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sinyal.events import outreach_event
from sinyal.flows import FlowDefinition, Variant
from sinyal.mail import smtp_session
from sinyal.outreach.audience import AUDIENCE_MINIMUM
from sinyal.outreach.links import new_token, tracked_url
from sinyal.outreach.messages import RenderedMessage, render_message
from sinyal.outreach.suppression import suppressed_because
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import (
    AD_LINK_CHANNEL,
    Company,
    Contact,
    EventType,
    MessageVariant,
    OutreachMessage,
    OutreachStatus,
    Trigger,
    TriggerStatus,
    utcnow,
)
from sinyal.text import csv_text

LEASE = timedelta(minutes=2)
SMTP_TIMEOUT = 30.0


@dataclass
class SendResult:
    sent: int = 0
    suppressed: int = 0
    failed: int = 0
    retrying: int = 0
    files: list[Path] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # ads: the tracked link per variant
    warnings: list[str] = field(default_factory=list)


Progress = Callable[[int], None]


def _pending(session: Session, flow_id: int) -> list[int]:
    now = utcnow()
    query = (
        select(OutreachMessage.id)
        .where(
            OutreachMessage.flow_id == flow_id,
            OutreachMessage.status == OutreachStatus.PENDING.value,
            or_(OutreachMessage.locked_until.is_(None), OutreachMessage.locked_until < now),
        )
        .order_by(OutreachMessage.id)
    )
    return list(session.scalars(query))


def count_pending(store: Store, flow_id: int) -> int:
    with store.sessions() as session:
        return len(_pending(session, flow_id))


def _claim(session: Session, message_id: int) -> bool:
    now = utcnow()
    claimed = session.execute(
        update(OutreachMessage)
        .where(
            OutreachMessage.id == message_id,
            OutreachMessage.status == OutreachStatus.PENDING.value,
            or_(OutreachMessage.locked_until.is_(None), OutreachMessage.locked_until < now),
        )
        .values(locked_until=now + LEASE, attempts=OutreachMessage.attempts + 1)
    )
    return claimed.rowcount == 1  # type: ignore[attr-defined]


@dataclass
class Loaded:
    message: OutreachMessage
    variant_key: str
    company: Company | None
    trigger: Trigger | None
    contact: Contact | None


def _load(session: Session, message_id: int) -> Loaded:
    message = session.get_one(OutreachMessage, message_id)
    return Loaded(
        message,
        session.get_one(MessageVariant, message.variant_id).key,
        session.get(Company, message.company_id) if message.company_id else None,
        session.get(Trigger, message.trigger_id) if message.trigger_id else None,
        session.get(Contact, message.contact_id) if message.contact_id else None,
    )


def _mark_sent(session: Session, message: OutreachMessage) -> None:
    message.status, message.sent_at, message.locked_until = (
        OutreachStatus.SENT.value,
        utcnow(),
        None,
    )
    session.add(
        outreach_event(EventType.OUTREACH_SENT, message, "outreach", channel=message.channel)
    )


def _wait_for_rate(store: Store, per_minute: int) -> None:
    """Sleep until fewer than ``per_minute`` emails went out (from anywhere) in the last 60 s."""
    while True:
        now = utcnow()
        with store.sessions() as session:
            # The per_minute-th most recent send: while it is inside the window, the limit is full.
            nth = session.scalar(
                select(OutreachMessage.sent_at)
                .where(
                    OutreachMessage.channel == "email",
                    OutreachMessage.sent_at > now - timedelta(seconds=60),
                )
                .order_by(OutreachMessage.sent_at.desc())
                .offset(per_minute - 1)
                .limit(1)
            )
        if nth is None:
            return
        time.sleep(max(0.05, (nth + timedelta(seconds=60) - now).total_seconds()))


def email_message(
    settings: Settings, to: str, rendered: RenderedMessage, token: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{hashlib.sha256(token.encode()).hexdigest()[:32]}@sinyal>"
    # RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
    message["List-Unsubscribe"] = f"<{rendered.unsubscribe_link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    footer = f"\n\n--\nNo more messages from us: {rendered.unsubscribe_link}"
    message.set_content(rendered.body + footer)
    return message


def send_emails(
    store: Store,
    settings: Settings,
    flow: FlowDefinition,
    flow_id: int,
    progress: Progress | None = None,
) -> SendResult:
    if not settings.smtp_host:
        raise ValueError("SINYAL_SMTP_HOST is not set; email outreach needs an SMTP server")
    variants = {v.key: v for v in flow.variants}
    result = SendResult()
    with store.sessions() as session:
        ids = _pending(session, flow_id)
    if not ids:
        return result
    with smtp_session(settings, SMTP_TIMEOUT) as smtp:
        for message_id in ids:
            _wait_for_rate(store, settings.outreach_emails_per_minute)
            _send_one(store, settings, smtp, variants, message_id, result)
            if progress:
                progress(1)
    return result


def _send_one(
    store: Store,
    settings: Settings,
    smtp: smtplib.SMTP,
    variants: dict[str, Variant],
    message_id: int,
    result: SendResult,
) -> None:
    with store.transaction() as session:
        if not _claim(session, message_id):
            return  # another sender has it
    connection_lost: Exception | None = None
    with store.transaction() as session:
        loaded = _load(session, message_id)
        message = loaded.message
        address = loaded.contact.email if loaded.contact else message.recipient_address
        if address is None:
            _settle(message, OutreachStatus.SUPPRESSED, result)
            return
        rendered = _prepare(session, settings, variants, loaded, address, result)
        if rendered is None:
            return
        try:
            smtp.send_message(email_message(settings, address, rendered, message.token))
        except smtplib.SMTPRecipientsRefused:
            message.status, message.last_error = OutreachStatus.FAILED.value, "recipient refused"
            result.failed += 1
            return
        except (smtplib.SMTPException, OSError) as exc:
            code = getattr(exc, "smtp_code", 0)
            message.last_error = f"SMTP {code or type(exc).__name__}"[:500]
            if 500 <= code < 600 or message.attempts >= settings.outreach_max_attempts:
                message.status = OutreachStatus.FAILED.value
                result.failed += 1
            else:
                message.locked_until = utcnow() + timedelta(seconds=30 * message.attempts)
                result.retrying += 1
            if not isinstance(exc, smtplib.SMTPResponseException):
                connection_lost = exc
        else:
            _mark_sent(session, message)
            result.sent += 1
    if connection_lost is not None:
        raise connection_lost  # stop this run; the rest stay pending for the next one


def _settle(message: OutreachMessage, status: OutreachStatus, result: SendResult) -> None:
    """A message that will not go out: suppressed, or its variant gone from the flow."""
    message.status, message.locked_until = status.value, None
    if status is OutreachStatus.SUPPRESSED:
        result.suppressed += 1
    else:
        message.last_error = "variant removed"
        result.failed += 1


def _prepare(
    session: Session,
    settings: Settings,
    variants: dict[str, Variant],
    loaded: Loaded,
    address: str | None,
    result: SendResult,
) -> RenderedMessage | None:
    """The message rendered for sending, or None (and settled) if it must not go out.

    The suppression list is checked here, right before delivery, whatever the channel; so is
    the trigger, which bad news (layoffs, insolvency) may have suppressed since planning.
    """
    trigger = loaded.trigger
    trigger_held = trigger is not None and trigger.status == TriggerStatus.SUPPRESSED.value
    if trigger_held or suppressed_because(session, address, loaded.company):
        _settle(loaded.message, OutreachStatus.SUPPRESSED, result)
        return None
    variant = variants.get(loaded.variant_key)
    if variant is None:  # removed from the flow since planning
        _settle(loaded.message, OutreachStatus.FAILED, result)
        return None
    return render_message(
        settings, variant, loaded.message, loaded.company, loaded.trigger, loaded.contact
    )


def export_messages(
    store: Store, settings: Settings, flow: FlowDefinition, flow_id: int, directory: Path
) -> SendResult:
    """Write the flow's pending messages to CSV (one per variant for ads), then mark them sent."""
    variants = {v.key: v for v in flow.variants}
    result = SendResult()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    with store.transaction() as session:
        ids = [i for i in _pending(session, flow_id) if _claim(session, i)]
    with store.transaction() as session:
        rows: dict[str, list[dict[str, str]]] = {}
        messages = []
        for message_id in ids:
            loaded = _load(session, message_id)
            address = loaded.contact.email if loaded.contact else None
            rendered = _prepare(session, settings, variants, loaded, address, result)
            if rendered is None:
                continue
            row = _export_row(flow, loaded.company, loaded.contact, rendered)
            rows.setdefault(loaded.variant_key, []).append(row)
            messages.append(loaded.message)
        for variant_key, variant_rows in rows.items():
            name = f"{flow.name}-{variant_key}-{flow.channel}-{stamp}.csv"
            result.files.append(_write_csv(directory / name, variant_rows))
            if flow.channel == "ads" and len(variant_rows) < AUDIENCE_MINIMUM:
                result.warnings.append(
                    f"variant {variant_key}: {len(variant_rows)} companies; ad platforms match "
                    f"company lists reliably from about {AUDIENCE_MINIMUM}"
                )
        for message in messages:
            _mark_sent(session, message)
        result.sent = len(messages)
        if flow.channel == "ads":
            result.links = ad_links(session, settings, flow_id)
    return result


def ad_links(session: Session, settings: Settings, flow_id: int) -> dict[str, str]:
    """One tracked link per variant for the ads themselves (a click names no company)."""
    links = {}
    for variant in session.scalars(
        select(MessageVariant).where(MessageVariant.flow_id == flow_id).order_by(MessageVariant.id)
    ):
        key = f"ad:{variant.key}"
        message = session.scalars(
            select(OutreachMessage).where(
                OutreachMessage.flow_id == flow_id, OutreachMessage.recipient_key == key
            )
        ).one_or_none()
        if message is None:
            message = OutreachMessage(
                token=new_token(),
                flow_id=flow_id,
                variant_id=variant.id,
                channel=AD_LINK_CHANNEL,
                recipient_key=key,
                status=OutreachStatus.SENT.value,
                sent_at=utcnow(),
            )
            session.add(message)
            session.flush()
        links[variant.key] = tracked_url(settings, message.token)
    return links


def _export_row(
    flow: FlowDefinition,
    company: Company | None,
    contact: Contact | None,
    rendered: RenderedMessage,
) -> dict[str, str]:
    if flow.channel == "ads":
        # The columns LinkedIn's and Google's company-list uploads take.
        return {
            "name": company.name if company else "",
            "website": (company.website if company else None) or "",
            "domain": (company.domain if company else None) or "",
            "country": (company.country if company else None) or "",
            "city": (company.city if company else None) or "",
        }
    return {
        "company": company.name if company else "",
        "recipient": (contact.name if contact else None) or "",
        "title": (contact.title if contact else None) or "",
        "subject": rendered.subject,
        "message": rendered.body,
        "link": rendered.link,
    }


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: csv_text(v) for k, v in row.items()} for row in rows)
        handle.flush()
        os.fsync(handle.fileno())
    return path
