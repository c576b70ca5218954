"""The event log as a pandas frame, narrowed to a flow or a consultant's leads.

Every KPI is computed from this frame, so a number in a report can always be traced back to
the events that made it. All events are loaded (not just the reporting window): cohort
measures such as speed-to-lead need a lead's later events too.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sinyal.store.models import Consultant, Flow, KpiEvent, Lead

COLUMNS = [
    "type",
    "occurred_at",
    "actor",
    "flow_id",
    "variant_id",
    "outreach_message_id",
    "conversation_id",
    "lead_id",
    "consultant_id",
    "payload",
]


class KpiFilterError(ValueError):
    pass


def load_events(
    session: Session, flow: str | None = None, consultant: str | None = None
) -> pd.DataFrame:
    query = select(*(getattr(KpiEvent, c) for c in COLUMNS)).order_by(KpiEvent.id)
    if flow is not None:
        flow_id = session.scalar(select(Flow.id).where(Flow.name == flow))
        if flow_id is None:
            raise KpiFilterError(f"no flow named {flow!r} in the store")
        query = query.where(KpiEvent.flow_id == flow_id)
    if consultant is not None:
        consultant_id = session.scalar(select(Consultant.id).where(Consultant.name == consultant))
        if consultant_id is None:
            raise KpiFilterError(f"no consultant named {consultant!r}")
        # Their leads: owned now, or handled by them at some point (before an escalation).
        owned = select(Lead.id).where(Lead.consultant_id == consultant_id)
        handled = select(KpiEvent.lead_id).where(KpiEvent.consultant_id == consultant_id)
        query = query.where(or_(KpiEvent.lead_id.in_(owned), KpiEvent.lead_id.in_(handled)))
    frame = pd.DataFrame(session.execute(query).all(), columns=COLUMNS)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    frame["payload"] = frame["payload"].map(lambda p: p if isinstance(p, dict) else {})
    frame["stage"] = frame["payload"].map(lambda p: p.get("stage"))
    return frame
