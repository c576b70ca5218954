"""Buying-signal sources, one module per kind; ``build_source`` turns YAML config into one."""

from __future__ import annotations

from typing import Any

from scrapers.source_configs import SourceConfig, SourceConfigError, check_source_config
from scrapers.sources.arbeitsagentur import ArbeitsagenturSource
from scrapers.sources.ashby import AshbySource
from scrapers.sources.base import ScanIncomplete, ScanResult, Source
from scrapers.sources.file import FileSource
from scrapers.sources.greenhouse import GreenhouseSource
from scrapers.sources.html import HtmlSource
from scrapers.sources.jsonld import JsonLdSource, extract_postings
from scrapers.sources.lever import LeverSource
from scrapers.sources.personio import PersonioSource
from scrapers.sources.recruitee import RecruiteeSource
from scrapers.sources.smartrecruiters import SmartRecruitersSource

SOURCE_TYPES: dict[str, type[Source]] = {
    cls.kind: cls
    for cls in (
        JsonLdSource,
        GreenhouseSource,
        LeverSource,
        AshbySource,
        RecruiteeSource,
        SmartRecruitersSource,
        PersonioSource,
        ArbeitsagenturSource,
        HtmlSource,
        FileSource,
    )
}


def build_source(config: dict[str, Any]) -> Source:
    """A source from its YAML mapping; errors name the offending field."""
    checked = check_source_config(config)
    return SOURCE_TYPES[checked.type](checked)


__all__ = [
    "SOURCE_TYPES",
    "ScanIncomplete",
    "ScanResult",
    "Source",
    "SourceConfig",
    "SourceConfigError",
    "build_source",
    "extract_postings",
]
