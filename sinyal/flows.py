"""Flow definitions: ``flows/*.yml``, one outreach flow per file, validated on load.

Errors name the file, the line and the field (``flows/x.yml:12: trigger.min_open_days: ...``).
Values may refer to the environment as ``${VAR}`` or ``${VAR:-default}``, so base URLs can point
at a local demo site in tests and at the real vendors in production. Only a few names may be
used (``ENV_ALLOWED``, and any ``FLOW_*``): marketing edits flows, and the environment also holds
the installation's secrets (``${SINYAL_SECRET_KEY}`` in a subject line would mail it out).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from functools import lru_cache
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
from sinyal.handover.routing import HandoverConfig
from sinyal.leads.qualification import QualificationRules
from sinyal.outreach.templates import check_template

logger = logging.getLogger(__name__)

_NAMED_FIELD = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*): ")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
#: The environment variables a flow may read, besides any whose name starts ``FLOW_``.
ENV_ALLOWED = frozenset({"SINYAL_DEMO_SITE_URL", "SINYAL_PUBLIC_URL"})
ENV_ALLOWED_PREFIX = "FLOW_"
_STR_TAG = "tag:yaml.org,2002:str"


class FlowError(ValueError):
    """A flow file is invalid; ``str()`` is ``file:line: field: problem``."""


class EnvReferenceError(ValueError):
    """A ``${VAR}`` names a variable flows may not read; ``str()`` names it and the rule."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


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


def env_allowed(name: str) -> bool:
    """Whether a flow may read ``name``: a short list, never the whole environment."""
    return name in ENV_ALLOWED or name.startswith(ENV_ALLOWED_PREFIX)


def _substitute(match: re.Match[str]) -> str:
    name, default = match.group(1), match.group(2)
    if not env_allowed(name):
        allowed = ", ".join(f"${{{n}}}" for n in sorted(ENV_ALLOWED))
        raise EnvReferenceError(
            f"${{{name}}} is not allowed: flow files may only read {allowed} and "
            f"${{{ENV_ALLOWED_PREFIX}...}} variables (the environment also holds secrets, and "
            "flows are edited by people who must not see them)",
            name,
        )
    return os.environ.get(name) or (default or "")


def expand_env(value: Any) -> Any:
    """``${VAR}`` and ``${VAR:-default}`` in strings (also inside lists and dicts) replaced by
    the environment's value; ``EnvReferenceError`` for a name not allowed (``env_allowed``).
    One pass: a value that itself contains ``${...}`` is not expanded again."""
    if isinstance(value, str):
        return _ENV_REF.sub(_substitute, value)
    if isinstance(value, list):
        return [expand_env(v) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v) for k, v in value.items()}
    return value


def _string_nodes(
    node: yaml.Node, field: tuple[Any, ...] = (), seen: set[int] | None = None
) -> Iterator[tuple[yaml.ScalarNode, tuple[Any, ...]]]:
    """Every string value of the document with its field path, in file order, each node once
    (an alias repeats a node, and expanding it twice would expand a value's own ``${...}``).
    Keys are names, never expanded."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG:
        yield node, field
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _string_nodes(item, (*field, i), seen)
    elif isinstance(node, yaml.MappingNode):
        for key, item in node.value:
            yield from _string_nodes(item, (*field, key.value), seen)


def _expand_nodes(root: yaml.Node, path: Path) -> None:
    """Expand the environment in the composed document, in place, so that a refused ``${VAR}``
    is reported with its own line."""
    for node, field in _string_nodes(root):
        try:
            node.value = expand_env(node.value)
        except EnvReferenceError as exc:
            where = ".".join(str(p) for p in field) or "flow"
            line = _line_in(node, "${" + exc.name)
            raise FlowError(f"{path}:{line}: {where}: {exc}") from None


def _line_in(node: yaml.Node, text: str) -> int:
    """The 1-based line of ``text`` in the node's source (a block scalar spans several)."""
    start, end = node.start_mark, node.end_mark
    source = start.buffer or ""
    found = source.find(text, start.index, end.index)
    return start.line + 1 + (source.count("\n", start.index, found) if found >= 0 else 0)


def _parse(path: Path) -> tuple[yaml.Node | None, Any]:
    """The file's YAML node tree (for line numbers) and its data, environment expanded."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(f"{path}: cannot read ({exc})") from None
    try:
        return _compose_expanded(text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise FlowError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None


def _compose_expanded(text: str, path: Path) -> tuple[yaml.Node | None, Any]:
    """One parse: compose the nodes, expand the environment in them, construct the data."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _expand_nodes(node, path)
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


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
    node, data = _parse(path)
    if not isinstance(data, dict):
        raise FlowError(f"{path}:1: a flow file must be a mapping of fields")
    try:
        return FlowDefinition.model_validate(data)
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


@lru_cache(maxsize=32)
def _cached_flow(directory: Path, name: str, _mtime: float) -> FlowDefinition:
    return find_flow(directory, name)


def rules_of(flow: FlowDefinition | None) -> QualificationRules:
    """The flow's scoring rules; the defaults for a chat without a known flow."""
    return flow.qualification if flow else QualificationRules()


def current_flow(directory: Path, name: str | None) -> FlowDefinition | None:
    """The flow a chat belongs to, re-read when a flow file changes; None when unknown (the
    chat then uses the default scoring and routing, and says so in the log)."""
    if not name:
        return None
    try:
        mtime = max((p.stat().st_mtime for p in directory.glob("*.yml")), default=0.0)
        return _cached_flow(directory, name, mtime)
    except FlowError as exc:
        logger.warning("using default scoring and routing: %s", exc)
        return None
