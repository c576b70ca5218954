"""A flow: one outreach campaign's configuration, as typed models (``flows/*.yml``).

Each stage reads its own section: signals the ``sources``, ``news`` and ``trigger``, outreach
the ``persona``, ``variants`` and ``experiment``, the chat and leads the ``qualification``, the
handover its ``handover`` routes. Loading and validating the YAML is sinyal.flows.loading.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from scrapers.source_configs import SourceConfigError, check_source_config
from sinyal.flows.news import NewsConfig
from sinyal.flows.qualification import QualificationRules
from sinyal.flows.routes import HandoverConfig
from sinyal.flows.templates import check_template


def _buildable_source(config: dict[str, Any]) -> dict[str, Any]:
    try:
        check_source_config(config)
    except SourceConfigError as exc:
        raise ValueError(str(exc)) from None
    return config


class TriggerRule(BaseModel):
    """When a company is worth calling for this flow."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_open_days: int = Field(default=90, ge=1, le=3650)
    use_occupation_thresholds: bool = True
    title_include: list[str] = Field(default_factory=list)
    title_exclude: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    marker_required: bool = False
    min_postings: int = Field(default=1, ge=1)
    exclude_companies: list[str] = Field(default_factory=list)
    #: A company's lookalike score (0..1, resemblance to the won clients) times this is added
    #: to its trigger's score, and so to the outreach order; 0 leaves the ranking out.
    lookalike_weight: float = Field(default=2.0, ge=0, le=100)


Template = Annotated[str, AfterValidator(check_template)]
#: The KPI events an outreach message can lead to, in funnel order.
ConversionEvent = Literal["clicked", "chat_started", "qualified", "handed_over", "won"]


class Persona(BaseModel):
    """Who at the company the message is for: job titles matched in the contact list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    titles: list[str] = Field(
        default_factory=lambda: ["hr", "human resources", "talent", "recruit", "personal"]
    )


class Variant(BaseModel):
    """One wording of the message; the first variant of a flow is the control."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")
    subject: Template | None = None
    body: Template
    call_to_action: Template = "Chat with us"
    weight: float = Field(default=1.0, gt=0, le=1000)


class Allocation(BaseModel):
    """How recipients are split: a fixed hash split, or Thompson sampling on a fast event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["hash", "thompson"] = "hash"
    event: ConversionEvent = "clicked"
    min_share: float = Field(default=0.05, ge=0, le=0.5, description="floor per variant")
    burn_in: int = Field(default=100, ge=0, description="exposures per variant before adapting")


class Experiment(BaseModel):
    """What the A/B report judges and the sample it plans for (fixed before the test starts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: ConversionEvent = "clicked"
    mde: float = Field(default=0.2, gt=0, le=10, description="relative lift worth detecting")
    alpha: float = Field(default=0.05, gt=0, lt=1)
    power: float = Field(default=0.8, gt=0, lt=1)
    baseline_rate: float | None = Field(default=None, gt=0, lt=1)


class Costs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    per_message: float = Field(default=0.0, ge=0)
    fixed: float = Field(default=0.0, ge=0)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")


class FlowDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,119}$")
    description: str = ""
    sources: list[Annotated[dict[str, Any], AfterValidator(_buildable_source)]] = Field(
        default_factory=list
    )
    trigger: TriggerRule = Field(default_factory=TriggerRule)
    news: NewsConfig = Field(default_factory=NewsConfig)
    qualification: QualificationRules = Field(default_factory=QualificationRules)
    handover: HandoverConfig = Field(default_factory=HandoverConfig)
    persona: Persona = Field(default_factory=Persona)
    #: email: SMTP to contacts; telegram: messages exported for sending by hand, whose link
    #: opens the Telegram bot; ads: a company list for an ad platform's matched audience.
    channel: Literal["email", "telegram", "ads"] = "email"
    #: Where the tracked link leads: the website chat or the Telegram bot.
    chat: Literal["website", "telegram"] = "website"
    variants: list[Variant] = Field(default_factory=list)
    allocation: Allocation = Field(default_factory=Allocation)
    experiment: Experiment = Field(default_factory=Experiment)
    costs: Costs = Field(default_factory=Costs)

    @model_validator(mode="after")
    def _outreach_is_consistent(self) -> FlowDefinition:
        keys = [v.key for v in self.variants]
        if len(set(keys)) != len(keys):
            raise ValueError("variants: each variant needs its own key")
        if self.channel == "email" and any(v.subject is None for v in self.variants):
            raise ValueError("variants: email variants need a subject")
        if self.channel == "telegram" and self.chat != "telegram":
            raise ValueError("chat: a telegram channel flow must use chat: telegram")
        if self.allocation.min_share * max(len(keys), 1) > 1:
            raise ValueError("allocation.min_share: floors of all variants add up to over 100%")
        return self

    @property
    def control(self) -> Variant | None:
        return self.variants[0] if self.variants else None

    @property
    def definition_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.model_dump(), sort_keys=True).encode()).hexdigest()
