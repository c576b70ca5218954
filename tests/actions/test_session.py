"""The session-start action against a real store (the Rasa server is exercised in tests/system)."""

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import store as action_store
from actions.session import ActionSessionStart
from sinyal.chat.conversations import HEALTH_CHECK_SENDER
from sinyal.store.models import Conversation
from tests.support.action_tracker import make_tracker


def tracker(sender: str, metadata: dict | None) -> Tracker:
    return make_tracker(sender, slots={"session_started_metadata": metadata, "language": None})


def run_action(tr: Tracker) -> list[dict]:
    return asyncio.run(ActionSessionStart().run(CollectingDispatcher(), tr, {}))


def test_session_start_sets_context_slots_and_records_conversation(actions_db: None) -> None:
    events = run_action(
        tracker("web-7", {"company": "Acme", "role": "Data Engineer", "language": "id", "x": 1})
    )
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["company"] == "Acme" and slots["role"] == "Data Engineer"
    assert slots["language"] == "id"
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    with action_store.store().transaction() as s:
        assert s.scalars(select(Conversation.sender_id)).all() == ["web-7"]


def test_health_check_sender_is_not_recorded_as_a_prospect(actions_db: None) -> None:
    events = run_action(tracker(HEALTH_CHECK_SENDER, None))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["language"] == "en"
    with action_store.store().transaction() as s:
        assert s.scalars(select(Conversation)).all() == []
