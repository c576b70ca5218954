"""The KPIs of a month worked out by hand, against ``kpi_report`` on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sinyal.kpi.metrics import Window
from sinyal.kpi.report import KpiQuery, kpi_report
from sinyal.store import Store
from sinyal.store.models import Consultant, Flow, KpiEvent, Lead, MessageVariant, OutreachMessage

OCTOBER = Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))


def at(day: int, hour: int = 9, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def october(store: Store) -> Store:
    seed_october(store)
    return store


def seed_october(store: Store) -> None:
    """Ten emails, three clicked, two chats, four leads (one from September) in October."""
    with store.transaction() as s:
        flow = Flow(
            name="f",
            definition={"costs": {"per_message": 0.5, "fixed": 100, "currency": "EUR"}},
            definition_hash="h",
        )
        s.add(flow)
        s.flush()
        variant = MessageVariant(flow_id=flow.id, key="A", body="b")
        anna = Consultant(name="Anna", monthly_target=2)
        budi = Consultant(name="Budi")
        s.add_all([variant, anna, budi])
        s.flush()
        messages = [
            OutreachMessage(token=f"t{i}", flow_id=flow.id, variant_id=variant.id, channel="email")
            for i in range(10)
        ]
        leads = [Lead(flow_id=flow.id if i == 0 else None) for i in range(4)]
        s.add_all(messages + leads)
        s.flush()
        l1, l2, l3, l4 = (lead.id for lead in leads)

        def event(kind: str, when: datetime, **ids: Any) -> None:
            s.add(KpiEvent(type=kind, occurred_at=when, **ids))

        def stage(lead: int, name: str, when: datetime, consultant: int) -> None:
            s.add(
                KpiEvent(
                    type="stage_changed",
                    occurred_at=when,
                    lead_id=lead,
                    consultant_id=consultant,
                    payload={"stage": name},
                )
            )

        for day in (1, 2, 3):
            event("trigger_created", at(day))
        for m in messages:
            event("sent", at(1, 8), flow_id=flow.id, outreach_message_id=m.id)
        for index, m in enumerate(messages[:3] + messages[:1]):  # message 1 clicked twice
            event("clicked", at(1, 10 + index), flow_id=flow.id, outreach_message_id=m.id)
        for _ in range(2):
            event("chat_started", at(2, 8))
        for lead, when, who in (
            (l1, at(2), anna.id),
            (l2, at(10, 12), anna.id),
            (l3, at(30), budi.id),
        ):
            ids = {
                "lead_id": lead,
                "consultant_id": who,
                "flow_id": flow.id if lead == l1 else None,
            }
            for kind in ("lead_created", "qualified", "handed_over"):
                event(kind, when, **ids)
        stage(l1, "claimed", at(2, 9, 10), anna.id)
        event("contact_attempted", at(2, 9, 30), lead_id=l1, consultant_id=anna.id)
        stage(l1, "contacted", at(2, 10), anna.id)
        stage(l1, "meeting", at(5), anna.id)
        s.add(KpiEvent(type="won", occurred_at=at(20), lead_id=l1, consultant_id=anna.id,
                       flow_id=flow.id, payload={"value": 12000}))  # fmt: skip
        stage(l2, "claimed", at(10, 14), anna.id)
        stage(l2, "contacted", at(10, 16), anna.id)
        event("lost", at(25), lead_id=l2, consultant_id=anna.id)
        for kind in ("lead_created", "qualified", "handed_over"):
            event(kind, at(28, month=9), lead_id=l4, consultant_id=budi.id)
        s.add(KpiEvent(type="won", occurred_at=at(3), lead_id=l4, consultant_id=budi.id,
                       payload={"value": 8000}))  # fmt: skip
        for m in messages[:5]:
            event("sent", at(2, month=11), flow_id=flow.id, outreach_message_id=m.id)


def test_a_month_of_kpis_matches_the_hand_count(october: Store) -> None:
    with october.transaction() as s:
        report = kpi_report(s, KpiQuery(OCTOBER))
    assert report["counts"] == {
        "new_triggers": 3,
        "outreach_sent": 10,
        "clicks": 3,
        "chats_started": 2,
        "qualified_leads": 3,
        "handovers": 3,
        "claimed": 2,
        "contacted": 2,
        "meetings": 1,
        "won": 2,
        "lost": 1,
    }
    funnel = {row["step"]: row for row in report["funnel"]}
    assert funnel["clicks"]["conversion"] == pytest.approx(0.3)
    assert funnel["clicks"]["drop_off"] == pytest.approx(0.7)
    assert funnel["outreach_sent"]["conversion"] is None
    # Speed-to-lead: 30 minutes (a call attempt) and 240 minutes; one lead not contacted yet.
    assert report["speed_to_lead"] == {
        "p50_minutes": pytest.approx(135.0),
        "p90_minutes": pytest.approx(219.0),
        "contacted": 2,
        "not_yet_contacted": 1,
    }
    assert report["lead_to_client"] == pytest.approx(1 / 3)  # of October's three, one won
    assert report["win_rate"] == pytest.approx(2 / 3)
    assert report["average_fee"] == pytest.approx(10_000)
    assert report["cycle_days"] == pytest.approx((18 + 5) / 2)
    months = 31 / 30.4375
    [roi] = report["roi"]
    cost = 10 * 0.5 + 100 * months
    assert (roi["sent"], roi["won"], roi["fees"]) == (10, 1, 12_000)
    assert roi["cost"] == pytest.approx(cost, abs=0.01)
    assert roi["roi"] == pytest.approx((12_000 - cost) / cost, rel=1e-3)
    anna, budi = report["consultants"]
    assert anna == {
        "consultant": "Anna",
        "leads_received": 2,
        "contacted": 2,
        "won": 1,
        "target": round(2 * months, 1),
        "gap": round(round(2 * months, 1) - 1, 1),
    }
    assert (budi["leads_received"], budi["won"], budi["target"]) == (1, 1, None)


def test_filters_narrow_to_a_consultant_or_a_flow(october: Store) -> None:
    with october.transaction() as s:
        anna = kpi_report(s, KpiQuery(OCTOBER, consultant="Anna"))
        flow = kpi_report(s, KpiQuery(OCTOBER, flow="f"))
    assert anna["counts"]["handovers"] == 2 and anna["counts"]["outreach_sent"] == 0
    assert [c["consultant"] for c in anna["consultants"]] == ["Anna"]
    assert flow["counts"]["outreach_sent"] == 10 and flow["counts"]["won"] == 1


def test_trend_by_week_shows_the_change_on_the_week_before(october: Store) -> None:
    with october.transaction() as s:
        report = kpi_report(s, KpiQuery(OCTOBER, by="week"))
    weeks = report["trend"]
    assert weeks[0]["period"] == "2026-09-28" and weeks[0]["outreach_sent"] == 10
    assert weeks[1]["outreach_sent"] == 0 and weeks[1]["change"]["outreach_sent"] == -1.0
    assert sum(w["won"] for w in weeks) == 2
    assert all(w["period"] < "2026-11-01" for w in weeks)


def test_an_empty_store_reports_zeros_not_errors(store: Store) -> None:
    with store.transaction() as s:
        report = kpi_report(s, KpiQuery(OCTOBER))
    assert set(report["counts"].values()) == {0}
    assert report["win_rate"] is None and report["speed_to_lead"]["p50_minutes"] is None
    assert report["trend"][0]["change"]["won"] is None
    assert report["window"] == {"from": "2026-10-01", "to": "2026-11-01"}
    assert timedelta(0) < OCTOBER.end - OCTOBER.start
