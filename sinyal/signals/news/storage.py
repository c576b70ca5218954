"""Signals into the store, each URL once, the same story on several sites collapsed.

Every URL becomes one row, so a second run recognises what it has read (``story_key``). A
row is a duplicate of an earlier one when both are about the same company (the same known
company, or the same name with legal forms folded), of the same type, published within
``SAME_STORY_DAYS`` of each other: a newspaper, a trade paper and the press release of one
funding round are one signal, not three. What a person sees (``sinyal signals list``, the
trigger's evidence) is the first row of each story.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scrapers.normalize import normalize_company
from sinyal.signals.news.kinds import SignalType
from sinyal.signals.news.news_signal import NewsSignal
from sinyal.store.models import CompanySignal, utcnow

SAME_STORY_DAYS = 7


class Saved(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"  # a new URL telling a story already stored
    SEEN = "seen"  # this URL was read before


@dataclass(frozen=True)
class Kept:
    """What a flow's ``news:`` settings let through: strong enough and recent enough."""

    min_confidence: float
    max_age_days: int

    def keeps(self, signal: NewsSignal, today: date) -> bool:
        if signal.type is SignalType.NONE or signal.confidence < self.min_confidence:
            return False
        published = signal.published_at
        return published is None or (today - published).days <= self.max_age_days


def with_plausible_date(signal: NewsSignal, today: date) -> NewsSignal:
    """A publication date after tomorrow is a feed's mistake (or a trick to stay fresh
    forever): such an item counts as undated, i.e. from the day it was first seen."""
    if signal.published_at and signal.published_at > today + timedelta(days=1):
        return replace(signal, published_at=None)
    return signal


def story_key(url: str) -> str:
    return hashlib.sha256(url.strip().encode()).hexdigest()


def _same_story(session: Session, signal: NewsSignal) -> CompanySignal | None:
    if signal.company_id is None and not signal.company:
        return None
    day = signal.published_at or utcnow().date()
    window = (day - timedelta(days=SAME_STORY_DAYS), day + timedelta(days=SAME_STORY_DAYS))
    # An undated row counts from the day it was first seen, not as "any time".
    row_day = func.coalesce(CompanySignal.published_at, func.date(CompanySignal.first_seen))
    query = select(CompanySignal).where(
        CompanySignal.type == signal.type.value,
        CompanySignal.duplicate_of.is_(None),
        row_day.between(*window),
    )
    if signal.company_id is not None:
        query = query.where(CompanySignal.company_id == signal.company_id)
    else:
        query = query.where(CompanySignal.company_id.is_(None))
    folded = normalize_company(signal.company or "")
    for row in session.scalars(query.order_by(CompanySignal.id)):
        if signal.company_id is not None or normalize_company(row.company_name or "") == folded:
            return row
    return None


def save_signal(session: Session, signal: NewsSignal, source: str) -> Saved:
    """Store one signal; another process storing the same URL at the same moment makes this
    one SEEN (the unique story key decides), never a failed run."""
    key = story_key(signal.url)
    if session.scalar(select(CompanySignal.id).where(CompanySignal.story_key == key)):
        return Saved.SEEN
    first = _same_story(session, signal)
    try:
        with session.begin_nested():
            _insert(session, signal, source, key, first)
    except IntegrityError:
        return Saved.SEEN
    return Saved.DUPLICATE if first else Saved.NEW


def _insert(
    session: Session, signal: NewsSignal, source: str, key: str, first: CompanySignal | None
) -> None:
    session.add(
        CompanySignal(
            company_id=signal.company_id,
            company_name=(signal.company or "")[:300] or None,
            type=signal.type.value,
            polarity=signal.polarity.value,
            confidence=signal.confidence,
            published_at=signal.published_at,
            language=signal.language,
            url=signal.url[:2000],
            title=signal.title[:1000],
            evidence=signal.evidence,
            source=source[:300],
            story_key=key,
            duplicate_of=first.id if first else None,
        )
    )
    session.flush()


def save_signals(session: Session, signals: Sequence[NewsSignal], source: str) -> dict[Saved, int]:
    counts = dict.fromkeys(Saved, 0)
    for signal in signals:
        counts[save_signal(session, signal, source)] += 1
    return counts
