"""Leads as a table for a CRM import or a spreadsheet: ``sinyal leads export``.

One row per lead with its answers flattened into columns. Contact details are only there for
leads that consented (the store holds them for no one else) and are empty once erased.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.qualification import ANSWER_FIELDS
from sinyal.store.models import Consultant, Handover, Lead

Format = Literal["csv", "xlsx"]


def lead_rows(session: Session) -> list[dict[str, Any]]:
    names = dict(session.execute(select(Consultant.id, Consultant.name)).all())
    claimed = dict(session.execute(select(Handover.lead_id, Handover.claimed_at)).all())
    rows = []
    for lead in session.scalars(select(Lead).order_by(Lead.id)):
        answers = lead.answers or {}
        rows.append(
            {
                "id": lead.id,
                "created_at": lead.created_at,
                "company": lead.company_name,
                "status": lead.status,
                "stage": lead.stage,
                "score": lead.score,
                "consultant": names.get(lead.consultant_id or 0),
                "claimed_at": claimed.get(lead.id),
                "contact_name": lead.contact_name,
                "email": lead.email,
                "phone": lead.phone,
                "preferred_contact_time": lead.preferred_contact_time,
                **{field: _cell(answers.get(field)) for field in ANSWER_FIELDS},
                "flags": ", ".join(lead.flags or []),
                "lost_reason": lead.lost_reason,
                "won_value": lead.won_value,
                "erased": lead.erased_at is not None,
            }
        )
    return rows


def _cell(value: Any) -> Any:
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def export_leads(session: Session, fmt: Format, output: Path | None) -> str | None:
    """Write the leads to ``output`` (CSV to the returned string when no file is given)."""
    frame = pd.DataFrame(lead_rows(session))
    for column in ("created_at", "claimed_at"):  # spreadsheets have no time zones
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
    if fmt == "xlsx":
        if output is None:
            raise ValueError("xlsx needs --output FILE")
        frame.to_excel(output, index=False, sheet_name="leads")
        return None
    if output is None:
        return str(frame.to_csv(index=False))
    frame.to_csv(output, index=False)
    return None
