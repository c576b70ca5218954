"""Scripted prospects chat with `sinyal run` over Rasa's REST channel; the store is the verdict.

Each script (tests/system/conversations/*.yml, written without reading the training data) is
played by a driver that answers whatever the bot asks: it reads the open question from the
tracker (the form's requested slot, or the last question the bot uttered) and says the script's
answer to it. When the bot asks for a name and a phone number or email in one question, the
prospect gives both, as a reader of that question would. A question asked again after the
script's answers ran out fails the chat ("re-asked"), as does a question the script has no
answer for (the bot lost the thread), and a script that lists a question under ``not_asked``
and is asked it anyway.

Checked at the end, in the store: the lead (answers, contact, consent) or its absence, and the
chat's language. Each set (dev: tuned against; held-out: never) must complete at least its
floor, and no chat whose prospect is hiring may end in a delete, job-seeker or not-interested
action. Figures (completion, questions to a lead with and without an entry link, re-asks,
fallbacks) and every chat's transcript go to test-artifacts/conversations/report.json.
"""

from __future__ import annotations

import json
import os
import statistics
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sinyal.store import Store
from sinyal.store.models import Conversation, Lead
from tests.support.system import RunningSystem, say, tracker
from tests.system.conversations.script import Script, load

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("SINYAL_TEST_ARTIFACTS", PROJECT / "test-artifacts"))
SCRIPTS = [(name, script) for name in ("dev", "heldout") for script in load(name)]
MAX_TURNS = 40

#: Bot utterances outside the form that ask something, and the script key that answers them.
OPEN_QUESTIONS = {
    "utter_greet": "start",
    "utter_greet_context": "start",
    "utter_greet_context_days": "start",
    "utter_ask_start": "start",
    "utter_welcome_back": "start",
    "utter_check_delete": "exit_confirm",
    "utter_check_job_seeker": "exit_confirm",
    "utter_check_not_interested": "exit_confirm",
}
#: Bot utterances after which the prospect has nothing left to answer.
ENDINGS = {
    "utter_closing_qualified", "utter_closing_qualified_team", "utter_closing_nurture",
    "utter_closing_disqualified", "utter_consent_refused", "utter_human_without_contact",
    "utter_job_seeker", "utter_data_deleted", "utter_declined_goodbye", "utter_goodbye",
    "utter_no_problem", "utter_noted",
}  # fmt: skip
#: Bot messages that end a prospect's chat for good: never allowed where the script expects a lead.
DESTRUCTIVE = {"utter_data_deleted", "utter_job_seeker", "utter_declined_goodbye"}
LEAD_SAVED = {u for u in ENDINGS if u.startswith("utter_closing")} | {"utter_consent_refused"}


@dataclass
class Chat:
    """What happened in one scripted chat, for the assertions and the report."""

    script: str
    set_name: str
    language: str
    link: bool
    sender: str
    transcript: list[str] = field(default_factory=list)
    asked: dict[str, int] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    questions: int = 0
    questions_to_lead: int | None = None
    reasks: int = 0
    fallbacks: int = 0
    ended_by_exit: bool = False
    interruptions: dict[str, list[str]] = field(default_factory=dict)
    problem: str | None = None
    completed: bool = False


RESULTS: list[Chat] = []


def bot_turn(events: list[dict[str, Any]]) -> list[str]:
    """The utter_action names of the bot's messages since the prospect's last message."""
    turn: list[str] = []
    for event in reversed(events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            turn.append((event.get("metadata") or {}).get("utter_action") or "text")
    return list(reversed(turn))


def open_question(state: dict[str, Any], turn: list[str], script: Script) -> str | None:
    """The script key answering what the bot asks now; "" when the chat has ended."""
    loop = (state.get("active_loop") or {}).get("name")
    slots = state.get("slots") or {}
    if loop == "qualification_form" and slots.get("requested_slot"):
        requested = str(slots["requested_slot"])
        if requested == "email" and "contact" in script.answers:
            return "contact"
        return requested
    if loop == "decline_form":
        return "decline_reason"
    for utterance in reversed(turn):
        if utterance in OPEN_QUESTIONS:
            return OPEN_QUESTIONS[utterance]
        if utterance in ENDINGS:
            return ""
    return None


def is_question(utterance: str) -> bool:
    return (
        utterance in OPEN_QUESTIONS
        or utterance.startswith(("utter_ask_", "utter_invalid_"))
        or utterance in {"utter_fee_model_question", "utter_offer_human"}
    )


def reply_for(script: Script, key: str, chat: Chat, turn: list[str]) -> str | None:
    answer = script.answer(key, chat.answered.get(key, 0))
    if answer is not None and key == "person_name" and "utter_ask_person_name" in turn:
        # "What is your name, and a phone number or email?": the prospect gives both.
        contact_key = next(k for k in ("contact", "phone", "email") if k in script.answers)
        contact = script.answer(contact_key, chat.answered.get(contact_key, 0))
        chat.answered[contact_key] = chat.answered.get(contact_key, 0) + 1
        return f"{answer}, {contact}" if contact else answer
    return answer


def play(system: RunningSystem, script: Script, set_name: str) -> Chat:
    sender = f"conv-{script.id}-{uuid.uuid4().hex[:8]}"
    chat = Chat(script.id, set_name, script.language, script.link is not None, sender)
    # The summary comes with the saved lead. What a script says before confirming it, and the
    # corrections in its "confirm" list (all but the final yes), are said after the lead.
    after_lead = [
        *script.say_before.get("confirm", []),
        *_as_list(script.answers.get("confirm"))[:-1],
    ]
    metadata = script.link.model_dump() if script.link else {}
    message: str | None = script.opening
    for _ in range(MAX_TURNS):
        assert message is not None
        replies = say(system, sender, message, **(metadata if not chat.transcript else {}))
        chat.transcript += [f"> {message}", *(f"< {r}" for r in replies)]
        state = tracker(system, sender)
        turn = bot_turn(state["events"])
        chat.fallbacks += turn.count("utter_default")
        chat.ended_by_exit |= bool(DESTRUCTIVE & set(turn))
        if any(is_question(u) for u in turn):
            chat.questions += 1
        if chat.questions_to_lead is None and LEAD_SAVED & set(turn):
            chat.questions_to_lead = chat.questions
        key = open_question(state, turn, script)
        if key == "" and after_lead and chat.questions_to_lead is not None:
            message = after_lead.pop(0)
            continue
        if key == "":
            chat.completed = True
            return chat
        if key is None:
            chat.problem = f"the bot asks nothing the script can answer ({turn})"
            return chat
        message = _next_message(script, key, chat, turn)
        if message is None:
            return chat
    chat.problem = f"no end after {MAX_TURNS} turns"
    return chat


def _next_message(script: Script, key: str, chat: Chat, turn: list[str]) -> str | None:
    """The prospect's next message: an interruption the script puts before this question, or
    the answer; None (with ``chat.problem``) when the bot asks what it should not."""
    if key not in chat.asked:
        chat.interruptions[key] = list(script.say_before.get(key, []))
    chat.asked[key] = chat.asked.get(key, 0) + 1
    if key in script.expect.not_asked:
        chat.problem = f"asked {key!r}, which the prospect had already answered"
        return None
    if chat.interruptions[key]:
        return chat.interruptions[key].pop(0)
    answer = reply_for(script, key, chat, turn)
    given = chat.answered.get(key, 0)
    chat.reasks += given > 0
    if answer is None:
        chat.problem = (
            f"re-asked {key!r} after {given} answer(s)" if given else f"no answer for {key!r}"
        )
        return None
    chat.answered[key] = given + 1
    return answer


def _as_list(value: str | list[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else value


def lead_of(store: Store, sender: str) -> Lead | None:
    with store.transaction() as s:
        conversation = s.scalars(
            select(Conversation).where(Conversation.sender_id == sender)
        ).one_or_none()
        if conversation is None:
            return None
        lead = s.scalars(select(Lead).where(Lead.conversation_id == conversation.id)).one_or_none()
        if lead is not None:
            s.expunge(lead)
        return lead


def check_end_state(store: Store, system: RunningSystem, script: Script, chat: Chat) -> list[str]:
    """What differs from the script's expectation (empty when the chat ended as it should)."""
    expect, problems = script.expect, []
    lead = lead_of(store, chat.sender)
    if expect.outcome == "no_lead":
        if lead is not None and not lead.erased_at:
            problems.append(f"a lead was saved: {lead.answers}")
        return problems
    if lead is None:
        return ["no lead saved"]
    for answer, value in expect.answers.items():
        if lead.answers.get(answer) != value:
            problems.append(f"answer {answer}: {lead.answers.get(answer)!r} != {value!r}")
    if expect.consent is not None and lead.consent_given != expect.consent:
        problems.append(f"consent {lead.consent_given} != {expect.consent}")
    contact = expect.contact
    if contact and contact.name and (lead.contact_name or "").casefold() != contact.name.casefold():
        problems.append(f"name {lead.contact_name!r} != {contact.name!r}")
    if contact and contact.email and lead.email != contact.email.lower():
        problems.append(f"email {lead.email!r} != {contact.email!r}")
    if contact and contact.phone and lead.phone != contact.phone:
        problems.append(f"phone {lead.phone!r} != {contact.phone!r}")
    if expect.consent is False and (lead.email or lead.phone or lead.contact_name):
        problems.append("contact details stored without consent")
    if expect.language:
        language = tracker(system, chat.sender)["slots"].get("language")
        if language != expect.language:
            problems.append(f"language {language} != {expect.language}")
    return problems


#: Chats each set must complete (of 47 dev and 46 held-out scripts). The issue's aim is all of
#: them; these floors sit below what the current conversation logic reached with the models
#: measured so far (dev 33 and 36, held-out 28 and 23; two fresh clones' models gave 36 and 23
#: both times), so that a differently trained model does not flip the verdict.
#: Raise them as the bot improves; a drop below is a regression.
COMPLETION_FLOOR = {"dev": 28, "heldout": 20}


@pytest.fixture(scope="module")
def store(system: RunningSystem) -> Iterator[Store]:
    store = Store.from_settings(system.settings)
    yield store
    store.close()
    write_report(RESULTS)


def play_and_judge(system: RunningSystem, store: Store, set_name: str, script: Script) -> Chat:
    chat = play(system, script, set_name)
    problems = [chat.problem] if chat.problem else []
    problems += check_end_state(store, system, script, chat)
    chat.completed = chat.completed and not problems
    chat.problem = "; ".join(problems) or None
    RESULTS.append(chat)
    return chat


@pytest.mark.parametrize("system", ["postgresql"], indirect=True)
@pytest.mark.parametrize("set_name", ["dev", "heldout"])
def test_scripted_prospects_reach_their_end(
    system: RunningSystem, store: Store, set_name: str
) -> None:
    """Every script of the set, each judged by the store; the set must complete at least its
    floor, and no chat that should become a lead may be ended by a delete, job-seeker or
    not-interested action (those need the prospect's yes to a check)."""
    chats = [play_and_judge(system, store, set_name, s) for name, s in SCRIPTS if name == set_name]
    expected_leads = {
        s.id for name, s in SCRIPTS if name == set_name and s.expect.outcome == "lead"
    }
    destroyed = [c.script for c in chats if c.script in expected_leads and c.ended_by_exit]
    failed = [f"{c.script}: {c.problem}" for c in chats if not c.completed]
    assert destroyed == [], (
        f"chats ended by an exit action while the prospect was hiring: {destroyed}"
    )
    completed, floor = len(chats) - len(failed), COMPLETION_FLOOR[set_name]
    assert completed >= floor, (
        f"{completed}/{len(chats)} {set_name} chats completed, floor {floor}:\n" + "\n".join(failed)
    )


def write_report(chats: list[Chat]) -> None:
    """Completion and questions to a lead, per set and with/without an entry link."""
    if not chats:
        return
    summary: dict[str, Any] = {}
    for name in ("dev", "heldout", "all"):
        part = [c for c in chats if name in (c.set_name, "all")]
        if not part:
            continue
        row: dict[str, Any] = {
            "chats": len(part),
            "completed": sum(c.completed for c in part),
            "reasks": sum(c.reasks for c in part),
            "fallbacks": sum(c.fallbacks for c in part),
        }
        for linked, label in ((True, "with_link"), (False, "without_link")):
            counts = [c.questions_to_lead for c in part if c.link is linked and c.questions_to_lead]
            if counts:
                row[f"questions_to_lead_{label}"] = {
                    "median": statistics.median(counts),
                    "max": max(counts),
                    "leads": len(counts),
                }
        summary[name] = row
    out = ARTIFACTS / "conversations"
    out.mkdir(parents=True, exist_ok=True)
    report = {"summary": summary, "chats": [asdict(c) for c in chats]}
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print("\nscripted conversations:", json.dumps(summary, indent=2))
