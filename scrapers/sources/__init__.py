"""Buying-signal sources, one module per kind; ``build_source`` turns YAML config into one."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from scrapers.sources.arbeitsagentur import ArbeitsagenturSource
from scrapers.sources.ashby import AshbySource
from scrapers.sources.base import ScanIncomplete, ScanResult, Source, SourceConfig
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


class SourceConfigError(ValueError):
    pass


def build_source(config: dict[str, Any]) -> Source:
    """A source from its YAML mapping; errors name the offending field."""
    kind = config.get("type") if isinstance(config, dict) else None
    if kind not in SOURCE_TYPES:
        known = ", ".join(sorted(SOURCE_TYPES))
        raise SourceConfigError(f"type: {kind!r} is not a known source type ({known})")
    cls = SOURCE_TYPES[kind]
    try:
        return cls(cls.Config.model_validate(config))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise SourceConfigError(f"{kind} source: {problems}") from None


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
