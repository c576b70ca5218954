"""The custom audience for ad platforms: the store's best lookalikes as a company list.

The columns are the ones LinkedIn's and Google's company-list uploads take (as the ``ads``
channel's export). Left out: clients, suppressed domains (clients, competitors, opt-outs) and
companies whose trigger is suppressed by bad news (layoffs, insolvency). Won and lost
companies have no lookalike score to begin with.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.outreach.suppression import suppressed_because
from sinyal.store.models import Company, LookalikeScore, Trigger, TriggerStatus

#: Below this, ad platforms' company matching rarely works.
AUDIENCE_MINIMUM = 300
AUDIENCE_COLUMNS = ("name", "website", "domain", "country", "city", "lookalike_score")


def lookalike_audience(session: Session, top: int) -> list[dict[str, str]]:
    """Up to ``top`` companies, best lookalike first."""
    held_back = set(
        session.scalars(
            select(Trigger.company_id).where(Trigger.status == TriggerStatus.SUPPRESSED.value)
        )
    )
    rows = session.execute(
        select(Company, LookalikeScore.score)
        .join(LookalikeScore, LookalikeScore.company_id == Company.id)
        .order_by(LookalikeScore.score.desc(), Company.name)
    )
    audience = []
    for company, score in rows:
        if company.id in held_back or suppressed_because(session, None, company):
            continue
        audience.append(
            {
                "name": company.name,
                "website": company.website or "",
                "domain": company.domain or "",
                "country": company.country or "",
                "city": company.city or "",
                "lookalike_score": f"{score:.4f}",
            }
        )
        if len(audience) >= top:
            break
    return audience


def write_audience(path: Path, rows: list[dict[str, str]]) -> None:
    """Written whole or not at all: a half-written list would upload as a smaller audience."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=AUDIENCE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
