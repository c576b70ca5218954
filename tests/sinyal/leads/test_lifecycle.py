"""The lead lifecycle on both databases: one function for every status change."""

import pytest
from sqlalchemy import select

from sinyal.leads.lifecycle import LifecycleError, change_stage, open_leads, record_contact_attempt
from sinyal.store import Store
from sinyal.store.models import Company, Consultant, Handover, KpiEvent, Lead
from tests.support.factories import add_lead


def new_lead(store: Store) -> tuple[int, int]:
    with store.transaction() as s:
        consultant = Consultant(name="Markus")
        company = Company(name="PT Kopi Nusantara", normalized_name="kopi nusantara")
        s.add_all([consultant, company])
        s.flush()
        return add_lead(s, company_id=company.id).id, consultant.id


def events(store: Store) -> list[tuple[str, str | None, dict]]:
    with store.transaction() as s:
        rows = s.execute(
            select(KpiEvent.type, KpiEvent.actor, KpiEvent.payload).order_by(KpiEvent.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_the_whole_way_to_won_is_recorded_with_actor_and_claim(store: Store) -> None:
    lead_id, markus = new_lead(store)
    with store.transaction() as s:
        change_stage(s, lead_id, "claimed", actor="telegram:42", consultant_id=markus)
    for stage in ("contacted", "meeting", "proposal"):
        with store.transaction() as s:
            change_stage(s, lead_id, stage, actor="cli")
    with store.transaction() as s:
        change_stage(s, lead_id, "won", actor="cli", value=18000)
    with store.transaction() as s:
        lead = s.get_one(Lead, lead_id)
        handover = s.scalars(select(Handover)).one()
        assert (lead.stage, lead.won_value, lead.consultant_id) == ("won", 18000, markus)
        assert s.get_one(Company, lead.company_id).is_client  # no more cold outreach to it
        assert handover.claimed_at is not None and handover.consultant_id == markus
    recorded = events(store)
    moves = [(p["previous"], p["stage"]) for t, _, p in recorded if t == "stage_changed"]
    assert moves == [("new", "claimed"), ("claimed", "contacted"), ("contacted", "meeting"),
                     ("meeting", "proposal"), ("proposal", "won")]  # fmt: skip
    assert recorded[0][1] == "telegram:42"
    assert [t for t, _, _ in recorded][-1] == "won"


def test_steps_may_be_skipped_but_never_taken_back(store: Store) -> None:
    lead_id, _ = new_lead(store)
    with store.transaction() as s:
        change_stage(s, lead_id, "meeting", actor="cli")
    with (
        pytest.raises(LifecycleError, match="is meeting; it cannot go back to contacted"),
        store.transaction() as s,
    ):
        change_stage(s, lead_id, "contacted", actor="cli")


def test_lost_needs_a_reason_and_closes_the_lead(store: Store) -> None:
    lead_id, _ = new_lead(store)
    with pytest.raises(LifecycleError, match="needs a reason"), store.transaction() as s:
        change_stage(s, lead_id, "lost", actor="cli")
    with store.transaction() as s:
        change_stage(s, lead_id, "lost", actor="cli", reason="hired directly")
    with pytest.raises(LifecycleError, match="already lost"), store.transaction() as s:
        change_stage(s, lead_id, "won", actor="cli")
    with store.transaction() as s:
        assert s.get_one(Lead, lead_id).lost_reason == "hired directly"
        assert open_leads(s) == []
    assert [t for t, _, _ in events(store)] == ["stage_changed", "lost"]


def test_a_double_click_changes_nothing_and_unknowns_are_named(store: Store) -> None:
    lead_id, _ = new_lead(store)
    with store.transaction() as s:
        assert change_stage(s, lead_id, "claimed", actor="a").changed
        assert not change_stage(s, lead_id, "claimed", actor="b").changed
    with (
        pytest.raises(LifecycleError, match="unknown status 'signed'; use one of: new, claimed"),
        store.transaction() as s,
    ):
        change_stage(s, lead_id, "signed", actor="cli")
    with pytest.raises(LifecycleError, match="no lead #999"), store.transaction() as s:
        change_stage(s, 999, "claimed", actor="cli")
    assert len(events(store)) == 1


def test_not_reachable_is_an_attempt_not_a_stage(store: Store) -> None:
    lead_id, _ = new_lead(store)
    with store.transaction() as s:
        record_contact_attempt(s, lead_id, "not_reachable", actor="telegram:42")
        assert s.get_one(Lead, lead_id).stage == "new"
    assert events(store) == [("contact_attempted", "telegram:42", {"outcome": "not_reachable"})]
