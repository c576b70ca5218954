"""The store's lookalike scores: ranked from the store, kept per company, read by triggers,
outreach and the account page.

Each refresh replaces every score (a company's resemblance changes when anyone is won), in
one transaction, so readers see the old ranking or the new one, never half of each. Reading
needs no scikit-learn: the ranking is imported only by ``refresh_scores``, so the web app and
the trigger readers do not load it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from sinyal.store.models import Company, LookalikeScore, utcnow

if TYPE_CHECKING:
    from sinyal.signals.lookalike.ranking import Ranked


def refresh_scores(session: Session) -> list[Ranked]:
    """Rank the store's companies against its won clients and keep the scores (none while
    nothing is won: a ranking against nobody would be noise, and every scrape would read all
    postings for it)."""
    from sinyal.signals.lookalike.from_store import universe_from_store, won_and_lost
    from sinyal.signals.lookalike.ranking import rank

    session.execute(delete(LookalikeScore))
    outcomes = won_and_lost(session)
    if not outcomes[0]:
        return []
    ranked = rank(universe_from_store(session, outcomes))
    now = utcnow()
    rows = [
        {
            "company_id": r.company.id,
            "score": round(r.score, 4),
            "nearest_won_id": r.nearest_won.id if r.nearest_won else None,
            "reasons": list(r.reasons),
            "computed_at": now,
        }
        for r in ranked
    ]
    if rows:
        session.execute(insert(LookalikeScore), rows)
    return ranked


def scores_of(session: Session, company_ids: Iterable[int]) -> dict[int, LookalikeScore]:
    wanted = list(company_ids)
    if not wanted:
        return {}
    found = session.scalars(select(LookalikeScore).where(LookalikeScore.company_id.in_(wanted)))
    return {s.company_id: s for s in found}


def lookalike_evidence(session: Session, company_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each company's score with the name of its nearest won client and the reasons, as a
    trigger's evidence and the account page show them."""
    scores = scores_of(session, company_ids)
    nearest_ids = {s.nearest_won_id for s in scores.values() if s.nearest_won_id}
    names: dict[int, str] = {}
    if nearest_ids:
        rows = session.execute(select(Company.id, Company.name).where(Company.id.in_(nearest_ids)))
        names = {company_id: name for company_id, name in rows}
    return {
        company_id: {
            "score": s.score,
            "nearest_won": names.get(s.nearest_won_id) if s.nearest_won_id else None,
            "reasons": list(s.reasons),
        }
        for company_id, s in scores.items()
    }
