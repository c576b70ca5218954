"""The A/B report of a flow's own outreach: counts from the store, the flow's planned test."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.flows import FlowDefinition
from sinyal.outreach.ab.counts import VariantCount, variant_counts
from sinyal.outreach.ab.stats import Analysis, Arm, Plan, analyze
from sinyal.store.models import Flow


class ReportError(ValueError):
    pass


@dataclass(frozen=True)
class FlowReport:
    flow: str
    event: str
    counts: list[VariantCount]
    analysis: Analysis


def plan_of(flow: FlowDefinition) -> Plan:
    e = flow.experiment
    return Plan(mde=e.mde, alpha=e.alpha, power=e.power, baseline_rate=e.baseline_rate)


def flow_report(
    session: Session, flow: FlowDefinition, event: str | None = None, plan: Plan | None = None
) -> FlowReport:
    if flow.channel == "ads":
        raise ReportError(
            f"flow {flow.name} runs ads: exposures are the platform's impressions; put its "
            "per-ad report through `sinyal ab analyze --csv`"
        )
    row = session.scalars(select(Flow).where(Flow.name == flow.name)).one_or_none()
    if row is None:
        raise ReportError(f"flow {flow.name} has sent nothing yet (`sinyal outreach run`)")
    event = event or flow.experiment.event
    counts = variant_counts(session, row.id, event)
    live = {v.key for v in flow.variants}
    counts = [c for c in counts if c.key in live or c.exposures]
    if not counts:
        raise ReportError(f"flow {flow.name} has no variants yet")
    arms = [Arm(c.key, c.exposures, c.conversions, c.weight) for c in counts]
    return FlowReport(flow.name, event, counts, analyze(arms, plan or plan_of(flow)))
