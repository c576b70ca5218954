"""The stored signals as people and tools read them: one row per story, newest first."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from scrapers.normalize import normalize_company
from sinyal.store.models import Company, CompanySignal


def stored_signals(
    session: Session,
    *,
    company: str | None = None,
    kind: str | None = None,
    since: date | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """``company`` matches a known company's name (legal form folded) or the name an item gave."""
    retold = aliased(CompanySignal)
    sites = (
        select(func.count(retold.id)).where(retold.duplicate_of == CompanySignal.id)
    ).scalar_subquery()
    query = (
        select(CompanySignal, Company.name, sites)
        .outerjoin(Company, Company.id == CompanySignal.company_id)
        .where(CompanySignal.duplicate_of.is_(None))
        .order_by(CompanySignal.published_at.desc().nulls_last(), CompanySignal.id.desc())
        .limit(limit)
    )
    if kind:
        query = query.where(CompanySignal.type == kind)
    if since:
        query = query.where(CompanySignal.published_at >= since)
    if company:
        folded = normalize_company(company)
        query = query.where(
            or_(Company.normalized_name == folded, CompanySignal.company_name == company)
        )
    return [
        {
            "company": known_name or row.company_name,
            "known_company": known_name is not None,
            "type": row.type,
            "polarity": row.polarity,
            "confidence": round(row.confidence, 3),
            "published_at": row.published_at.isoformat() if row.published_at else None,
            "language": row.language,
            "title": row.title,
            "evidence": row.evidence,
            "url": row.url,
            "sites": 1 + retold_count,
        }
        for row, known_name, retold_count in session.execute(query)
    ]
