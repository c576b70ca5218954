"""The summary shown with the saved lead, and corrections in the prospect's own words.

A correction names a field ("change the phone") or carries the new value ("actually my email is
ana@acme.de"); either way the form runs again, which asks for whatever is now empty and then
saves the lead again (the same lead: one per conversation). Values go through the same
normalisers as the form's answers.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import CONTACT_SLOTS, language_of
from actions.qualification_form import Invalid, normalise

LABELS = {
    "en": {
        "company": "Company", "hiring_roles": "Roles", "positions": "Positions",
        "open_days": "Open for", "urgency": "Start", "tried_before": "Tried so far",
        "decision_maker": "You decide", "fee_model": "Fee model", "company_size": "Employees",
        "company_location": "Location", "person_name": "Name", "email": "Email",
        "phone": "Phone", "contact_time": "Best time to call",
    },
    "id": {
        "company": "Perusahaan", "hiring_roles": "Posisi", "positions": "Jumlah",
        "open_days": "Dibuka selama", "urgency": "Mulai", "tried_before": "Sudah dicoba",
        "decision_maker": "Anda yang memutuskan", "fee_model": "Model biaya",
        "company_size": "Karyawan", "company_location": "Lokasi", "person_name": "Nama",
        "email": "Email", "phone": "Telepon", "contact_time": "Waktu telepon",
    },
}  # fmt: skip
VALUES = {
    "en": {"asap": "as soon as possible", "soon": "within 3 months", "later": "later",
           "success": "success fee", "retainer": "retainer", "either": "either", "no": "neither",
           True: "yes", False: "no", "days": "days"},
    "id": {"asap": "secepatnya", "soon": "dalam 3 bulan", "later": "nanti",
           "success": "success fee", "retainer": "retainer", "either": "keduanya",
           "no": "tidak keduanya", True: "ya", False: "tidak", "days": "hari"},
}  # fmt: skip
HEADINGS = {"en": "Here is what I have noted:", "id": "Berikut yang saya catat:"}
FOOTERS = {
    "en": 'If anything is wrong, just tell me, e.g. "actually we need 3".',
    "id": 'Jika ada yang salah, tulis saja, misalnya "sebenarnya kami butuh 3".',
}

#: Words that name a field, in both languages, for "change the phone" / "ganti nomor".
FIELD_WORDS = {
    "email": r"e-?mail|mail|surel",
    "phone": r"phone|number|mobile|telepon|telpon|nomor|hp|wa|whatsapp",
    "person_name": r"name|nama",
    "contact_time": r"time|when|waktu|jam",
    "company_location": r"location|city|office|lokasi|kota|kantor",
    "company_size": r"size|employees|staff|karyawan|pegawai",
    "urgency": r"start|urgent|mulai|mendesak",
    "fee_model": r"fee|retainer|biaya",
    "decision_maker": r"decide|decision|memutuskan|keputusan",
    "positions": r"how many|positions|jumlah",
    "hiring_roles": r"roles?|job|posisi|jabatan|lowongan",
    "company": r"company|perusahaan",
}
ENTITY_FIELDS = {
    "email": "email",
    "phone": "phone",
    "person_name": "person_name",
    "role": "hiring_roles",
    "count": "positions",
    "duration": "open_days",
    "company": "company",
    "urgency": "urgency",
    "fee_model": "fee_model",
}


def summary(tracker: Tracker, language: str) -> str:
    labels, values = LABELS[language], VALUES[language]
    shown = [name for name in labels if name not in CONTACT_SLOTS or tracker.get_slot("consent")]
    lines = [HEADINGS[language]]
    for name in shown:
        value = tracker.get_slot(name)
        if value is None:
            continue
        if name == "open_days":
            value = f"{value} {values['days']}"
        elif name in {"urgency", "fee_model", "decision_maker"}:
            value = values.get(value, value)
        lines.append(f"- {labels[name]}: {value}")
    lines.append(FOOTERS[language])
    return "\n".join(lines)


def field_to_correct(tracker: Tracker) -> tuple[str | None, Any]:
    """Which answer the prospect wants to change, and the new value if they gave one."""
    entities = tracker.latest_message.get("entities") or []
    for entity in entities:
        if entity.get("entity") == "field" and entity.get("value") in LABELS["en"]:
            return entity["value"], None
    by_type = {entity.get("entity"): entity.get("value") for entity in entities}
    for entity_type, slot in ENTITY_FIELDS.items():  # contact details first: they are exact
        if by_type.get(entity_type) is not None:
            return slot, by_type[entity_type]
    text = (tracker.latest_message.get("text") or "").lower()
    for slot, words in FIELD_WORDS.items():
        if re.search(rf"\b({words})\b", text):
            if slot == "positions" and re.search(r"\d", text):
                return slot, text
            return slot, None
    return None, None


class ActionCorrectAnswer(Action):
    def name(self) -> str:
        return "action_correct_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        slot, value = field_to_correct(tracker)
        in_form = tracker.active_loop_name is not None
        if slot is None:
            if not in_form:  # the form, when active, simply asks its question again
                dispatcher.utter_message(response="utter_ask_what_to_change")
            return [SlotSet("correction_unclear", not in_form)]
        events: list[EventType] = [SlotSet("correction_unclear", False)]
        if slot in CONTACT_SLOTS and tracker.get_slot("consent") is not True:
            events.append(SlotSet("consent", None))  # contact details only after consent
        if value is None:
            return [*events, SlotSet(slot, None)]
        try:
            return [*events, SlotSet(slot, normalise(slot, value, language_of(tracker)))]
        except Invalid as problem:
            dispatcher.utter_message(response=problem.response)
            return [*events, SlotSet(slot, None)]
