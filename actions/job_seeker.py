"""Job seekers click recruiters' links too; they are not leads. Point them to the candidate page."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.qualification_form import refused_check
from actions.store import settings


class ActionJobSeeker(Action):
    def name(self) -> str:
        return "action_job_seeker"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if refused_check(tracker):  # "no, we are hiring": the questions start (or go on)
            return [FollowupAction("qualification_form")]
        dispatcher.utter_message(
            response="utter_job_seeker", candidate_url=settings().candidate_page_url
        )
        return []
