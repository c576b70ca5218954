"""Scripted prospects: who they are, what they say when asked, and what the store must hold after.

The scripts (``dev.yml``, ``heldout.yml`` beside this file) were written by a helper session that
never read the bot's training data, in prospects' own styles. A script does not fix the order of
the bot's questions: it gives an answer per question (keyed by what is asked), and the driver
(tests/system/test_conversations.py) answers whatever the bot asks next. So a script tests what
a prospect experiences (the lead in the store, what was asked, how often), not one dialogue
path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

HERE = Path(__file__).parent
SETS = {"dev": HERE / "dev.yml", "heldout": HERE / "heldout.yml"}

#: Questions a script can answer: the form's slots plus the points outside the form.
KEYS = (
    "start", "company", "hiring_roles", "positions", "urgency", "decision_maker", "consent",
    "person_name", "contact", "email", "phone", "open_days", "tried_before", "fee_model",
    "company_size", "company_location", "contact_time", "confirm", "exit_confirm",
    "decline_reason",
)  # fmt: skip


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company: str
    role: str
    days_open: int


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["lead", "no_lead"]
    answers: dict[str, str | int | bool] = Field(default_factory=dict)
    contact: Contact | None = None
    consent: bool | None = None
    not_asked: list[str] = Field(default_factory=list)
    language: Literal["en", "id"] | None = None


class Script(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    language: Literal["en", "id"]
    style: list[str]
    link: Link | None = None
    opening: str
    answers: dict[str, str | list[str]]
    say_before: dict[str, list[str]] = Field(default_factory=dict)
    expect: Expect

    @field_validator("answers", "say_before")
    @classmethod
    def _known_keys(cls, value: dict[str, object]) -> dict[str, object]:
        unknown = sorted(set(value) - set(KEYS))
        if unknown:
            raise ValueError(f"unknown question keys {unknown}; known: {', '.join(KEYS)}")
        return value

    def answer(self, key: str, turn: int) -> str | None:
        """What the prospect says the ``turn``-th time (from 0) the bot asks ``key``."""
        given = self.answers.get(key)
        if isinstance(given, list):
            return given[turn] if turn < len(given) else None
        return given if turn == 0 else None


def load(name: str) -> list[Script]:
    """One set's scripts; a malformed script is an error naming the file and the script."""
    path = SETS[name]
    scripts = []
    for index, raw in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
        try:
            scripts.append(Script.model_validate(raw))
        except ValidationError as exc:
            ident = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
            raise ValueError(f"{path.name}: script {ident}: {exc}") from None
    return scripts
