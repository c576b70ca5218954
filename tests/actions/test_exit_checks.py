"""An exit check answered with a sentence that starts with "no" is a no, whatever intent the
classifier gave the rest (seen: "bukan kak, saya yang buka lowongan" read as job_seeker)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions.job_seeker import ActionJobSeeker
from actions.privacy import ActionDeleteMyData
from tests.support.action_tracker import make_tracker


def checked(check: str, text: str, intent: str, **tracker: Any) -> dict[str, Any]:
    events = [
        {"event": "user", "text": "first message"},
        {"event": "action", "name": check},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    return dict(text=text, intent=intent, events=events, **tracker)


def run(action: Action, **tracker: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, make_tracker(**tracker), {}))
    return events, dispatcher.messages


@pytest.mark.parametrize(
    "text",
    [
        "bukan kak, saya yang buka lowongan, butuh orang gudang",
        "no, we're the ones hiring a job for our warehouse",
        "Nope - looking for staff",
        "nggak, saya HRD",
    ],
)
def test_no_to_are_you_a_job_seeker_starts_the_questions(text: str) -> None:
    events, messages = run(
        ActionJobSeeker(), **checked("utter_check_job_seeker", text, "job_seeker")
    )
    assert events == [{"event": "followup", "name": "qualification_form", "timestamp": None}]
    assert messages == []


def test_a_job_seeker_saying_so_again_gets_the_candidate_page(actions_db: None) -> None:
    for text in ("yes I need a job", "saya cari kerja", "I'm not hiring, I want a job"):
        _, messages = run(
            ActionJobSeeker(), **checked("utter_check_job_seeker", text, "job_seeker")
        )
        assert messages[0]["response"] == "utter_job_seeker", text


def test_no_to_delete_my_data_deletes_nothing(actions_db: None) -> None:
    text = "no, keep it, I was asking what you store"
    events, messages = run(ActionDeleteMyData(), **checked("utter_check_delete", text, "affirm"))
    assert events == [] and [m["response"] for m in messages] == ["utter_no_problem"]
    in_form = checked("utter_check_delete", text, "affirm", active_loop="qualification_form")
    events, _ = run(ActionDeleteMyData(), **in_form)
    assert events == [{"event": "followup", "name": "qualification_form", "timestamp": None}]
