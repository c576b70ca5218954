"""The chat's language from all the prospect wrote: terse answers add up."""

from typing import Any

from actions.language import language_events
from tests.support.action_tracker import make_tracker


def said(*texts: str, requested: bool = False) -> list[dict[str, Any]]:
    entities = [{"entity": "language", "value": "en", "requested": True}] if requested else []
    return [{"event": "user", "text": t, "parse_data": {"entities": entities}} for t in texts]


def test_short_indonesian_answers_add_up_to_indonesian() -> None:
    tracker = make_tracker(slots={"language": "en"}, events=said("boleh", "3", "secepatnya", "iya"))
    assert language_events(tracker) == [
        {"event": "slot", "timestamp": None, "name": "language", "value": "id"}
    ]


def test_no_change_when_the_chat_is_in_the_slots_language_or_says_too_little() -> None:
    assert (
        language_events(make_tracker(slots={"language": "id"}, events=said("boleh", "iya kak")))
        == []
    )
    assert language_events(make_tracker(slots={"language": "en"}, events=said("ok", "3"))) == []


def test_a_language_asked_for_by_name_is_never_overridden() -> None:
    events = said("can we speak English please", requested=True) + said(
        "boleh", "iya", "secepatnya"
    )
    assert language_events(make_tracker(slots={"language": "en"}, events=events)) == []
