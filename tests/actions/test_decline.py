"""Not interested: the reason is asked only when the prospect has not given it already."""

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.decline import ValidateDeclineForm
from tests.support.action_tracker import make_tracker

FORM = ValidateDeclineForm()


def said(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def reason(*events: dict[str, Any], requested: str | None = None) -> dict[str, Any]:
    tracker = make_tracker(slots={"requested_slot": requested}, events=list(events))
    return asyncio.run(FORM.extract_decline_reason(CollectingDispatcher(), tracker, {}))


def test_a_reason_given_with_not_interested_is_taken() -> None:
    opening = said(
        "Thanks, but we're not interested. We filled the position internally.", "not_interested"
    )
    confirmed = said("correct, not interested", "not_interested")  # the yes to the check
    assert reason(opening, confirmed) == {
        "decline_reason": "Thanks, but we're not interested. We filled the position internally."
    }


def test_a_bare_not_interested_leaves_the_question_to_the_form() -> None:
    assert reason(said("not interested", "not_interested"), said("yes", "affirm")) == {}
    asked = said("We hire in-house", "inform")
    assert (
        reason(
            said("not interested, we hire in-house", "not_interested"),
            asked,
            requested="decline_reason",
        )
        == {}
    )
