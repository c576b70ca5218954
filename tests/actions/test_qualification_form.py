"""Form validation: answers in both languages become structured values; bad ones are re-asked."""

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.qualification_form import ValidateQualificationForm
from tests.actions.conftest import make_tracker, reset_action_store

FORM = ValidateQualificationForm()
DOMAIN_SLOTS = [
    "company", "hiring_roles", "positions", "open_days", "urgency", "tried_before",
    "decision_maker", "fee_model", "company_size", "company_location", "consent",
    "person_name", "email", "phone", "contact_time",
]  # fmt: skip


def validate(slot: str, value: Any, **tracker: Any) -> tuple[Any, list[str]]:
    dispatcher = CollectingDispatcher()
    method = getattr(FORM, f"validate_{slot}")
    result = method(value, dispatcher, make_tracker(**tracker), {})
    return result[slot], [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("slot", "typed", "stored"),
    [
        ("positions", "three", 3),
        ("positions", "kami butuh 2 orang", 2),
        ("open_days", "about 5 months", 150),
        ("open_days", "setengah tahun", 182),
        ("open_days", 120, 120),  # a stored answer, re-validated when the form comes back
        ("urgency", "secepatnya", "asap"),
        ("urgency", "soon", "soon"),
        ("decision_maker", True, True),
        ("decision_maker", "no, our CEO", False),
        ("fee_model", "a retainer works", "retainer"),
        ("company_size", "around 1,200 people", 1200),
        ("consent", "ya, saya setuju", True),
        ("person_name", "my name is Anna Schmidt", "Anna Schmidt"),
        ("person_name", "nama saya Budi Santoso", "Budi Santoso"),
        ("email", "it's Anna.Schmidt@Nordwind.de", "anna.schmidt@nordwind.de"),
        ("phone", "0812 3456 7890", "+6281234567890"),
        ("company_location", "  Hamburg   and remote ", "Hamburg and remote"),
    ],
)
def test_answers_are_normalised(actions_db: None, slot: str, typed: Any, stored: Any) -> None:
    value, messages = validate(slot, typed, slots={"language": "id"})
    assert (value, messages) == (stored, [])


@pytest.mark.parametrize(
    ("slot", "typed", "reask"),
    [
        ("positions", "lots of them", "utter_invalid_positions"),
        ("positions", "0", "utter_invalid_positions"),
        ("open_days", "4", "utter_invalid_open_days"),
        ("decision_maker", "hmm", "utter_invalid_decision_maker"),
        ("email", "anna at nordwind", "utter_invalid_email"),
        ("phone", "12", "utter_invalid_phone"),
        ("person_name", "+49 171 1234567", "utter_invalid_person_name"),
        ("company_size", "big", "utter_invalid_company_size"),
    ],
)
def test_bad_answers_are_re_asked_with_a_reason(
    actions_db: None, slot: str, typed: str, reask: str
) -> None:
    assert validate(slot, typed) == (None, [reask])


def test_freemail_refused_when_the_policy_says_so(
    actions_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SINYAL_FREEMAIL_POLICY", "reject")
    reset_action_store()
    assert validate("email", "budi@gmail.com") == (None, ["utter_invalid_email_freemail"])


def test_yes_to_the_context_role_takes_that_role(actions_db: None) -> None:
    value, _ = validate("hiring_roles", "yes", intent="affirm", slots={"role": "Java Developer"})
    assert value == "Java Developer"
    value, _ = validate("hiring_roles", "two nurses", slots={"role": "Java Developer"})
    assert value == "two nurses"


def required(**slots: Any) -> list[str]:
    return asyncio.run(
        FORM.required_slots(DOMAIN_SLOTS, CollectingDispatcher(), make_tracker(slots=slots), {})
    )


def test_required_slots_follow_consent_and_human_requests() -> None:
    assert required() == DOMAIN_SLOTS
    assert required(consent=False)[-1] == "consent"
    assert required(human_requested=True) == DOMAIN_SLOTS[DOMAIN_SLOTS.index("consent") :]
    assert required(human_requested=True, consent=False) == ["consent"]
