"""Leads as a table for a CRM import or a spreadsheet: ``sinyal leads export``.

One row per lead with its answers flattened into columns. Contact details are only there for
leads that consented (the store holds them for no one else) and are empty once erased.

Every text comes from prospects, so no cell may become a formula on a consultant's machine
(OWASP "CSV injection": ``=HYPERLINK(...)`` as a company name). Text starting with a formula
character gets Excel's own text marker: a leading ``'`` in CSV (the one way a CSV can say
"text"; spreadsheets hide it, plain-text readers see it), the quote-prefix flag in xlsx, whose
text cells are stored as strings so the value reads as typed (a phone ``+49 151 ...`` stays
exactly that). Numbers (score, positions, won value) are written as numbers: never formulas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.flows.qualification import ANSWER_FIELDS
from sinyal.store.models import Consultant, Handover, Lead
from sinyal.text import FORMULA_TRIGGERS, csv_text

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
        _write_xlsx(frame, output)
        return None
    frame = frame.map(csv_text)
    if output is None:
        return str(frame.to_csv(index=False))
    frame.to_csv(output, index=False)
    return None


def _write_xlsx(frame: pd.DataFrame, output: Path) -> None:
    # Control characters other than tab and line breaks cannot be stored in xlsx at all
    # (openpyxl refuses the whole file); a prospect may still have typed one.
    frame = frame.map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
    with pd.ExcelWriter(output, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="leads")
        _text_stays_text(writer.sheets["leads"])


def _text_stays_text(sheet: Worksheet) -> None:
    """openpyxl stores a string starting with ``=`` as a formula (and ``#N/A`` as an error):
    make every text cell a string again, and quote-prefixed where it looks like a formula, as
    Excel does for text typed with a leading ``'``, so that editing the cell keeps it text."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_TRIGGERS):
                    cell.quotePrefix = True
