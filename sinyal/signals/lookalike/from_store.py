"""The lookalike universe from the store: every company, its postings and news, its outcome.

A won client is a company with a lead in stage ``won`` (won on the day of its first ``won``
event; none recorded, the day is unknown) or one marked as a client (day unknown); a lost one
has a lost lead and none won. A posting counts from the day it went up (its chain's original
start, as triggers count it), and a role re-posted is one posting: a source's first scrape is
no hiring burst, and re-posting is no extra pace. Companies without a city take the place most
of their postings name.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sinyal.signals.lookalike.universe import CompanyProfile, PostingSeen, SignalSeen, Universe
from sinyal.store.models import (
    Company,
    CompanySignal,
    EventType,
    JobPosting,
    KpiEvent,
    Lead,
    LeadStage,
)

_FIRST_NUMBER = re.compile(r"\d[\d.,]*")


def employees_from_size(size: str | None) -> int | None:
    """``"50-249"`` -> 50, ``"1,200"`` -> 1200: the store keeps what the source said."""
    match = _FIRST_NUMBER.search(size or "")
    if not match:
        return None
    number = int(re.sub(r"[.,]", "", match.group()))
    return number or None


def won_and_lost(session: Session) -> tuple[dict[int, date | None], set[int]]:
    """The won clients' company ids with their win days, and the lost ones' ids."""
    won: dict[int, date | None] = {}
    first_win = (
        select(Lead.company_id, func.min(KpiEvent.occurred_at))
        .join(KpiEvent, KpiEvent.lead_id == Lead.id)
        .where(KpiEvent.type == EventType.WON.value, Lead.company_id.is_not(None))
        .group_by(Lead.company_id)
    )
    for company_id, at in session.execute(first_win):
        if company_id is not None:
            won[company_id] = at.date()
    stages = select(Lead.company_id, Lead.stage).where(
        Lead.company_id.is_not(None), Lead.stage.in_([LeadStage.WON.value, LeadStage.LOST.value])
    )
    lost: set[int] = set()
    for company_id, stage in session.execute(stages):
        if company_id is None:
            continue
        if stage == LeadStage.WON.value:
            won.setdefault(company_id, None)
        else:
            lost.add(company_id)
    for company_id in session.scalars(select(Company.id).where(Company.is_client.is_(True))):
        won.setdefault(company_id, None)
    return won, lost - set(won)


def _postings(
    session: Session, key_of: dict[int, str]
) -> tuple[list[PostingSeen], dict[int, Counter[str]]]:
    """One posting per role (re-posts joined), and the places each company's roles name."""
    chains: dict[tuple[int, str], PostingSeen] = {}
    places: dict[int, Counter[str]] = defaultdict(Counter)
    rows = session.execute(
        select(
            JobPosting.company_id,
            JobPosting.repost_key,
            JobPosting.title,
            JobPosting.original_start,
            JobPosting.closed_at,
            JobPosting.location,
        ).order_by(JobPosting.id)
    )
    for company_id, chain, title, start, closed_at, location in rows:
        closed = closed_at.date() if closed_at else None
        seen = chains.get((company_id, chain))
        if seen is None:
            chains[company_id, chain] = PostingSeen(key_of[company_id], title, start, closed)
            if location:
                places[company_id][location.split(",")[0].strip()] += 1
        elif seen.closed is not None:  # still open if any post of the role is
            latest = None if closed is None else max(closed, seen.closed)
            chains[company_id, chain] = replace(seen, closed=latest)
    return list(chains.values()), places


def universe_from_store(
    session: Session, outcomes: tuple[dict[int, date | None], set[int]] | None = None
) -> Universe:
    """The store as a universe; ``outcomes`` when ``won_and_lost`` was asked already."""
    companies = list(session.scalars(select(Company).order_by(Company.id)))
    key_of = {c.id: CompanyProfile(c.name).key for c in companies}
    postings, places = _postings(session, key_of)
    signals = [
        SignalSeen(key_of[company_id], kind, published or first_seen.date())
        for company_id, kind, published, first_seen in session.execute(
            select(
                CompanySignal.company_id,
                CompanySignal.type,
                CompanySignal.published_at,
                CompanySignal.first_seen,
            ).where(CompanySignal.company_id.is_not(None), CompanySignal.duplicate_of.is_(None))
        )
        if company_id is not None
    ]
    won, lost = outcomes or won_and_lost(session)
    profiles = [
        CompanyProfile(
            name=c.name,
            domain=c.domain,
            industry=c.industry,
            employees=employees_from_size(c.size),
            city=c.city or (places[c.id].most_common(1)[0][0] if places[c.id] else None),
            country=c.country,
            id=c.id,
        )
        for c in companies
    ]
    return Universe(
        profiles,
        postings,
        signals,
        {key_of[i]: day for i, day in won.items()},
        {key_of[i] for i in lost},
    )
