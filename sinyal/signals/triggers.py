"""Triggers: companies whose vacancies have stayed open too long, per flow, with the evidence.

A posting counts when it is open, matches the flow's title/location/marker filters, and has been
open at least its threshold: the occupation group's (``occupations.yml``; shortage occupations
run far longer than the ~90-day average) or the flow's ``min_open_days``. One trigger per company
and flow; its score grows with the number of long-open roles and how far past the threshold
each is, plus recent news (``news/weighing.py``) and the company's resemblance to the won
clients (``lookalike/``). ``detect`` is read-only; ``sync`` writes the result idempotently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapers.normalize import normalize_company, normalize_location
from sinyal.events import event
from sinyal.flows import FlowDefinition, NewsConfig, TriggerRule
from sinyal.signals.lookalike.scores import lookalike_evidence
from sinyal.signals.news.weighing import join_signals
from sinyal.store.models import (
    Company,
    EventType,
    Flow,
    JobPosting,
    Trigger,
    TriggerStatus,
    utcnow,
)

OCCUPATIONS_FILE = Path(__file__).with_name("occupations.yml")
MAX_AGE_FACTOR = 4.0  # a role open 4x its threshold scores no higher than one at 4x


@dataclass(frozen=True)
class Occupation:
    name: str
    min_open_days: int
    keywords: tuple[str, ...]


@cache
def load_occupations(path: Path = OCCUPATIONS_FILE) -> tuple[Occupation, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(
        Occupation(name, int(spec["min_open_days"]), tuple(k.lower() for k in spec["keywords"]))
        for name, spec in data.get("occupations", {}).items()
    )


def threshold_for(normalized_title: str, rule: TriggerRule) -> tuple[int, str | None]:
    """Open days needed for this title, and the occupation group that set it (if any)."""
    if rule.use_occupation_thresholds:
        for occupation in load_occupations():
            if any(keyword in normalized_title for keyword in occupation.keywords):
                return occupation.min_open_days, occupation.name
    return rule.min_open_days, None


@dataclass
class Candidate:
    company_id: int
    company: str
    postings: list[dict[str, Any]] = field(default_factory=list)
    #: Recent news signals about the company, each with its weight in the score (``news.py``).
    signals: list[dict[str, Any]] = field(default_factory=list)
    #: The negative signal (layoffs, insolvency) that forbids outreach for now, if any.
    suppressed_by: dict[str, Any] | None = None
    #: Resemblance to the won clients (``lookalike/``), with its weight in the score.
    lookalike: dict[str, Any] | None = None

    @property
    def posting_score(self) -> float:
        return sum(min(p["days_open"] / p["threshold_days"], MAX_AGE_FACTOR) for p in self.postings)

    @property
    def score(self) -> float:
        news = sum(s["weight"] for s in self.signals)
        lookalike = self.lookalike["weight"] if self.lookalike else 0.0
        return round(self.posting_score + news + lookalike, 2)

    def evidence(self) -> dict[str, Any]:
        return {
            "postings": self.postings,
            "long_open_postings": len(self.postings),
            "max_days_open": max(p["days_open"] for p in self.postings),
            "signals": self.signals,
            "suppressed_by": self.suppressed_by,
            "lookalike": self.lookalike,
        }


def _matches(posting: JobPosting, rule: TriggerRule) -> bool:
    title = posting.normalized_title
    if rule.title_include and not any(k.lower() in title for k in rule.title_include):
        return False
    if any(k.lower() in title for k in rule.title_exclude):
        return False
    if rule.locations:
        location = normalize_location(posting.location)
        if not any(normalize_location(place) in location for place in rule.locations):
            return False
    return not (rule.marker_required and not posting.gender_marker)


def detect(
    session: Session, rule: TriggerRule, as_of: date, news: NewsConfig | None = None
) -> list[Candidate]:
    """Companies that qualify under ``rule`` on ``as_of``, most convincing first; with ``news``
    (the flow's section) their recent news signals count too (``join_signals``)."""
    lowest = min([rule.min_open_days, *(o.min_open_days for o in load_occupations())])
    cutoff = as_of - timedelta(
        days=lowest if rule.use_occupation_thresholds else rule.min_open_days
    )
    excluded = {normalize_company(name) for name in rule.exclude_companies}
    rows = session.execute(
        select(JobPosting, Company)
        .join(Company, Company.id == JobPosting.company_id)
        .where(
            JobPosting.closed_at.is_(None),
            JobPosting.original_start <= cutoff,
            Company.is_client.is_(False),
        )
        .order_by(JobPosting.original_start)
    ).all()
    candidates: dict[int, Candidate] = {}
    for posting, company in rows:
        if company.normalized_name in excluded or not _matches(posting, rule):
            continue
        threshold, occupation = threshold_for(posting.normalized_title, rule)
        days_open = (as_of - posting.original_start).days
        if days_open < threshold:
            continue
        candidate = candidates.setdefault(company.id, Candidate(company.id, company.name))
        candidate.postings.append(
            {
                "posting_id": posting.id,
                "title": posting.title,
                "location": posting.location,
                "url": posting.url,
                "source": posting.source,
                "gender_marker": posting.gender_marker,
                "open_since": posting.original_start.isoformat(),
                "days_open": days_open,
                "threshold_days": threshold,
                "occupation": occupation,
            }
        )
    qualifying = [c for c in candidates.values() if len(c.postings) >= rule.min_postings]
    if news is not None:
        join_signals(session, qualifying, news, as_of)
    _join_lookalike(session, qualifying, rule.lookalike_weight)
    return sorted(qualifying, key=lambda c: (-c.score, c.company))


def _join_lookalike(session: Session, candidates: list[Candidate], weight: float) -> None:
    if weight <= 0:
        return
    found = lookalike_evidence(session, [c.company_id for c in candidates])
    for candidate in candidates:
        if candidate.company_id in found:
            evidence = found[candidate.company_id]
            candidate.lookalike = {**evidence, "weight": round(weight * evidence["score"], 2)}


def sync_flow(session: Session, flow: FlowDefinition) -> Flow:
    """The flow's row (created or updated from its YAML), for foreign keys and history."""
    row = session.scalars(select(Flow).where(Flow.name == flow.name)).one_or_none()
    if row is None:
        row = Flow(
            name=flow.name, definition=flow.model_dump(), definition_hash=flow.definition_hash
        )
        session.add(row)
        session.flush()
    elif row.definition_hash != flow.definition_hash:
        row.definition, row.definition_hash = flow.model_dump(), flow.definition_hash
    return row


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    stale: int = 0


def sync(session: Session, flow: FlowDefinition, as_of: date) -> SyncResult:
    """Write this flow's triggers: one per company, never duplicated; vanished ones go stale."""
    flow_row = sync_flow(session, flow)
    existing = {
        t.company_id: t
        for t in session.scalars(select(Trigger).where(Trigger.flow_id == flow_row.id))
    }
    result = SyncResult()
    now = utcnow()
    current = detect(session, flow.trigger, as_of, flow.news)
    for candidate in current:
        trigger = existing.get(candidate.company_id)
        if trigger is None:
            trigger = Trigger(flow_id=flow_row.id, company_id=candidate.company_id)
            session.add(trigger)
            session.flush()
            session.add(
                event(
                    EventType.TRIGGER_CREATED,
                    "scraper",
                    payload={"score": candidate.score},
                    flow_id=flow_row.id,
                    trigger_id=trigger.id,
                )
            )
            result.created += 1
        else:
            result.updated += 1
        status = TriggerStatus.SUPPRESSED if candidate.suppressed_by else TriggerStatus.OPEN
        trigger.status, trigger.score = status.value, candidate.score
        trigger.evidence, trigger.evaluated_at = candidate.evidence(), now
    qualifying = {c.company_id for c in current}
    for company_id, trigger in existing.items():
        if company_id not in qualifying and trigger.status != TriggerStatus.STALE.value:
            trigger.status, trigger.evaluated_at = TriggerStatus.STALE.value, now
            result.stale += 1
    return result
