"""How the qualification chats go, per flow and variant: read from Rasa's tracker store.

Every bot message in the tracker store carries the response it came from (``utter_action``), so
the chat's course needs no logging of its own: questions asked (any ``utter_ask_*``, the opening
offer, exit checks, re-asks), re-asks (``utter_invalid_*``: an answer the bot could not use),
fallbacks (``utter_default``), and whether a lead was saved (a closing message). A chat that
started and never reached a lead "stopped at" the last question it was asked.

Definitions (README, "KPIs"): completion rate = chats with a saved lead / chats started;
questions (turns) to a lead = bot questions (prospect messages) before the lead was saved.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sinyal.kpi.metrics import Window
from sinyal.store.models import Conversation

OFFERS = {"utter_greet", "utter_greet_context", "utter_greet_context_days", "utter_ask_start"}
CHECKS = {"utter_check_delete", "utter_check_job_seeker", "utter_check_not_interested"}
CLOSINGS = {
    "utter_closing_qualified", "utter_closing_qualified_team", "utter_closing_nurture",
    "utter_closing_disqualified", "utter_consent_refused",
}  # fmt: skip


def question_of(utter_action: str) -> str | None:
    """Which question a bot message asks ("start", a slot name, "exit_check"), or None."""
    if utter_action in OFFERS or utter_action == "utter_welcome_back":
        return "start"
    if utter_action in CHECKS:
        return "exit_check"
    for prefix in ("utter_ask_", "utter_invalid_"):
        if utter_action.startswith(prefix):
            name = utter_action.removeprefix(prefix)
            return "email" if name.startswith("email") else name.removesuffix("_only")
    if utter_action == "utter_fee_model_question":
        return "fee_model"
    return None


@dataclass
class ChatCourse:
    """One chat, read from its tracker events in order."""

    questions: int = 0
    turns: int = 0
    reasks: int = 0
    fallbacks: int = 0
    questions_to_lead: int | None = None
    turns_to_lead: int | None = None
    last_question: str | None = None

    @property
    def lead_saved(self) -> bool:
        return self.questions_to_lead is not None


def course_of(events: Iterable[tuple[str, dict[str, Any]]]) -> ChatCourse:
    """(type_name, data) rows of one sender, oldest first -> the chat's course.

    One bot turn (the messages between two prospect messages) counts as one question however
    many messages it has, so a summary plus a question is one question, as the prospect sees it.
    """
    course = ChatCourse()
    asked_this_turn = False
    for kind, data in events:
        if kind == "user" and not str(data.get("text") or "").startswith("/session_start"):
            course.turns += 1
            asked_this_turn = False
            continue
        if kind != "bot":
            continue
        utter = str((data.get("metadata") or {}).get("utter_action") or "")
        question = question_of(utter)
        course.reasks += utter.startswith("utter_invalid_")
        course.fallbacks += utter == "utter_default"
        if question and not asked_this_turn:
            course.questions += 1
            asked_this_turn = True
        if question:
            course.last_question = question
        if utter in CLOSINGS and course.questions_to_lead is None:
            course.questions_to_lead, course.turns_to_lead = course.questions, course.turns
    return course


def _tracker_rows(url: URL, senders: list[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    rows: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    if not senders:
        return rows
    engine = create_engine(url, hide_parameters=True)  # sender ids: kept out of errors
    query = text(
        "SELECT sender_id, type_name, data FROM events WHERE sender_id IN :senders "
        "AND type_name IN ('user', 'bot') ORDER BY id"
    ).bindparams(bindparam("senders", expanding=True))
    try:
        with engine.connect() as conn:
            for sender, kind, data in conn.execute(query, {"senders": senders}):
                rows[sender].append((kind, json.loads(data) if isinstance(data, str) else data))
    except SQLAlchemyError:
        return {}  # no tracker table yet (Rasa never ran) or the store is down: no figures
    finally:
        engine.dispose()
    return rows


def conversation_metrics(
    session: Session, tracker: URL | None, window: Window, flow: str | None = None
) -> list[dict[str, Any]]:
    """Per flow and variant: chats, leads, completion rate, questions/turns to a lead (median),
    re-asks, fallbacks, and where chats without a lead stopped."""
    if tracker is None:
        return []
    started = session.scalars(
        select(Conversation).where(
            Conversation.started_at >= window.start, Conversation.started_at < window.end
        )
    )
    chats = [
        (c.sender_id, (c.entry_context or {}).get("flow"), (c.entry_context or {}).get("variant"))
        for c in started
    ]
    chats = [chat for chat in chats if flow is None or chat[1] == flow]
    events = _tracker_rows(tracker, [sender for sender, _, _ in chats])
    groups: dict[tuple[str | None, str | None], list[ChatCourse]] = defaultdict(list)
    for sender, chat_flow, variant in chats:
        groups[(chat_flow, variant)].append(course_of(events.get(sender, [])))
    return [_summary(key, courses) for key, courses in sorted(groups.items(), key=_order)]


def _summary(key: tuple[str | None, str | None], courses: list[ChatCourse]) -> dict[str, Any]:
    leads = [c for c in courses if c.lead_saved]
    stopped = Counter(c.last_question or "-" for c in courses if not c.lead_saved and c.turns)
    return {
        "flow": key[0] or "(no flow)",
        "variant": key[1] or "-",
        "chats": len(courses),
        "leads": len(leads),
        "completion_rate": len(leads) / len(courses) if courses else None,
        "questions_to_lead": _median([c.questions_to_lead for c in leads]),
        "turns_to_lead": _median([c.turns_to_lead for c in leads]),
        "reasks": sum(c.reasks for c in courses),
        "fallbacks": sum(c.fallbacks for c in courses),
        "stopped_at": dict(stopped.most_common()),
    }


def _median(values: list[int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None


def _order(item: tuple[tuple[str | None, str | None], list[ChatCourse]]) -> tuple[str, str]:
    return item[0][0] or "", item[0][1] or ""
