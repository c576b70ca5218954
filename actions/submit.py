"""Submitting the confirmed answers: the lead is saved, scored, handed over, and the prospect
told who will call and when."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import hand_over_answers, language_of, save_or_keep
from actions.review import summary
from actions.store import settings
from sinyal.handover.hand_over import HandoverResult
from sinyal.leads.lead import SavedLead

logger = logging.getLogger(__name__)


class ActionSubmitLead(Action):
    """The form is complete: save the lead (and hand it over), then say who calls and show what
    was noted, so a wrong answer can be corrected in the prospect's words."""

    def name(self) -> str:
        return "action_submit_lead"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("consent") is False:
            refused = "utter_human_without_contact" if tracker.get_slot("human_requested") else None
            dispatcher.utter_message(response=refused or "utter_consent_refused")
            # Without consent the lead keeps what the company needs, nothing about the person.
            return await save_or_keep(tracker)
        reason = "human_requested" if tracker.get_slot("human_requested") else None
        try:
            saved, handover = await hand_over_answers(tracker, reason)
        except SQLAlchemyError:
            logger.exception("lead could not be saved (store unavailable); kept in the tracker")
            dispatcher.utter_message(response="utter_store_failed")
            return [SlotSet("lead_pending", True)]
        self._close(dispatcher, tracker, saved, handover)
        dispatcher.utter_message(text=summary(tracker, language_of(tracker)))
        return [SlotSet("lead_pending", False)]

    @staticmethod
    def _close(
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        saved: SavedLead,
        handover: HandoverResult | None,
    ) -> None:
        values = {
            "person_name": tracker.get_slot("person_name") or "",
            "reach": tracker.get_slot("phone") or tracker.get_slot("email") or "-",
        }
        status = saved.assessment.status
        if handover is not None:
            consultant = handover.consultant_name
            response = "utter_closing_qualified" if consultant else "utter_closing_qualified_team"
            dispatcher.utter_message(
                response=response, consultant=consultant, hours=settings().callback_hours, **values
            )
        else:
            dispatcher.utter_message(response=f"utter_closing_{status.value}", **values)
        logger.info(
            "lead %s %s (score %s, language %s)",
            saved.lead_id,
            status.value,
            saved.assessment.score,
            language_of(tracker),
        )
