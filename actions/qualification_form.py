"""Validation of the qualification form: free text becomes structured answers, or a clear re-ask.

Each ``validate_<slot>`` returns the normalised value, or ``None`` plus a message saying what
was wrong; the form then asks the same question again. The same checks serve corrections
(``actions.review``), so a value typed at the summary is held to the same standard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.store import settings
from sinyal.contact import ContactError, check_email, check_phone
from sinyal.qualification import (
    parse_company_size,
    parse_count,
    parse_duration_days,
    parse_fee_model,
    parse_urgency,
    parse_yes_no,
)

MAX_TEXT = 300
_NAME_PREFIX = re.compile(
    r"^\s*(my name is|my name's|i am|i'm|this is|it's|name:|nama saya|saya|nama)\s+", re.I
)
_NAME = re.compile(r"^[^\W\d_][^\d@/\\:;]{1,118}$")


class Invalid(ValueError):
    """An answer that cannot be used; ``response`` is the re-ask to send."""

    def __init__(self, response: str) -> None:
        super().__init__(response)
        self.response = response


def _text(value: Any, minimum: int = 2) -> str:
    text = " ".join(str(value).split())[:MAX_TEXT]
    if len(text) < minimum:
        raise Invalid("utter_default")
    return text


def _parsed(parser: Callable[[str], Any], response: str, value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        raise Invalid(response)
    parsed = parser(str(value))
    if parsed is None:
        raise Invalid(response)
    return parsed


def normalise_name(value: Any) -> str:
    name = _NAME_PREFIX.sub("", " ".join(str(value).split())).strip(" .,!")
    if not _NAME.match(name) or len(name.split()) > 6:
        raise Invalid("utter_invalid_person_name")
    return name


def normalise_email(value: Any) -> str:
    try:
        return check_email(str(value), settings().freemail_policy).address
    except ContactError as exc:
        raise Invalid(f"utter_invalid_{exc.code}") from None


def normalise_phone(value: Any, language: str | None = None) -> str:
    try:
        return check_phone(str(value), settings().phone_region_for(language))
    except ContactError:
        raise Invalid("utter_invalid_phone") from None


def _choice(parser: Callable[[str], Any], choices: set[Any], response: str) -> Callable[[Any], Any]:
    def normalise(value: Any) -> Any:
        return value if value in choices else _parsed(parser, response, value)

    return normalise


def _bool(response: str) -> Callable[[Any], bool]:
    def normalise(value: Any) -> bool:
        return value if isinstance(value, bool) else bool(_parsed(parse_yes_no, response, value))

    return normalise


def _bounded(parser: Callable[[str], int | None], response: str, high: int) -> Callable[[Any], int]:
    def normalise(value: Any) -> int:
        # Rasa re-validates stored answers when a form is re-activated: numbers pass as they are.
        stored = isinstance(value, int | float) and not isinstance(value, bool)
        number = value if stored else _parsed(parser, response, value)
        if not 1 <= number <= high:
            raise Invalid(response)
        return int(number)

    return normalise


#: slot -> function turning what was typed into the stored value (raises ``Invalid``).
NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "company": _text,
    "hiring_roles": _text,
    "positions": _bounded(parse_count, "utter_invalid_positions", 10_000),
    "open_days": _bounded(parse_duration_days, "utter_invalid_open_days", 3_650),
    "urgency": _choice(parse_urgency, {"asap", "soon", "later"}, "utter_invalid_urgency"),
    "tried_before": _text,
    "decision_maker": _bool("utter_invalid_decision_maker"),
    "fee_model": _choice(
        parse_fee_model, {"success", "retainer", "either", "no"}, "utter_invalid_fee_model"
    ),
    "company_size": _bounded(parse_company_size, "utter_invalid_company_size", 10_000_000),
    "company_location": _text,
    "consent": _bool("utter_invalid_consent"),
    "person_name": normalise_name,
    "email": normalise_email,
    "phone": normalise_phone,
    "contact_time": _text,
}


def normalise(slot: str, value: Any, language: str | None = None) -> Any:
    """The stored form of an answer; the chat's language picks the region for phone numbers."""
    if slot == "phone":
        return normalise_phone(value, language)
    return NORMALISERS[slot](value)


class ValidateQualificationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_qualification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """After "talk to a human" only contact details; after a refused consent, nothing."""
        slots = list(domain_slots)
        if tracker.get_slot("human_requested"):
            slots = slots[slots.index("consent") :]
        if tracker.get_slot("consent") is False:
            slots = slots[: slots.index("consent") + 1]
        return slots

    def validate_hiring_roles(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "Yes" to "is it the Java Developer role?" means that role."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        role = tracker.get_slot("role")
        if intent == "affirm" and role:
            return {"hiring_roles": role}
        return self._validate("hiring_roles", value, dispatcher, tracker)

    @staticmethod
    def _validate(
        slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        try:
            return {slot: normalise(slot, value, tracker.get_slot("language"))}
        except Invalid as problem:
            dispatcher.utter_message(response=problem.response)
            return {slot: None}

    def __getattr__(self, attribute: str) -> Any:
        """``validate_<slot>`` for every slot in ``NORMALISERS``."""
        slot = attribute.removeprefix("validate_")
        if not attribute.startswith("validate_") or slot not in NORMALISERS:
            raise AttributeError(attribute)

        def validate(
            value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
        ) -> dict[str, Any]:
            return self._validate(slot, value, dispatcher, tracker)

        return validate
