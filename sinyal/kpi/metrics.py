"""The KPI definitions, one function each, over the event frame of ``sinyal.kpi.event_frame``.

A window is [start, end) in UTC. Counting measures count events inside the window; cohort
measures follow the leads that entered in the window to wherever they got since (a lead
qualified in March and won in May counts as converted in a March report). The README's KPI
section states each definition in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

#: The pipeline stages a lead moves through after handover, in order (sinyal.leads.lifecycle).
STAGES = ("claimed", "contacted", "meeting")
CONTACT_STAGES = {"contacted", "meeting", "proposal", "won"}
AVERAGE_MONTH_DAYS = 30.4375


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def months(self) -> float:
        return (self.end - self.start).total_seconds() / 86400 / AVERAGE_MONTH_DAYS

    def holds(self, stamps: pd.Series) -> pd.Series:
        """Which of these timestamps fall in [start, end)."""
        return (stamps >= pd.Timestamp(self.start)) & (stamps < pd.Timestamp(self.end))

    def events_in(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame[self.holds(frame["occurred_at"])]


def _of(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    return frame[frame["type"] == kind]


def _stage(frame: pd.DataFrame, stage: str) -> pd.DataFrame:
    return frame[(frame["type"] == "stage_changed") & (frame["stage"] == stage)]


def counts(frame: pd.DataFrame, window: Window) -> dict[str, int]:
    """How many of each step happened in the window (leads and messages counted once)."""
    inside = window.events_in(frame)

    def distinct(rows: pd.DataFrame, column: str) -> int:
        return int(rows[column].dropna().nunique())

    return {
        "new_triggers": len(_of(inside, "trigger_created")),
        "outreach_sent": len(_of(inside, "sent")),
        "clicks": distinct(_of(inside, "clicked"), "outreach_message_id"),
        "chats_started": len(_of(inside, "chat_started")),
        "qualified_leads": distinct(_of(inside, "qualified"), "lead_id"),
        "handovers": distinct(_of(inside, "handed_over"), "lead_id"),
        "claimed": distinct(_stage(inside, "claimed"), "lead_id"),
        "contacted": distinct(_stage(inside, "contacted"), "lead_id"),
        "meetings": distinct(_stage(inside, "meeting"), "lead_id"),
        "won": distinct(_of(inside, "won"), "lead_id"),
        "lost": distinct(_of(inside, "lost"), "lead_id"),
    }


FUNNEL = (
    "outreach_sent",
    "clicks",
    "chats_started",
    "qualified_leads",
    "handovers",
    "claimed",
    "contacted",
    "meetings",
    "won",
)


def funnel(step_counts: dict[str, int]) -> list[dict[str, Any]]:
    """Each step with its conversion from the step before and the share that dropped off."""
    rows: list[dict[str, Any]] = []
    previous: int | None = None
    for step in FUNNEL:
        count = step_counts[step]
        conversion = count / previous if previous else None
        rows.append(
            {
                "step": step,
                "count": count,
                "conversion": conversion,
                "drop_off": None if conversion is None else 1 - conversion,
            }
        )
        previous = count
    return rows


def _first(frame: pd.DataFrame) -> pd.Series:
    """The first time each lead had one of these events."""
    return frame.dropna(subset=["lead_id"]).groupby("lead_id")["occurred_at"].min()


def speed_to_lead(frame: pd.DataFrame, window: Window) -> dict[str, Any]:
    """Minutes from handover to the first human contact, for leads handed over in the window."""
    handed = _first(_of(frame, "handed_over"))
    handed = handed[window.holds(handed)]
    touched = frame[
        (frame["type"] == "contact_attempted")
        | ((frame["type"] == "stage_changed") & frame["stage"].isin(CONTACT_STAGES))
    ]
    first_contact = _first(touched)
    joined = pd.concat([handed.rename("handed"), first_contact.rename("contact")], axis=1)
    joined = joined.dropna(subset=["handed"])
    minutes = ((joined["contact"] - joined["handed"]).dt.total_seconds() / 60).dropna()
    return {
        "p50_minutes": float(minutes.quantile(0.5)) if len(minutes) else None,
        "p90_minutes": float(minutes.quantile(0.9)) if len(minutes) else None,
        "contacted": len(minutes),
        "not_yet_contacted": int(joined["contact"].isna().sum()),
    }


def lead_to_client(frame: pd.DataFrame, window: Window) -> float | None:
    """Of the leads qualified in the window, the share won since."""
    qualified = _first(_of(frame, "qualified"))
    cohort = qualified[window.holds(qualified)].index
    if len(cohort) == 0:
        return None
    won = set(_of(frame, "won")["lead_id"].dropna())
    return sum(1 for lead in cohort if lead in won) / len(cohort)


def outcomes(frame: pd.DataFrame, window: Window) -> dict[str, float | None]:
    """Win rate, average fee and cycle length of the deals closed in the window."""
    inside = window.events_in(frame)
    won, lost = _of(inside, "won"), _of(inside, "lost")
    closed = won["lead_id"].nunique() + lost["lead_id"].nunique()
    values = pd.to_numeric(won["payload"].map(lambda p: p.get("value")), errors="coerce")
    created = _first(_of(frame, "lead_created"))
    cycle = (
        won.assign(created=won["lead_id"].map(created))
        .dropna(subset=["created"])
        .pipe(lambda w: (w["occurred_at"] - w["created"]).dt.total_seconds() / 86400)
    )
    return {
        "win_rate": won["lead_id"].nunique() / closed if closed else None,
        "average_fee": float(values.mean()) if values.notna().any() else None,
        "fees_won": float(values.sum()),
        "cycle_days": float(cycle.mean()) if len(cycle) else None,
    }


@dataclass(frozen=True)
class FlowCosts:
    name: str
    flow_id: int
    per_message: float
    fixed_per_month: float
    currency: str


def roi(frame: pd.DataFrame, window: Window, flows: list[FlowCosts]) -> list[dict[str, Any]]:
    """Fees won against the flow's cost: messages sent times their price plus fixed spend."""
    inside = window.events_in(frame)
    rows = []
    for flow in flows:
        mine = inside[inside["flow_id"] == flow.flow_id]
        sent = len(_of(mine, "sent"))
        won = _of(mine, "won")
        fees = float(
            pd.to_numeric(won["payload"].map(lambda p: p.get("value")), errors="coerce").sum()
        )
        cost = sent * flow.per_message + flow.fixed_per_month * window.months
        rows.append(
            {
                "flow": flow.name,
                "sent": sent,
                "won": int(won["lead_id"].nunique()),
                "fees": fees,
                "cost": round(cost, 2),
                "currency": flow.currency,
                "roi": (fees - cost) / cost if cost else None,
            }
        )
    return rows


@dataclass(frozen=True)
class ConsultantTarget:
    consultant_id: int
    name: str
    monthly_target: int | None


def consultants(
    frame: pd.DataFrame, window: Window, people: list[ConsultantTarget]
) -> list[dict[str, Any]]:
    """Per consultant: leads received, contacted, won, and the gap to the period's target."""
    inside = window.events_in(frame)
    contacts = inside[
        (inside["type"] == "contact_attempted")
        | ((inside["type"] == "stage_changed") & (inside["stage"] == "contacted"))
    ]
    rows = []
    for person in people:

        def leads(rows: pd.DataFrame, who: int = person.consultant_id) -> int:
            return int(rows[rows["consultant_id"] == who]["lead_id"].nunique())

        won = leads(_of(inside, "won"))
        target = (
            round(person.monthly_target * window.months, 1)
            if person.monthly_target is not None
            else None
        )
        rows.append(
            {
                "consultant": person.name,
                "leads_received": leads(_of(inside, "handed_over")),
                "contacted": leads(contacts),
                "won": won,
                "target": target,
                "gap": None if target is None else round(target - won, 1),
            }
        )
    return rows


TREND_MEASURES = ("outreach_sent", "clicks", "chats_started", "qualified_leads", "won")


def trend(frame: pd.DataFrame, window: Window, by: str) -> list[dict[str, Any]]:
    """The main counts per week or month of the window, each with its change on the last."""
    freq = {"week": "W-MON", "month": "MS"}[by]
    first = pd.Timestamp(window.start.replace(tzinfo=None))
    first = first.to_period("W" if by == "week" else "M").start_time.tz_localize("UTC")
    starts = pd.date_range(first, pd.Timestamp(window.end), freq=freq, inclusive="left")
    rows: list[dict[str, Any]] = []
    for start in starts:
        end = start + (pd.DateOffset(weeks=1) if by == "week" else pd.DateOffset(months=1))
        bucket = Window(
            max(start.to_pydatetime(), window.start), min(end.to_pydatetime(), window.end)
        )
        if bucket.start >= bucket.end:
            continue
        values = counts(frame, bucket)
        row: dict[str, Any] = {"period": start.date().isoformat()}
        row.update({m: values[m] for m in TREND_MEASURES})
        if rows:
            last = rows[-1]
            row["change"] = {
                m: (values[m] - last[m]) / last[m] if last[m] else None for m in TREND_MEASURES
            }
        else:
            row["change"] = dict.fromkeys(TREND_MEASURES)
        rows.append(row)
    return rows
