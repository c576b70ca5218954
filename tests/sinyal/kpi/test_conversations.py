"""How chats went, read from a tracker store's ``events`` table (a real one, written here in
Rasa's column layout) next to the lead store's conversations."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sinyal.kpi.conversations import conversation_metrics, course_of, question_of
from sinyal.kpi.metrics import Window
from sinyal.store import Store
from sinyal.store.models import Conversation


def user(said: str) -> tuple[str, dict[str, Any]]:
    return "user", {"text": said}


def bot(utter: str) -> tuple[str, dict[str, Any]]:
    return "bot", {"text": utter, "metadata": {"utter_action": utter}}


QUALIFIED = [
    user("/session_start"),
    user("hi"), bot("utter_greet"),
    user("yes"), bot("utter_ask_company"),
    user("Acme"), bot("utter_ask_hiring_roles"),
    user("three welders"), bot("utter_ask_urgency"),
    user("asap"), bot("utter_ask_decision_maker"),
    user("hmm"), bot("utter_invalid_decision_maker"), bot("utter_ask_decision_maker"),
    user("yes I decide"), bot("utter_ask_consent"),
    user("ok"), bot("utter_ask_person_name"),
    user("Anna, 0151 23456789"), bot("utter_closing_qualified"), bot("text"),
    user("thanks"), bot("utter_youre_welcome"),
]  # fmt: skip
ABANDONED = [
    user("hello"), bot("utter_greet"),
    user("ok"), bot("utter_ask_company"),
    user("blah"), bot("utter_default"),
]  # fmt: skip


def test_questions_are_named_by_the_response_that_asks_them() -> None:
    assert question_of("utter_ask_urgency") == "urgency"
    assert question_of("utter_invalid_email_freemail") == "email"
    assert question_of("utter_ask_person_name_only") == "person_name"
    assert question_of("utter_greet_context_days") == "start"
    assert question_of("utter_check_delete") == "exit_check"
    assert question_of("utter_fees") is None


def test_a_chat_course_counts_bot_turns_that_ask_and_stops_at_the_lead() -> None:
    course = course_of(QUALIFIED)
    assert (course.questions_to_lead, course.turns_to_lead) == (8, 9)
    assert (course.questions, course.turns, course.reasks, course.fallbacks) == (8, 10, 1, 0)
    assert course.lead_saved


def test_an_abandoned_chat_stopped_at_its_last_question() -> None:
    course = course_of(ABANDONED)
    assert not course.lead_saved
    assert (course.last_question, course.fallbacks) == ("company", 1)


def write_tracker(path: Path, chats: dict[str, list[tuple[str, dict[str, Any]]]]) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), "
                "type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
            )
        )
        for sender, events in chats.items():
            for kind, data in events:
                conn.execute(
                    text("INSERT INTO events (sender_id, type_name, data) VALUES (:s, :t, :d)"),
                    {"s": sender, "t": kind, "d": json.dumps(data)},
                )
    engine.dispose()


def test_metrics_per_flow_and_variant(store: Store, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with store.transaction() as s:
        for sender, variant in (("a", "short"), ("b", "short"), ("c", "long"), ("old", "long")):
            s.add(
                Conversation(
                    sender_id=sender,
                    channel="web",
                    entry_context={"flow": "demo", "variant": variant},
                    started_at=now - timedelta(days=40 if sender == "old" else 1),
                )
            )
    tracker = tmp_path / "tracker.db"
    write_tracker(tracker, {"a": QUALIFIED, "b": ABANDONED, "c": QUALIFIED, "old": ABANDONED})
    window = Window(now - timedelta(days=7), now + timedelta(days=1))
    with store.sessions() as session:
        rows = conversation_metrics(session, make_url(f"sqlite:///{tracker}"), window)
        assert conversation_metrics(session, make_url(f"sqlite:///{tracker}"), window, "x") == []
    assert [(r["variant"], r["chats"], r["leads"], r["completion_rate"]) for r in rows] == [
        ("long", 1, 1, 1.0),
        ("short", 2, 1, 0.5),
    ]
    short = rows[1]
    assert (short["questions_to_lead"], short["turns_to_lead"]) == (8.0, 9.0)
    assert (short["reasks"], short["fallbacks"], short["stopped_at"]) == (1, 1, {"company": 1})


def test_no_tracker_table_gives_no_figures(store: Store, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with store.transaction() as s:
        s.add(Conversation(sender_id="z", channel="web", entry_context={}, started_at=now))
    window = Window(now - timedelta(days=1), now + timedelta(days=1))
    with store.sessions() as session:
        rows = conversation_metrics(session, make_url(f"sqlite:///{tmp_path / 'none.db'}"), window)
    assert rows == [{**rows[0], "chats": 1, "leads": 0}] and rows[0]["flow"] == "(no flow)"
