"""Routing a lead to a consultant (flow routes, attributes, working hours, round robin) and
escalating unclaimed leads, on both databases."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from sinyal.flows.routes import HandoverConfig
from sinyal.handover.escalation import escalate_unclaimed
from sinyal.handover.hand_over import hand_over
from sinyal.handover.routing import LeadFacts, choose
from sinyal.leads.lifecycle import change_stage
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Consultant, Handover, KpiEvent, Lead, Notification
from tests.support.factories import add_lead

MONDAY_10_JAKARTA = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
OFFICE_JAKARTA = {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00:00",
                  "to": "17:00:00", "timezone": "Asia/Jakarta"}  # fmt: skip


def team(store: Store) -> dict[str, int]:
    with store.transaction() as s:
        people = [
            Consultant(name="Dewi", languages=["id", "en"], regions=["ID"], telegram_chat_id=11),
            Consultant(name="Budi", languages=["id"], regions=["ID"], telegram_chat_id=12),
            Consultant(name="Markus", languages=["de", "en"], regions=["DE"], telegram_chat_id=13),
            Consultant(name="Night", languages=["id"], working_hours=OFFICE_JAKARTA),
        ]
        s.add_all(people)
        s.flush()
        return {c.name: c.id for c in people}


def picks(store: Store, config: HandoverConfig, facts: LeadFacts, n: int, now: datetime) -> list:
    chosen = []
    for i in range(n):
        with store.transaction() as s:
            consultant = choose(s, config, facts, now + timedelta(minutes=i))
            chosen.append(consultant.name if consultant else None)
    return chosen


def test_round_robin_among_those_who_serve_the_lead_and_are_working(store: Store) -> None:
    team(store)
    indonesian = LeadFacts("id", "ID", "Jakarta", None)
    saturday = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    assert picks(store, HandoverConfig(), indonesian, 4, saturday) == [
        "Dewi",
        "Budi",
        "Dewi",
        "Budi",
    ]
    german = LeadFacts("de", "DE", "Hamburg", None)
    assert picks(store, HandoverConfig(), german, 2, saturday) == ["Markus", "Markus"]
    # in office hours "Night" joins the Indonesian rotation, and is due first (never assigned)
    assert picks(store, HandoverConfig(), indonesian, 1, MONDAY_10_JAKARTA) == ["Night"]


def test_first_matching_route_names_the_pool_and_nobody_means_the_team(store: Store) -> None:
    team(store)
    routes = [
        {"when": {"region": ["ID", "MY"]}, "consultants": ["Budi"]},
        {"when": {"language": "fr"}},
    ]
    config = HandoverConfig.model_validate({"routes": routes})
    english_in_indonesia = LeadFacts("en", "ID", None, None)
    assert picks(store, config, english_in_indonesia, 2, MONDAY_10_JAKARTA) == ["Budi", "Budi"]
    assert picks(store, config, LeadFacts("fr", "FR", None, None), 1, MONDAY_10_JAKARTA) == [None]
    assert picks(store, config, LeadFacts("de", "DE", None, None), 1, MONDAY_10_JAKARTA) == [None]


def test_phone_country_is_the_leads_region(store: Store) -> None:
    team(store)
    with store.transaction() as s:
        lead = add_lead(s, phone="+4940123456", answers={})
        s.execute(update(Lead).values(consultant_id=None))
        s.delete(s.scalars(select(Handover)).one())
        lead_id = lead.id
    with store.transaction() as s:
        result = hand_over(s, lead_id, "qualified", "en", Settings())
    assert result.consultant_name == "Markus"


def test_an_unclaimed_lead_is_escalated_once_to_the_next_consultant(store: Store) -> None:
    ids = team(store)
    settings = Settings()
    with store.transaction() as s:
        lead = add_lead(s, phone="+6281234567890")
        s.delete(s.scalars(select(Handover)).one())
        lead_id = lead.id
    with store.transaction() as s:
        first = hand_over(s, lead_id, "qualified", "id", settings)
    assert escalate_unclaimed(store, settings) == 0  # still inside the 30-minute window
    later = datetime.now(UTC) + timedelta(minutes=31)
    assert escalate_unclaimed(store, settings, later) == 1
    assert escalate_unclaimed(store, settings, later) == 0  # once
    with store.transaction() as s:
        lead = s.get_one(Lead, lead_id)
        assert lead.consultant_id not in (None, ids[first.consultant_name or ""])
        kinds = s.execute(select(Notification.kind, Notification.recipient)).all()
        escalations = s.scalars(select(KpiEvent.type).where(KpiEvent.type == "escalated")).all()
    assert ("escalation", str(12 if first.consultant_name == "Dewi" else 11)) in kinds
    assert escalations == ["escalated"]


def test_a_claimed_lead_is_never_escalated(store: Store) -> None:
    team(store)
    with store.transaction() as s:
        lead_id = add_lead(s).id
        s.execute(update(Handover).values(claim_within_minutes=5))
    with store.transaction() as s:
        change_stage(s, lead_id, "claimed", actor="cli")
    assert escalate_unclaimed(store, Settings(), datetime.now(UTC) + timedelta(hours=1)) == 0
