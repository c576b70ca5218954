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
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import rules_for
from actions.language import language_events
from actions.store import settings
from sinyal.contact_details import ContactError, check_email, check_phone, read_contact
from sinyal.leads.facts import (
    clean_role,
    count_of_role,
    read_correction,
    read_decision_maker,
    read_facts,
)
from sinyal.leads.qualification import (
    parse_company_size,
    parse_count,
    parse_duration_days,
    parse_fee_model,
    parse_urgency,
    parse_yes_no,
)

MAX_TEXT = 300
#: Asked after the flow's required answers: consent first, then who and how to reach them.
CONTACT_QUESTIONS = ("consent", "person_name", "email")
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


def normalise_role(value: Any) -> str:
    role = clean_role(_text(value))
    if role is None:
        raise Invalid("utter_invalid_hiring_roles")
    return role


def name_parts(text: str, rest: str | None) -> list[str]:
    """Where a name may be in an answer that also gives a phone or email: each comma-separated
    part without them, then what is left once they are taken out."""
    parts = [
        part
        for part in re.split(r"[,;\n]|\s-\s", text)
        if "@" not in part and not re.search(r"\d{3}", part) and part.strip()
    ]
    return [*parts, rest] if rest else parts


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


def _bool(
    response: str, parser: Callable[[str], bool | None] = parse_yes_no
) -> Callable[[Any], bool]:
    def normalise(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if str(value).rstrip().endswith("?"):
            raise Invalid(response)  # "is there a guarantee, or not?" is a question, not a no
        return bool(_parsed(parser, response, value))

    return normalise


def parse_decision(text: str) -> bool | None:
    """ "I'm the owner" / "keputusannya di direktur" first, then a plain yes or no."""
    said = read_decision_maker(text)
    return said if said is not None else parse_yes_no(text)


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
    "hiring_roles": normalise_role,
    "positions": _bounded(parse_count, "utter_invalid_positions", 10_000),
    "open_days": _bounded(parse_duration_days, "utter_invalid_open_days", 3_650),
    "urgency": _choice(parse_urgency, {"asap", "soon", "later"}, "utter_invalid_urgency"),
    "tried_before": _text,
    "decision_maker": _bool("utter_invalid_decision_maker", parse_decision),
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


#: Intents whose rules must answer during the form (data/rules.yml): a person, leaving, a sure
#: exit (components.guard.ExitGuard has already given unsure ones another intent).
RULE_INTENTS = frozenset(
    {"request_human", "goodbye", "bot_challenge", "not_interested", "delete_my_data", "job_seeker"}
)
#: FAQ intents count only for a message that asks something: "job ads and one agency" taken
#: for "how does your process work?" is an answer, not a question.
FAQ_INTENTS = frozenset(
    {"ask_fees", "ask_process", "ask_guarantee", "ask_time_to_hire", "ask_industries"}
)
_QUESTION = re.compile(
    r"\?\s*$|^\W*(how|what|when|which|who|why|do|does|can|could|is|are|will|would|berapa|apa|"
    r"apakah|bagaimana|gimana|kapan|kenapa|mengapa|siapa|bisa|ada)\b",
    re.I,
)
#: Bot actions after which a message answers "are you sure?" rather than the open question.
EXIT_CHECKS = ("utter_check_delete", "utter_check_job_seeker", "utter_check_not_interested")
#: Actions that may run between a prospect's message and the form reading it as an answer.
_FORM_STEPS = {"action_listen", "action_extract_slots", "qualification_form", *EXIT_CHECKS}
_BARE_REPLY = re.compile(
    r"^\W*(no+|nope|nah|not really|no,? (thanks|thank you)|tidak|nggak|gak|enggak|bukan|"
    r"yes|ya|iya|ok|okay|oke)\W*$",
    re.I,
)


#: A sentence that starts with "no" answers an exit check with no, whatever follows.
_LEADING_NO = re.compile(r"^\W*(no+|nope|nah|not really|nein|tidak|nggak|gak|enggak|bukan)\b", re.I)


def refused_check(tracker: Tracker) -> bool:
    """The prospect answered an exit check ("are you looking for a job yourself?") with a
    sentence starting with "no". The classifier may read the rest as the exit again ("bukan
    kak, saya yang buka lowongan" is full of job words), but the prospect said no."""
    latest, bot_action, _ = _user_texts(tracker)
    return bot_action in EXIT_CHECKS and bool(latest and _LEADING_NO.match(latest))


def _user_texts(tracker: Tracker) -> tuple[str | None, str | None, str | None]:
    """The latest message, the bot action before it, and the prospect's message before that."""
    latest: str | None = None
    bot_action: str | None = None
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user" and latest is None:
            latest = event.get("text") or ""
        elif kind == "action" and latest is not None and bot_action is None:
            if event.get("name") not in {"action_listen", "action_extract_slots"}:
                bot_action = event.get("name")
        elif kind == "user" and latest is not None:
            return latest, bot_action, event.get("text") or ""
    return latest, bot_action, None


def answered_now(tracker: Tracker) -> bool:
    """True when the form runs right after the prospect wrote (not back from an FAQ answer)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in _FORM_STEPS:
            return False
    return False


def asked_by_form(tracker: Tracker) -> bool:
    """Whether the prospect's latest message follows the form's own question (or an exit check
    during it), rather than a greeting such as "welcome back, shall we continue?"."""
    _, bot_action, _ = _user_texts(tracker)
    return bot_action == "qualification_form" or bot_action in EXIT_CHECKS


def language_requested(tracker: Tracker) -> bool:
    """ "Can we continue in Indonesian?" asks for a language; it answers no question."""
    entities = tracker.latest_message.get("entities") or []
    return any(e.get("entity") == "language" and e.get("requested") for e in entities)


def interrupted(tracker: Tracker) -> bool:
    """The message is one the rules answer (an FAQ question, "talk to a person", a sure exit):
    the form must reject it so Rasa hands it to those rules, then asks its question again."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    text = tracker.latest_message.get("text") or ""
    return intent in RULE_INTENTS or (intent in FAQ_INTENTS and bool(_QUESTION.search(text)))


def answer_text(tracker: Tracker) -> str | None:
    """What the prospect said in answer to the open question, if they just answered it.

    After an exit check ("do you want me to delete ...?") that was not confirmed, a bare "no"
    means the message before the check was the answer; anything longer is the answer itself.
    """
    if not answered_now(tracker) or language_requested(tracker) or interrupted(tracker):
        return None
    latest, bot_action, before = _user_texts(tracker)
    if latest is None or latest.startswith("/"):
        return None
    if bot_action in EXIT_CHECKS and _BARE_REPLY.match(latest):
        return before
    return latest


class ValidateQualificationForm(FormValidationAction):
    """Reads answers from the whole message, fills every slot a message carries, and narrows the
    questions to what the chat's flow requires and the entry link did not say."""

    def name(self) -> str:
        return "validate_qualification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The flow's required answers, consent, a name and one of email/phone. Only contact
        details after "talk to a human"; nothing more after a refused consent."""
        needed = set(rules_for(tracker.get_slot("flow")).required)
        slots = [slot for slot in domain_slots if slot in needed or slot in CONTACT_QUESTIONS]
        if tracker.get_slot("phone") or tracker.get_slot("email"):
            # One way to reach them is enough; one they gave unasked is still checked.
            given = {slot for slot in ("email", "phone") if tracker.get_slot(slot)}
            slots = [slot for slot in domain_slots if slot in set(slots) - {"email"} | given]
        if tracker.get_slot("human_requested"):
            slots = slots[slots.index("consent") :]
        if tracker.get_slot("consent") is False:
            slots = slots[: slots.index("consent") + 1]
        return slots

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """As rasa-sdk's, but facts the flow does not require are kept (already normalised)
        instead of dropped: "open since March" still informs the consultant and the score."""
        extracted = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extracted)
        validated = await self._extract_validation_events(dispatcher, tracker, domain)
        decided = {event["name"] for event in validated}
        kept = [event for event in extracted if event["name"] not in decided | {"requested_slot"}]
        return [*language_events(tracker), *kept, *validated]

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Slots the message fills besides the one asked: "3 welders asap, I decide" answers
        three questions; the entry link's role and open time count as confirmed."""
        found: dict[str, Any] = {}
        requested = tracker.get_slot("requested_slot")
        if not requested and not interrupted(tracker):  # the form starts: the offer taken up
            found.update(self._from_entry_link(tracker))
        text = answer_text(tracker)
        if text is None:
            return [
                SlotSet(slot, value) for slot, value in found.items() if not tracker.get_slot(slot)
            ]
        found.update(read_facts(text))
        correction = read_correction(text)  # "sorry, I meant 4 not 3": replaces an answer
        found.update(correction)
        rereading = text != tracker.latest_message.get("text")  # the message before a check
        fresh = requested not in tracker.slots_to_validate()
        if requested and asked_by_form(tracker) and (rereading or fresh) and not correction:
            found.setdefault(requested, text)  # the question asked gets the whole message
        return [
            SlotSet(slot, value)
            for slot, value in found.items()
            if slot == requested or slot in correction or tracker.get_slot(slot) is None
        ]

    @staticmethod
    def _from_entry_link(tracker: Tracker) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        if tracker.get_slot("role"):
            facts["hiring_roles"] = tracker.get_slot("role")
        if tracker.get_slot("days_open"):
            facts["open_days"] = int(tracker.get_slot("days_open"))
        return facts

    def validate_hiring_roles(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "Yes" to "is it the Java Developer role?" means that role; "two welders" also says
        how many."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        role = tracker.get_slot("role")
        if role and (intent == "affirm" or value == role):
            return {"hiring_roles": role}
        result = self._validate("hiring_roles", value, dispatcher, tracker)
        count = count_of_role(str(value))
        if result["hiring_roles"] and count and tracker.get_slot("positions") is None:
            result["positions"] = count
        return result

    def validate_person_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "Anna Schmidt, 0151 2345678" answers the name and the contact question at once; in
        "Thomas Fischer, you can reach me on 089 2345678" the name is the part that is one."""
        language = tracker.get_slot("language")
        asked = tracker.get_slot("requested_slot") == "person_name"
        said = (answer_text(tracker) if asked else None) or str(value)  # not DIET's piece of it
        contact = read_contact(said, settings().phone_region_for(language))
        result: dict[str, Any] = {}
        for slot in ("email", "phone"):
            if contact[slot]:
                result.update(self._validate(slot, contact[slot], dispatcher, tracker))
        if not contact["rest"] and result:
            return result
        for part in name_parts(said, contact["rest"]):
            try:
                return {**result, "person_name": normalise_name(part)}
            except Invalid:
                continue
        return {**result, **self._validate("person_name", value, dispatcher, tracker)}

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The contact question takes an email or a phone number."""
        if "@" not in str(value) and tracker.get_slot("requested_slot") == "email":
            phone = self._validate("phone", value, CollectingDispatcher(), tracker)
            if phone["phone"]:
                return {**phone, "email": None}
        return self._validate("email", value, dispatcher, tracker)

    @staticmethod
    def _validate(
        slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """The value as stored; when the extracted value does not do, the whole message (for
        the question asked); when neither does, the re-ask saying what was wrong. A volunteered
        answer that does not do is dropped quietly: the form asks for it in its turn."""
        asked = slot == tracker.get_slot("requested_slot") and asked_by_form(tracker)
        if asked and language_requested(tracker):
            return {slot: None}  # the form asks again, in the language asked for
        text = answer_text(tracker)
        correction = read_correction(text) if text else {}
        if asked and correction and slot not in correction:
            return {slot: None}  # it corrected an earlier answer; this question comes again
        candidates = [value]
        if asked and text and text != value:
            candidates.append(text)
        problem: Invalid | None = None
        for candidate in candidates:
            try:
                return {slot: normalise(slot, candidate, tracker.get_slot("language"))}
            except Invalid as invalid:
                problem = problem or invalid
        if asked and problem is not None:
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
