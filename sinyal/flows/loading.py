"""Flow definitions: ``flows/*.yml``, one outreach flow per file, validated on load.

Errors name the file, the line and the field (``flows/x.yml:12: trigger.min_open_days: ...``).
Values may refer to the environment as ``${VAR}`` or ``${VAR:-default}``, so base URLs can point
at a local demo site in tests and at the real vendors in production. Only a few names may be
used (``ENV_ALLOWED``, and any ``FLOW_*``): marketing edits flows, and the environment also holds
the installation's secrets (``${SINYAL_SECRET_KEY}`` in a subject line would mail it out).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    ValidationError,
)

from sinyal.flows.definition import FlowDefinition
from sinyal.flows.qualification import QualificationRules

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
