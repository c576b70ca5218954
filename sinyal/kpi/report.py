"""``sinyal kpi report``: every KPI for a window, as one plain structure (JSON-ready)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from sinyal.kpi import metrics
from sinyal.kpi.conversations import conversation_metrics
from sinyal.kpi.event_frame import load_events
from sinyal.kpi.metrics import ConsultantTarget, FlowCosts, Window
from sinyal.store.models import Consultant, Flow


@dataclass(frozen=True)
class KpiQuery:
    window: Window
    by: str = "month"  # week | month
    flow: str | None = None
    consultant: str | None = None


def _flow_costs(session: Session, only: str | None) -> list[FlowCosts]:
    rows = session.scalars(select(Flow).order_by(Flow.name)).all()
    costs = []
    for row in rows:
        if only is not None and row.name != only:
            continue
        spec = (row.definition or {}).get("costs") or {}
        costs.append(
            FlowCosts(
                row.name,
                row.id,
                float(spec.get("per_message") or 0.0),
                float(spec.get("fixed") or 0.0),
                str(spec.get("currency") or "EUR"),
            )
        )
    return costs


def _targets(session: Session, only: str | None) -> list[ConsultantTarget]:
    query = select(Consultant).where(Consultant.active.is_(True)).order_by(Consultant.name)
    if only is not None:
        query = select(Consultant).where(Consultant.name == only)
    return [ConsultantTarget(c.id, c.name, c.monthly_target) for c in session.scalars(query)]


def kpi_report(session: Session, query: KpiQuery, tracker: URL | None = None) -> dict[str, Any]:
    """Every KPI of the window; with ``tracker`` (Rasa's tracker store) also how chats went."""
    frame = load_events(session, query.flow, query.consultant)
    window = query.window
    step_counts = metrics.counts(frame, window)
    chats = conversation_metrics(session, tracker, window, query.flow) if tracker else []
    return {
        "window": {"from": _iso(window.start), "to": _iso(window.end)},
        "filters": {"flow": query.flow, "consultant": query.consultant},
        "counts": step_counts,
        "funnel": metrics.funnel(step_counts),
        "lead_to_client": metrics.lead_to_client(frame, window),
        "speed_to_lead": metrics.speed_to_lead(frame, window),
        **metrics.outcomes(frame, window),
        "roi": metrics.roi(frame, window, _flow_costs(session, query.flow)),
        "consultants": metrics.consultants(frame, window, _targets(session, query.consultant)),
        "trend": metrics.trend(frame, window, query.by),
        "conversations": chats,
    }


def _iso(moment: datetime) -> str:
    return moment.date().isoformat()
