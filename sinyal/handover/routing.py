"""Who gets a lead: a flow's handover routes, then round robin among those working now.

A flow's ``handover:`` section lists routes; the first whose ``when`` matches the lead picks the
pool: the consultants it names, or every active consultant whose own languages / regions /
industries include the lead's. Among the pool, those within their working hours (or without
any) are available, and the one who got a lead least recently is chosen. Only the chosen row is
written (its ``last_assigned_at``): locking the whole team while choosing deadlocked on
PostgreSQL against the foreign-key checks of concurrent handovers and the dispatcher. Two
handovers at the same instant may therefore pick the same consultant; the next one evens it
out. No route, nobody available: ``None``, and the lead goes to the team.

What a lead is matched on: the chat's language; its region from the phone number's country
(phonenumbers) or, failing that, a consultant region named in the company location; its
industry when the conversation recorded one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.flows.routes import HandoverConfig, HandoverRoute
from sinyal.handover.consultants import WorkingHours
from sinyal.store.models import Consultant, Lead

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LeadFacts:
    language: str | None
    region: str | None
    location: str | None
    industry: str | None

    def get(self, name: str) -> str | None:
        value = getattr(self, name)
        return value.lower() if isinstance(value, str) else None


def facts_for(lead: Lead, language: str | None) -> LeadFacts:
    region = None
    if lead.phone:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(lead.phone))
        except phonenumbers.NumberParseException:
            region = None
    answers = lead.answers or {}
    location = answers.get("company_location")
    return LeadFacts(language, region, location, answers.get("industry"))


def _matches(route: HandoverRoute, facts: LeadFacts) -> bool:
    for name, wanted in route.when.items():
        values = {w.lower() for w in ([wanted] if isinstance(wanted, str) else wanted)}
        if facts.get(name) not in values:
            return False
    return True


def _serves(consultant: Consultant, facts: LeadFacts) -> bool:
    """The consultant's own attributes, where they have any, include the lead's."""
    languages = {x.lower() for x in consultant.languages or []}
    if languages and facts.language and facts.language.lower() not in languages:
        return False
    regions = {x.lower() for x in consultant.regions or []}
    if regions and (facts.region or facts.location):
        location = (facts.location or "").lower()
        if (facts.region or "").lower() not in regions and not any(r in location for r in regions):
            return False
    industries = {x.lower() for x in consultant.industries or []}
    return not (industries and facts.industry and facts.industry.lower() not in industries)


def available(consultant: Consultant, now: datetime) -> bool:
    if not consultant.working_hours:
        return True
    return WorkingHours.model_validate(consultant.working_hours).covers(now)


def choose(
    session: Session,
    config: HandoverConfig,
    facts: LeadFacts,
    now: datetime,
    exclude: frozenset[int] = frozenset(),
) -> Consultant | None:
    """The consultant for a lead with ``facts``; records the assignment time (round robin)."""
    active = list(
        session.scalars(
            select(Consultant).where(Consultant.active.is_(True)).order_by(Consultant.id)
        )
    )
    for route in config.routes:
        if not _matches(route, facts):
            continue
        if route.consultants:
            pool = [c for c in active if c.name in route.consultants]
        else:
            pool = [c for c in active if _serves(c, facts)]
        ready = [c for c in pool if c.id not in exclude and available(c, now)]
        if ready:
            chosen = min(ready, key=lambda c: (c.last_assigned_at or NEVER, c.id))
            chosen.last_assigned_at = now
            return chosen
    return None
