"""Flows: one outreach campaign per ``flows/*.yml`` file, loaded into typed configuration.

Configuration only — no stage code is imported here: every stage imports the section it
reads. ``from sinyal.flows import load_flow, FlowDefinition`` is the usual entry.
"""

from sinyal.flows.definition import (
    Allocation,
    Costs,
    Experiment,
    FlowDefinition,
    Persona,
    TriggerRule,
    Variant,
)
from sinyal.flows.loading import (
    ENV_ALLOWED,
    EnvReferenceError,
    FlowError,
    current_flow,
    env_allowed,
    expand_env,
    find_flow,
    load_flow,
    load_flows,
    rules_of,
)
from sinyal.flows.news import NewsConfig, NewsSource

__all__ = [
    "ENV_ALLOWED",
    "Allocation",
    "Costs",
    "EnvReferenceError",
    "Experiment",
    "FlowDefinition",
    "FlowError",
    "NewsConfig",
    "NewsSource",
    "Persona",
    "TriggerRule",
    "Variant",
    "current_flow",
    "env_allowed",
    "expand_env",
    "find_flow",
    "load_flow",
    "load_flows",
    "rules_of",
]
