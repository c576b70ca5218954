"""Form validation: answers in both languages become structured values, read from the whole
message when the extracted piece does not do; one message fills every answer it carries;
bad answers to the question asked are re-asked, bad volunteered ones dropped quietly."""

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.qualification_form import ValidateQualificationForm, answer_text
from tests.support.action_tracker import make_tracker, reset_action_store

FORM = ValidateQualificationForm()
DOMAIN_SLOTS = [
    "company", "hiring_roles", "positions", "urgency", "decision_maker", "open_days",
    "tried_before", "fee_model", "company_size", "company_location", "consent",
    "person_name", "email", "phone", "contact_time",
]  # fmt: skip
DOMAIN = {"forms": {"qualification_form": {"required_slots": DOMAIN_SLOTS}}}


def validate(slot: str, value: Any, asked: bool = True, **tracker: Any) -> tuple[Any, list[str]]:
    dispatcher = CollectingDispatcher()
    slots = {**tracker.pop("slots", {}), "requested_slot": slot if asked else "company"}
    tracker.setdefault("text", str(value))
    method = getattr(FORM, f"validate_{slot}")
    result = method(value, dispatcher, make_tracker(slots=slots, **tracker), {})
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
        ("hiring_roles", "yes, we still need two senior java developers", "senior java developers"),
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
        ("person_name", "12345", "utter_invalid_person_name"),
        ("company_size", "big", "utter_invalid_company_size"),
        ("hiring_roles", "yes", "utter_invalid_hiring_roles"),
    ],
)
def test_bad_answers_to_the_question_asked_are_re_asked_with_a_reason(
    actions_db: None, slot: str, typed: str, reask: str
) -> None:
    assert validate(slot, typed) == (None, [reask])
    assert validate(slot, typed, asked=False) == (None, [])  # volunteered: dropped quietly


def test_the_whole_message_answers_when_the_entity_does_not(actions_db: None) -> None:
    # DIET tagged "about" as the duration; the message says 120 days.
    assert validate("open_days", "about", text="about four months now") == (120, [])
    assert validate("urgency", "January", text="ideally they start in January") == ("soon", [])


def test_freemail_refused_when_the_policy_says_so(
    actions_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SINYAL_FREEMAIL_POLICY", "reject")
    reset_action_store()
    assert validate("email", "budi@gmail.com") == (None, ["utter_invalid_email_freemail"])


def run_validation(slot: str, value: Any, **tracker: Any) -> dict[str, Any]:
    slots = {**tracker.pop("slots", {}), "requested_slot": slot}
    tracker.setdefault("text", str(value))
    return getattr(FORM, f"validate_{slot}")(
        value, CollectingDispatcher(), make_tracker(slots=slots, **tracker), {}
    )


def test_yes_to_the_context_role_takes_that_role_and_a_count_is_kept(actions_db: None) -> None:
    role = {"role": "Java Developer"}
    assert run_validation("hiring_roles", "yes", intent="affirm", slots=role) == {
        "hiring_roles": "Java Developer"
    }
    assert run_validation("hiring_roles", "two nurses", slots=role) == {
        "hiring_roles": "nurses",
        "positions": 2,
    }


def test_name_and_contact_in_one_answer(actions_db: None) -> None:
    assert run_validation(
        "person_name", "Anna Schmidt, 0151 2345678", slots={"language": "en"}
    ) == {
        "phone": "+491512345678",
        "person_name": "Anna Schmidt",
    }
    assert run_validation("person_name", "budi@kopi.co.id", slots={"language": "id"}) == {
        "email": "budi@kopi.co.id"
    }


def test_the_contact_question_takes_a_phone_number(actions_db: None) -> None:
    assert run_validation("email", "0812 3456 7890", slots={"language": "id"}) == {
        "phone": "+6281234567890",
        "email": None,
    }


def extraction(**tracker: Any) -> dict[str, Any]:
    events = asyncio.run(
        FORM.get_extraction_events(CollectingDispatcher(), make_tracker(**tracker), DOMAIN)
    )
    return {event["name"]: event["value"] for event in events}


def test_one_message_fills_every_answer_it_carries(actions_db: None) -> None:
    text = "we need 3 welders asap, I'm the plant manager"
    found = extraction(text=text, slots={"requested_slot": "company"})
    assert found == {
        "positions": 3,
        "hiring_roles": "welders",
        "urgency": "asap",
        "decision_maker": True,
        "company": text,  # the question asked gets the whole message; validation decides
    }


def test_answers_already_given_are_not_overwritten(actions_db: None) -> None:
    slots = {"requested_slot": "urgency", "positions": 5}
    assert extraction(text="we need 3 welders asap", slots=slots) == {
        "hiring_roles": "welders",
        "urgency": "asap",
    }


def test_taking_up_the_offer_after_a_link_confirms_its_role_and_open_time(actions_db: None) -> None:
    slots = {"role": "Senior Java Developer", "days_open": 130.0}
    assert extraction(text="yes", intent="affirm", slots=slots) == {
        "hiring_roles": "Senior Java Developer",
        "open_days": 130,
    }
    named = extraction(text="yes, we still need two senior java developers", slots=slots)
    assert named == {"hiring_roles": "senior java developers", "positions": 2, "open_days": 130}


USER = "user"


def event(kind: str, text_or_name: str) -> dict[str, Any]:
    key = "text" if kind == USER else "name"
    return {"event": kind, key: text_or_name}


def test_a_message_answered_before_an_faq_reply_is_not_read_again() -> None:
    events = [event(USER, "how much do you charge?"), event("action", "utter_fees")]
    assert answer_text(make_tracker(text="how much do you charge?", events=events)) is None


def test_after_an_exit_check_a_bare_no_means_the_earlier_message_was_the_answer() -> None:
    events = [
        event(USER, "we need a data engineer"),
        event("action", "utter_check_delete"),
        event("action", "action_listen"),
        event(USER, "no"),
        event("action", "qualification_form"),
    ]
    assert answer_text(make_tracker(text="no", events=events)) == "we need a data engineer"
    events[3] = event(USER, "no no, two data engineers")
    assert answer_text(make_tracker(events=events)) == "no no, two data engineers"


def test_exit_check_answered_no_gives_the_question_its_answer(actions_db: None) -> None:
    events = [
        event(USER, "we need a data engineer"),
        event("action", "utter_check_delete"),
        event("action", "action_listen"),
        event(USER, "no"),
    ]
    found = extraction(
        text="no", intent="deny", events=events, slots={"requested_slot": "hiring_roles"}
    )
    assert found == {"hiring_roles": "data engineer", "positions": 1}


def required(**slots: Any) -> list[str]:
    return asyncio.run(
        FORM.required_slots(DOMAIN_SLOTS, CollectingDispatcher(), make_tracker(slots=slots), {})
    )


def test_required_slots_are_the_flows_then_consent_name_and_one_contact(actions_db: None) -> None:
    basic = ["company", "hiring_roles", "positions", "urgency", "decision_maker"]
    assert required() == [*basic, "consent", "person_name", "email"]
    assert required(flow="long-open-demo") == [*basic, "consent", "person_name", "email"]
    assert required(phone="+491512345678") == [*basic, "consent", "person_name", "phone"]
    assert required(consent=False)[-1] == "consent"
    assert required(human_requested=True) == ["consent", "person_name", "email"]
    assert required(human_requested=True, consent=False) == ["consent"]


def test_exit_check_answered_no_overrides_what_rasa_took_from_the_no(actions_db: None) -> None:
    events = [
        event(USER, "Kessler Bau, we look for work on a new site"),
        event("action", "utter_check_job_seeker"),
        event("action", "action_listen"),
        event(USER, "no"),
        event("action", "qualification_form"),
        {"event": "slot", "name": "company", "value": "no"},  # Rasa's from_text candidate
    ]
    found = extraction(text="no", intent="deny", events=events, slots={"requested_slot": "company"})
    assert found == {"company": "Kessler Bau, we look for work on a new site"}


def test_the_name_is_the_part_of_the_answer_that_is_one(actions_db: None) -> None:
    said = "Thomas Fischer, You can reach me on 089 2345678"
    assert run_validation("person_name", said, slots={"language": "en"}) == {
        "phone": "+49892345678",
        "person_name": "Thomas Fischer",
    }
    # DIET tagged only part of the name: the whole answer says more.
    said = "Dimas Anggara, 0813-9988-7766"
    found = run_validation("person_name", "Anggara", text=said, slots={"language": "id"})
    assert found == {"phone": "+6281399887766", "person_name": "Dimas Anggara"}


def test_asking_for_another_language_answers_no_question(actions_db: None) -> None:
    request = [{"entity": "language", "value": "id", "requested": True}]
    said = "sorry, can we continue in Indonesian?"
    assert answer_text(make_tracker(text=said, entities=request)) is None
    assert validate("company", said, entities=request) == (None, [])  # asked again, in Indonesian


def test_yes_to_welcome_back_answers_no_question_left_open(actions_db: None) -> None:
    events = [{"event": "action", "name": "action_greet"}, {"event": "user", "text": "yes"}]
    slots = {"requested_slot": "positions"}  # carried over from the session the prospect left
    assert extraction(text="yes", intent="affirm", events=events, slots=slots) == {}


def test_a_correction_mid_form_replaces_the_earlier_answer(actions_db: None) -> None:
    slots = {"requested_slot": "decision_maker", "urgency": "asap", "positions": 3}
    said = "Sorry, not asap, I got that wrong. They'd start in about two months."
    assert extraction(text=said, slots=slots) == {"urgency": "soon"}
    # ... and is no answer to the question that was open: it is asked again, quietly.
    assert validate("decision_maker", said, slots=slots) == (None, [])
    said = "maaf, maksud saya 6 bukan 5"
    assert extraction(text=said, slots={"requested_slot": "urgency", "positions": 5}) == {
        "positions": 6
    }


@pytest.mark.parametrize(
    ("said", "decides"),
    [
        ("Saya kepala bidang keperawatan, tapi keputusan kerja sama ada di direktur", False),
        ("Saya manajer proyek, keputusannya di direktur teknik", False),
        ("yes, I'm the owner", True),
        ("no, my boss does", False),
    ],
)
def test_who_decides_is_read_from_what_they_say_about_it(
    actions_db: None, said: str, decides: bool
) -> None:
    assert validate("decision_maker", said) == (decides, [])


def test_a_question_is_no_refusal_of_consent(actions_db: None) -> None:
    said = "Ada garansi gak kalau kandidatnya resign cepat?"
    assert validate("consent", said) == (None, ["utter_invalid_consent"])


def test_a_message_the_rules_answer_is_left_to_them(actions_db: None) -> None:
    # "talk to a person" at the roles question: the form must reject it (Rasa then runs the
    # rule for request_human), not take "to talk to a person" as the role.
    said = "I want to talk to a person"
    slots = {"requested_slot": "hiring_roles"}
    assert extraction(text=said, intent="request_human", slots=slots) == {}
    assert answer_text(make_tracker(text=said, intent="request_human")) is None


def test_a_button_that_takes_up_the_offer_still_confirms_the_links_role(actions_db: None) -> None:
    slots = {"role": "Pflegefachkraft (m/w/d)", "days_open": 182.0}
    found = extraction(text="/affirm", intent="affirm", slots=slots)
    assert found == {"hiring_roles": "Pflegefachkraft (m/w/d)", "open_days": 182}


def test_an_answer_taken_for_an_faq_is_still_an_answer(actions_db: None) -> None:
    slots = {"requested_slot": "company"}
    said = "Kessler Bau, we build houses"
    assert extraction(text=said, intent="ask_process", slots=slots) == {"company": said}
    asked = "how does your process work?"
    assert extraction(text=asked, intent="ask_process", slots=slots) == {}
