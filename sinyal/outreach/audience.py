"""The custom audience for ad platforms: the store's best lookalikes as a company list.

The columns are the ones LinkedIn's and Google's company-list uploads take (as the ``ads``
channel's export). Left out: clients, suppressed domains (clients, competitors, opt-outs) and
companies whose trigger is suppressed by bad news (layoffs, insolvency). Won and lost
companies have no lookalike score to begin with. Names come from job boards: a cell a
spreadsheet would run as a formula is written as text (``csv_text``).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.outreach.suppression import suppressed_domains
from sinyal.store.models import Company, LookalikeScore, Trigger, TriggerStatus
from sinyal.text import csv_text

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
    domain_suppressed = suppressed_domains(session)
    rows = session.execute(
        select(Company, LookalikeScore.score)
        .join(LookalikeScore, LookalikeScore.company_id == Company.id)
        .where(Company.is_client.is_(False))
        .order_by(LookalikeScore.score.desc(), Company.name)
    )
    audience = []
    for company, score in rows:
        if company.id in held_back or domain_suppressed(company.domain):
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


def audience_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=AUDIENCE_COLUMNS)
    writer.writeheader()
    writer.writerows({k: csv_text(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def write_audience(path: Path, rows: list[dict[str, str]]) -> None:
    """Written whole or not at all: a half-written list would upload as a smaller audience."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        handle.write(audience_csv(rows))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
