"""One outreach message rendered for its recipient, from the trigger's evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sinyal.flows import Variant
from sinyal.flows.templates import render
from sinyal.outreach.links import tracked_url, unsubscribe_url
from sinyal.settings import Settings
from sinyal.store.models import Company, Contact, OutreachMessage, Trigger
from sinyal.text import one_line, web_link

#: A subject is one line (a scraped company name may carry a line break: header injection).
SUBJECT_LIMIT = 200


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    link: str
    unsubscribe_link: str


def template_context(
    company: Company | None, trigger: Trigger | None, contact: Contact | None
) -> dict[str, Any]:
    """What templates may say about this recipient (the names in ``SAMPLE_CONTEXT``)."""
    evidence = (trigger.evidence if trigger else None) or {}
    postings = sorted(evidence.get("postings") or [], key=lambda p: -int(p.get("days_open") or 0))
    news = (evidence.get("signals") or [{}])[0]  # the strongest recent one
    name = (contact.name if contact else None) or ""
    return {
        "company": company.name if company else "",
        "role": postings[0]["title"] if postings else "",
        "roles": [p["title"] for p in postings],
        "open_roles": len(postings),
        "days_open": int(postings[0].get("days_open") or 0) if postings else 0,
        "city": (company.city if company else None) or "",
        "country": (company.country if company else None) or "",
        "first_name": name.split()[0] if name.split() else "",
        "recipient_name": name,
        "signal": {
            "type": news.get("type") or "",
            "summary": news.get("evidence") or news.get("title") or "",
            "date": news.get("published_at") or "",
            "url": web_link(news.get("url")) or "",
        },
    }


def render_message(
    settings: Settings,
    variant: Variant,
    message: OutreachMessage,
    company: Company | None,
    trigger: Trigger | None,
    contact: Contact | None,
) -> RenderedMessage:
    link = tracked_url(settings, message.token)
    unsubscribe = unsubscribe_url(settings, message.token)
    context = template_context(company, trigger, contact)
    context.update(link=link, unsubscribe_link=unsubscribe)
    body = render(variant.body, context)
    call = render(variant.call_to_action, context)
    if link not in body:
        body = f"{body}\n\n{call}: {link}"
    return RenderedMessage(
        subject=one_line(render(variant.subject or "", context), SUBJECT_LIMIT),
        body=body,
        link=link,
        unsubscribe_link=unsubscribe,
    )
