"""The chat's language from everything the prospect wrote, not one message at a time.

components.language.LanguageDetector (the Rasa side) sets the language only from a message
that is clearly in one language, so short answers never flip it: "boleh", "3", "secepatnya",
"iya" each say too little. Over a whole chat they say enough. The form's validation action,
which runs at every answer anyway, sets the slot when the chat as a whole is clearly in the
other language, unless the prospect asked for a language by name.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.components.language import detect_language


def asked_for_language(tracker: Tracker) -> bool:
    """Whether any message so far asked for a language by name ("can we speak English?")."""
    return any(
        entity.get("entity") == "language" and entity.get("requested")
        for event in tracker.events
        if event.get("event") == "user"
        for entity in (event.get("parse_data") or {}).get("entities") or []
    )


def language_events(tracker: Tracker) -> list[EventType]:
    """SlotSet for the language the chat is written in, when that differs from the slot's."""
    said = [
        str(event.get("text") or "")
        for event in tracker.events
        if event.get("event") == "user" and not str(event.get("text") or "").startswith("/")
    ]
    language = detect_language(" ".join(said))
    if language is None or language == tracker.get_slot("language"):
        return []
    if asked_for_language(tracker):
        return []
    return [SlotSet("language", language)]
