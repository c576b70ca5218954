"""Submitting a lead through the actions, with the store up and with the store down."""

import asyncio
from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import store as action_store
from actions.greet import ActionGreet
from actions.human import ActionRequestHuman
from actions.submit import ActionSubmitLead
from sinyal.store.models import Consultant, Handover, Lead
from tests.support.action_tracker import make_tracker, reset_action_store

ANSWERS = {
    "company": "Nordwind Logistik GmbH", "hiring_roles": "warehouse managers", "positions": 2,
    "open_days": 150, "urgency": "asap", "tried_before": "ads", "decision_maker": True,
    "fee_model": "success", "company_size": 300, "company_location": "Hamburg",
}  # fmt: skip
CONTACT = {
    "consent": True, "person_name": "Anna Schmidt", "email": "anna@nordwind.de",
    "phone": "+49401234567", "contact_time": "mornings", "language": "en",
    "flow": "long-open-demo",
}  # fmt: skip


def run(action: Action, **tracker: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, make_tracker(**tracker), {}))
    return events, dispatcher.messages


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_qualified_lead_is_saved_handed_over_and_told_who_calls(actions_db: None) -> None:
    with action_store.store().transaction() as s:
        s.add(Consultant(name="Markus Brandt", languages=["en", "de"]))
    events, messages = run(ActionSubmitLead(), slots={**ANSWERS, **CONTACT})
    assert slot_events(events) == {"lead_pending": False}
    assert messages[0]["response"] == "utter_closing_qualified"
    assert messages[0]["consultant"] == "Markus Brandt" and messages[0]["reach"] == "+49401234567"
    assert "- Roles: warehouse managers" in messages[1]["text"]  # the summary, to correct
    with action_store.store().transaction() as s:
        lead = s.scalars(select(Lead)).one()
        assert (lead.status, lead.email) == ("qualified", "anna@nordwind.de")
        assert s.scalars(select(Handover.reason)).all() == ["qualified"]


def test_nurture_lead_gets_no_handover(actions_db: None) -> None:
    answers = {**ANSWERS, "urgency": "later", "decision_maker": False, "positions": 1}
    _, messages = run(ActionSubmitLead(), slots={**answers, **CONTACT})
    assert messages[0]["response"] == "utter_closing_nurture"
    assert messages[0]["reach"] == "+49401234567"
    with action_store.store().transaction() as s:
        assert s.scalars(select(Handover)).all() == []


def test_human_request_hands_over_at_once_and_asks_for_contact(actions_db: None) -> None:
    events, messages = run(ActionRequestHuman(), slots={"company": "Acme", "positions": 2})
    assert slot_events(events) == {"human_requested": True, "lead_pending": False}
    assert [m["response"] for m in messages] == ["utter_human_needs_contact"]
    with action_store.store().transaction() as s:
        assert s.scalars(select(Handover.reason)).all() == ["human_requested"]
        assert s.scalars(select(Lead.email)).one() is None


def test_store_down_keeps_answers_and_saves_them_at_the_next_action(
    actions_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PostgreSQL URL on a port nothing listens on: the store is "down" for real.
    monkeypatch.setenv("SINYAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:9/test")
    reset_action_store()
    events, messages = run(ActionSubmitLead(), slots={**ANSWERS, **CONTACT})
    assert slot_events(events) == {"lead_pending": True}
    assert [m["response"] for m in messages] == ["utter_store_failed"]

    monkeypatch.delenv("SINYAL_DATABASE_URL")
    reset_action_store()
    slots = {**ANSWERS, **CONTACT, "lead_pending": True}
    events, _ = run(ActionGreet(), slots=slots, intent="greet", text="hello again")
    assert slot_events(events) == {"lead_pending": False}
    with action_store.store().transaction() as s:
        assert s.scalars(select(Lead.email)).one() == "anna@nordwind.de"
        # What the failed submit would have done: a qualified lead is also handed over, once.
        assert s.scalars(select(Handover.reason)).all() == ["qualified"]
    events, _ = run(ActionGreet(), slots=slots, intent="greet", text="hello?")
    with action_store.store().transaction() as s:
        assert len(s.scalars(select(Lead)).all()) == 1
        assert s.scalars(select(Handover.reason)).all() == ["qualified"]


def test_a_pending_request_for_a_person_is_handed_over_when_the_store_is_back(
    actions_db: None,
) -> None:
    slots = {"company": "Acme", "positions": 2, "human_requested": True, "lead_pending": True}
    events, _ = run(ActionGreet(), slots=slots, intent="greet", text="anyone there?")
    assert slot_events(events) == {"lead_pending": False}
    with action_store.store().transaction() as s:
        assert s.scalars(select(Handover.reason)).all() == ["human_requested"]
