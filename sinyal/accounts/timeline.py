"""An account's sections merged into one timeline, newest first: when a posting went up (its
original date, the earliest of a re-posted role's chain) and closed, a trigger was found, news
published, a message sent, a link clicked, a chat started and ended, and each step of its
leads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sinyal.store.models import KpiEvent

if TYPE_CHECKING:
    from sinyal.accounts.account import Account

MAX_MOMENTS = 300


@dataclass(frozen=True)
class Moment:
    at: datetime
    kind: str  # posting, trigger, news, outreach, click, chat, lead
    text: str
    link: str | None = None


def _when(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _postings(account: Account) -> list[Moment]:
    moments = []
    went_up: dict[str, set[date]] = {}
    for p in sorted(account.postings, key=lambda p: p["open_since"]):
        days = went_up.setdefault(p["role"], set())
        if p["open_since"] not in days:  # a re-post joined to its chain went up only once
            verb = "re-posted" if days else "posted"
            days.add(p["open_since"])
            moments.append(Moment(_when(p["open_since"]), "posting", f"{verb}: {p['title']}"))
        if p["closed_at"]:
            text = f"posting closed after {p['days_open']} days: {p['title']}"
            moments.append(Moment(_when(p["closed_at"]), "posting", text))
    return moments


def _signals_and_triggers(account: Account) -> list[Moment]:
    moments = [
        Moment(_when(t["detected_at"]), "trigger", f"trigger in flow {t['flow']} ({t['status']})")
        for t in account.triggers
    ]
    moments += [
        Moment(
            _when(s["published_at"] or s["first_seen"]), "news", f"{s['type']}: {s['title']}",
            s["url"],
        )
        for s in account.signals
    ]  # fmt: skip
    return moments


def _outreach(account: Account) -> list[Moment]:
    moments = [
        Moment(_when(m["sent_at"]), "outreach",
               f"message sent: {m['flow']} / {m['variant']} by {m['channel']}")
        for m in account.messages
        if m["sent_at"]
    ]  # fmt: skip
    moments += [
        Moment(_when(c["at"]), "click", f"link clicked: {c['link']}") for c in account.clicks
    ]
    for chat in account.chats:
        link = f"/leads/{chat['lead']}" if chat["lead"] else None
        moments.append(
            Moment(_when(chat["started_at"]), "chat", f"chat started ({chat['channel']})", link)
        )
        if chat["outcome"] != "open":
            moments.append(
                Moment(
                    _when(chat["last_active_at"]), "chat", f"chat ended: {chat['outcome']}", link
                )
            )
    return moments


def _lead_steps(events: list[KpiEvent]) -> list[Moment]:
    moments = []
    for e in events:
        detail = _payload(e.payload)
        text = f"lead #{e.lead_id}: {e.type.replace('_', ' ')}" + (f" ({detail})" if detail else "")
        moments.append(Moment(_when(e.occurred_at), "lead", text, f"/leads/{e.lead_id}"))
    return moments


def _payload(payload: dict[str, Any] | None) -> str:
    """The step's fixed-vocabulary details; free text (a lost lead's reason) stays on the
    lead's page, which only consultants open."""
    wanted = ("stage", "outcome")
    return ", ".join(f"{k} {payload[k]}" for k in wanted if payload and payload.get(k))


def timeline(account: Account, lead_events: list[KpiEvent]) -> list[Moment]:
    moments = [
        *_postings(account),
        *_signals_and_triggers(account),
        *_outreach(account),
        *_lead_steps(lead_events),
    ]
    return sorted(moments, key=lambda m: m.at, reverse=True)[:MAX_MOMENTS]
