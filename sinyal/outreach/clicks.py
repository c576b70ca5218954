"""What a tracked link does when clicked or unsubscribed from; the web app only routes to here.

A click is recorded as a ``clicked`` event (ids only: no IP address or browser string, which
would be personal data) and answered with the chat to open. An unknown token is not an error
for the visitor: the caller shows a neutral page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.events import outreach_event
from sinyal.outreach.contacts import opt_out
from sinyal.outreach.links import chat_url
from sinyal.outreach.suppression import Reason
from sinyal.settings import Settings
from sinyal.store.models import (
    Contact,
    EventType,
    Flow,
    MessageVariant,
    OutreachMessage,
)

CHAT_LANGUAGES = ("en", "id")


@dataclass(frozen=True)
class Click:
    redirect_to: str
    flow: str
    variant: str


def _message(session: Session, token: str) -> OutreachMessage | None:
    if not token or len(token) > 64:
        return None
    return session.scalars(
        select(OutreachMessage).where(OutreachMessage.token == token)
    ).one_or_none()


def known_token(session: Session, token: str) -> bool:
    return _message(session, token) is not None


def record_click(session: Session, settings: Settings, token: str) -> Click | None:
    """Record the click and say where it leads; None for a token nobody issued."""
    message = _message(session, token)
    if message is None:
        return None
    flow = session.get_one(Flow, message.flow_id)
    variant = session.get_one(MessageVariant, message.variant_id)
    contact = session.get(Contact, message.contact_id) if message.contact_id else None
    language = contact.language if contact and contact.language in CHAT_LANGUAGES else None
    target = chat_url(
        settings, flow.definition.get("chat", "website"), token, flow.name, variant.key, language
    )
    session.add(outreach_event(EventType.CLICKED, message, "prospect"))
    return Click(target, flow.name, variant.key)


def unsubscribe(session: Session, token: str) -> bool:
    """Suppress the message's recipient for good; False for an unknown token.

    Safe to repeat. The address itself is then forgotten (its hash stays on the list).
    """
    message = _message(session, token)
    if message is None:
        return False
    contact = session.get(Contact, message.contact_id) if message.contact_id else None
    address = message.recipient_address or (contact.email if contact else None)
    if address:
        opt_out(session, address, Reason.UNSUBSCRIBED)
        message.recipient_address = message.recipient_name = None
        session.add(outreach_event(EventType.UNSUBSCRIBED, message, "prospect"))
    return True
