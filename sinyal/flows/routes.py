"""A flow's ``handover`` section: which consultants a lead may go to, and when it escalates.

Configuration only; sinyal.handover.routing chooses the consultant.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

FACTS = ("language", "region", "industry")


class HandoverRoute(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Conditions on the lead: ``language``, ``region``, ``industry`` (a value or a list).
    when: dict[str, str | list[str]] = Field(default_factory=dict)
    #: Consultants by name; empty means everyone whose own attributes match the lead.
    consultants: list[str] = Field(default_factory=list)

    @field_validator("when")
    @classmethod
    def _known_facts(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        unknown = sorted(set(value) - set(FACTS))
        if unknown:
            raise ValueError(f"unknown condition(s) {unknown}; use {', '.join(FACTS)}")
        return value


class HandoverConfig(BaseModel):
    """A flow's ``handover`` section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    routes: list[HandoverRoute] = Field(default_factory=lambda: [HandoverRoute()])
    #: A lead nobody claimed within this many minutes goes to the next consultant, or the team.
    claim_within_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    escalate_to: str = Field(default="next", pattern="^(next|team)$")
