"""How news signals move a trigger: recent good news adds to its score, bad news stops outreach.

A positive signal adds ``weight x confidence``, halved every half-life of its type (a flow's
``news.half_life_days`` or ``kinds.DEFAULT_HALF_LIFE_DAYS``): a plant opened last week says
"call now", one opened two years ago says little. A negative signal (layoffs, insolvency) no
older than ``news.suppress_negative_days`` suppresses the trigger: the company still has
long-open postings, but nobody should offer it recruiting help this month. Signals older than
``news.max_age_days`` are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.flows import NewsConfig
from sinyal.signals.news.kinds import DEFAULT_HALF_LIFE_DAYS, NEGATIVE_TYPES, SignalType
from sinyal.store.models import CompanySignal

if TYPE_CHECKING:
    from sinyal.signals.triggers import Candidate


def half_life(kind: SignalType, news: NewsConfig) -> float:
    return float(news.half_life_days.get(kind.value, DEFAULT_HALF_LIFE_DAYS[kind]))  # type: ignore[call-overload]


def signal_weight(kind: SignalType, confidence: float, age_days: int, news: NewsConfig) -> float:
    return news.weight * confidence * 0.5 ** (max(age_days, 0) / half_life(kind, news))


def _entry(row: CompanySignal, day: date, weight: float) -> dict[str, Any]:
    return {
        "signal_id": row.id,
        "type": row.type,
        "polarity": row.polarity,
        "published_at": day.isoformat(),
        "title": row.title,
        "evidence": row.evidence,
        "url": row.url,
        "confidence": round(row.confidence, 3),
        "weight": round(weight, 3),
    }


def join_signals(
    session: Session, candidates: Sequence[Candidate], news: NewsConfig, as_of: date
) -> None:
    """Add each candidate's recent signals (strongest first) and its suppression, if any."""
    by_company = {c.company_id: c for c in candidates}
    if not by_company:
        return
    rows = session.scalars(
        select(CompanySignal)
        .where(
            CompanySignal.company_id.in_(by_company),
            CompanySignal.duplicate_of.is_(None),
        )
        .order_by(CompanySignal.published_at.desc().nulls_last(), CompanySignal.id.desc())
    )
    for row in rows:
        candidate = by_company[row.company_id]  # type: ignore[index]
        day = row.published_at or row.first_seen.date()
        age = (as_of - day).days
        if age > news.max_age_days:
            continue
        kind = SignalType(row.type)
        if kind in NEGATIVE_TYPES:
            if age <= news.suppress_negative_days and candidate.suppressed_by is None:
                candidate.suppressed_by = _entry(row, day, 0.0)
            continue
        weight = signal_weight(kind, row.confidence, age, news)
        candidate.signals.append(_entry(row, day, weight))
    for candidate in candidates:
        candidate.signals.sort(key=lambda s: -s["weight"])
