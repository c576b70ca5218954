"""Flow definitions: ``flows/*.yml``, one outreach flow per file, validated on load.

Errors name the file, the line and the field (``flows/x.yml:12: trigger.min_open_days: ...``).
Values may refer to the environment as ``${VAR}`` or ``${VAR:-default}``, so base URLs can point
at a local demo site in tests and at the real vendors in production.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from scrapers.sources import Source, SourceConfigError, build_source
from sinyal.outreach.templates import check_template
from sinyal.qualification import QualificationRules
from sinyal.routing import HandoverConfig

_NAMED_FIELD = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*): ")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class FlowError(ValueError):
    """A flow file is invalid; ``str()`` is ``file:line: field: problem``."""


def _buildable_source(config: dict[str, Any]) -> dict[str, Any]:
    try:
        build_source(config)
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

    def build_sources(self) -> list[Source]:
        return [build_source(config) for config in self.sources]

    @property
    def definition_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.model_dump(), sort_keys=True).encode()).hexdigest()


def expand_env(value: Any) -> Any:
    if isinstance(value, str):
        return _ENV_REF.sub(lambda m: os.environ.get(m.group(1)) or (m.group(2) or ""), value)
    if isinstance(value, list):
        return [expand_env(v) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v) for k, v in value.items()}
    return value


def _line_of(node: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    """The 1-based line of the field at ``path`` (its key's line; as deep as the file goes)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def load_flow(path: Path) -> FlowDefinition:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(f"{path}: cannot read ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise FlowError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise FlowError(f"{path}:1: a flow file must be a mapping of fields")
    try:
        return FlowDefinition.model_validate(expand_env(data))
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if not loc and (named := _NAMED_FIELD.match(message)):
            # A check across fields names the one to fix first; point at that one's line.
            loc = tuple(named.group(1).split("."))
            message = message[named.end() :]
        field = ".".join(str(p) for p in loc) or "flow"
        raise FlowError(f"{path}:{_line_of(node, loc) or 1}: {field}: {message}") from None


def load_flows(directory: Path) -> list[FlowDefinition]:
    """Every ``*.yml`` flow in ``directory``, sorted by name; names must be unique."""
    flows = [load_flow(p) for p in sorted(directory.glob("*.yml"))]
    names = [f.name for f in flows]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FlowError(f"{directory}: flow name(s) used twice: {', '.join(duplicates)}")
    return flows


def find_flow(directory: Path, name: str) -> FlowDefinition:
    for flow in load_flows(directory):
        if flow.name == name:
            return flow
    raise FlowError(f"no flow named {name!r} in {directory}")
