"""What a consultant sees about a lead: one card, rendered as text, HTML and JSON.

Rendered from the store at delivery time, so it always shows the lead as it is now (and an
erased lead is not sent at all).

Every value on it came from a prospect, so each is made one line of bounded length
(``one_line``): the title becomes an email Subject, where a line break would start a header of
the prospect's choosing (``Bcc:``), and the card becomes a Telegram message, where it would
start a made-up line ("Phone: ..."). The webhook's JSON keeps the values as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from sinyal.store.models import Consultant, Lead
from sinyal.text import one_line

LABELS = {
    "hiring_roles": "Roles",
    "positions": "Positions",
    "open_days": "Open for (days)",
    "urgency": "Urgency",
    "tried_before": "Tried before",
    "decision_maker": "Decides",
    "fee_model": "Fee model",
    "company_size": "Company size",
    "company_location": "Location",
}
CONTACT = {
    "contact_name": "Name",
    "email": "Email",
    "phone": "Phone",
    "preferred_contact_time": "Best time",
}
#: Characters each shown value may have; a whole card stays within Telegram's 4096.
COMPANY_LIMIT, VALUE_LIMIT = 120, 200


@dataclass(frozen=True)
class LeadCard:
    lead_id: int
    title: str
    facts: list[tuple[str, str]]  # (label, value), in reading order
    link: str
    data: dict[str, Any]  # the webhook's JSON body

    def text(self) -> str:
        lines = [self.title, ""]
        lines += [f"{label}: {value}" for label, value in self.facts]
        return "\n".join([*lines, "", f"Chat: {self.link}"])

    def html(self) -> str:
        rows = "".join(
            f"<tr><th align='left'>{escape(label)}</th><td>{escape(value)}</td></tr>"
            for label, value in self.facts
        )
        return (
            f"<h2>{escape(self.title)}</h2><table>{rows}</table>"
            f"<p><a href='{escape(self.link)}'>Open the chat transcript</a></p>"
        )


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    return one_line(text, VALUE_LIMIT)


def render(
    lead: Lead, consultant: Consultant | None, public_url: str, *, kind: str = "new_lead"
) -> LeadCard:
    company = one_line(lead.company_name or "", COMPANY_LIMIT) or "unknown company"
    prefix = "Unclaimed lead" if kind == "escalation" else "New lead"
    title = f"{prefix} #{lead.id}: {company} ({lead.status}, score {lead.score:.0f})"
    answers = lead.answers or {}
    facts = [(LABELS[k], _shown(answers[k])) for k in LABELS if answers.get(k) not in (None, "")]
    facts += [(label, _shown(getattr(lead, k))) for k, label in CONTACT.items() if getattr(lead, k)]
    if lead.flags:
        facts.append(("Note", _shown(lead.flags)))
    if consultant is not None:
        facts.append(("For", _shown(consultant.name)))
    link = f"{public_url.rstrip('/')}/leads/{lead.id}"
    data = {
        "event": kind,
        "lead": {
            "id": lead.id,
            "company": lead.company_name,
            "status": lead.status,
            "stage": lead.stage,
            "score": lead.score,
            "answers": answers,
            "flags": list(lead.flags or []),
            "contact": {k: getattr(lead, k) for k in CONTACT},
            "created_at": _iso(lead.created_at),
            "url": link,
        },
        "consultant": consultant.name if consultant else None,
    }
    return LeadCard(lead.id, title, facts, link, data)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def erasure_card(lead: Lead) -> LeadCard:
    """``lead.erased`` for the CRM: which lead, when; nothing about the person."""
    data = {
        "event": "lead.erased",
        "lead": {"id": lead.id, "erased_at": _iso(lead.erased_at)},
    }
    return LeadCard(lead.id, f"Lead #{lead.id} erased on the prospect's request", [], "", data)
