"""A flow's ``qualification`` section: which answers the bot needs, and how they score.

Configuration only: the answers are read in sinyal.leads.qualification and scored there
(``assess``); these models are what the flow's YAML may say.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The structured answers a lead carries (``leads.answers``), in the order the bot asks.
ANSWER_FIELDS = (
    "hiring_roles",
    "positions",
    "open_days",
    "urgency",
    "tried_before",
    "decision_maker",
    "fee_model",
    "company_size",
    "company_location",
)
#: Answers in the prospect's own words: blanked when the prospect's data is erased.
FREE_TEXT_ANSWERS = frozenset({"hiring_roles", "tried_before", "company_location"})
#: What a lead needs unless its flow says otherwise (``qualification.required``); consent, a
#: name and one of email/phone are always asked for after these.
DEFAULT_REQUIRED = ("company", "hiring_roles", "positions", "urgency", "decision_maker")


class ScoreRule(BaseModel):
    """Points when one answer matches: ``equals``, ``in``, or ``at_least`` / ``at_most``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    answer: Literal[ANSWER_FIELDS]  # type: ignore[valid-type]
    equals: str | bool | float | None = None
    one_of: list[str | bool | float] | None = Field(default=None, alias="in")
    at_least: float | None = None
    at_most: float | None = None
    points: int = 0

    @model_validator(mode="after")
    def _one_test(self) -> ScoreRule:
        tests = [self.equals is not None, self.one_of is not None]
        tests.append(self.at_least is not None or self.at_most is not None)
        if sum(tests) != 1:
            raise ValueError("give exactly one of equals, in, or at_least/at_most")
        return self

    def matches(self, answers: dict[str, Any]) -> bool:
        value = answers.get(self.answer)
        if value is None:
            return False
        if self.equals is not None:
            return bool(value == self.equals)
        if self.one_of is not None:
            return value in self.one_of
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        low_ok = self.at_least is None or value >= self.at_least
        return low_ok and (self.at_most is None or value <= self.at_most)

    def describe(self) -> str:
        test = (
            f"= {self.equals}"
            if self.equals is not None
            else f"in {self.one_of}"
            if self.one_of is not None
            else f">= {self.at_least}"
            if self.at_least is not None
            else f"<= {self.at_most}"
        )
        return f"{self.answer} {test}"


def _default_rules() -> list[ScoreRule]:
    return [
        # The fee model is not asked by default (the consultant discusses it): an urgent need
        # and a decider qualify on their own.
        ScoreRule(answer="urgency", equals="asap", points=30),
        ScoreRule(answer="urgency", equals="soon", points=20),
        ScoreRule(answer="positions", at_least=1, points=10),
        ScoreRule(answer="positions", at_least=3, points=10),
        ScoreRule(answer="open_days", at_least=60, points=10),
        ScoreRule(answer="decision_maker", equals=True, points=25),
        ScoreRule(answer="fee_model", one_of=["success", "retainer", "either"], points=10),
    ]


class QualificationRules(BaseModel):
    """A flow's ``qualification`` section. Points add up; each matching rule counts once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[ScoreRule] = Field(default_factory=_default_rules)
    required: list[Literal[("company", *ANSWER_FIELDS)]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: list(DEFAULT_REQUIRED)
    )
    qualified_at: int = 60
    nurture_at: int = 25
    disqualify_when: list[ScoreRule] = Field(
        default_factory=lambda: [ScoreRule(answer="fee_model", equals="no")]
    )

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> QualificationRules:
        if self.nurture_at > self.qualified_at:
            raise ValueError("nurture_at must not be above qualified_at")
        return self
