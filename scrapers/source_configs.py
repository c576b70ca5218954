"""What a flow's ``sources:`` entries may say: one typed config per source kind.

Kept apart from the sources themselves (sinyal.flows validates these when a flow loads) so
that reading a flow does not load the scraping stack (requests, lxml, extruct, bs4): the action
server reads flows for their qualification rules and never scrapes.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator


class SourceConfigError(ValueError):
    pass


class SourceConfig(BaseModel):
    """Common to every source. Subclasses add their own fields; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    company: str | None = None
    # Whether the source's URLs, and their redirects, may lead to loopback or private addresses
    # (a demo site, an intranet ATS). Off, those are refused: see scrapers.address_guard. Strict,
    # so only a boolean turns it on, never a string or a number ("yes", "1", 1).
    local: StrictBool = Field(
        default=False, description="on your own machine or network: loopback and private OK"
    )


#: What an ``html`` source's CSS selectors may fill.
HTML_FIELDS = (
    "title",
    "company",
    "location",
    "url",
    "date_posted",
    "valid_through",
    "employment_type",
    "external_id",
)
Format = Literal["jsonl", "json", "csv"]


class JsonLdConfig(SourceConfig):
    """Posting pages to read, listed directly and/or discovered from listing pages."""

    urls: list[str] = Field(default_factory=list)
    listing_urls: list[str] = Field(default_factory=list)
    link_selector: str = "a[href]"
    link_pattern: str | None = None


class GreenhouseConfig(SourceConfig):
    board: str
    base_url: str = "https://boards-api.greenhouse.io"


class LeverConfig(SourceConfig):
    site: str
    base_url: str = "https://api.lever.co"
    page_size: int = 100


class AshbyConfig(SourceConfig):
    board: str
    base_url: str = "https://api.ashbyhq.com"


class RecruiteeConfig(SourceConfig):
    base_url: str


class SmartRecruitersConfig(SourceConfig):
    company_id: str
    base_url: str = "https://api.smartrecruiters.com"
    page_size: int = 100


class PersonioConfig(SourceConfig):
    base_url: str
    language: str = "de"


class ArbeitsagenturConfig(SourceConfig):
    was: str | None = None
    wo: str | None = None
    umkreis: int | None = None
    arbeitgeber: str | None = None
    base_url: str = "https://rest.arbeitsagentur.de/jobboerse/jobsuche-service"
    page_size: int = 100
    max_pages: int = 20


class HtmlConfig(SourceConfig):
    list_url: str
    item: str
    fields: dict[str, str]
    next_page: str | None = None
    detail: dict[str, str] = Field(default_factory=dict)
    max_list_pages: int = 50

    @field_validator("fields", "detail")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(HTML_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown field(s) {', '.join(unknown)}; known: {', '.join(HTML_FIELDS)}"
            )
        return value

    @field_validator("fields")
    @classmethod
    def _title_required(cls, value: dict[str, str]) -> dict[str, str]:
        if "title" not in value:
            raise ValueError("a 'title' selector is required")
        return value


class FileConfig(SourceConfig):
    name: str
    path: str
    format: Format | None = None  # from the suffix when not given
    records_key: str | None = None  # .json: the key holding the list, when not a bare list
    fields: dict[str, str] = Field(default_factory=dict)  # Sinyal's field name -> the file's


SOURCE_CONFIGS: dict[str, type[SourceConfig]] = {
    "jsonld": JsonLdConfig,
    "greenhouse": GreenhouseConfig,
    "lever": LeverConfig,
    "ashby": AshbyConfig,
    "recruitee": RecruiteeConfig,
    "smartrecruiters": SmartRecruitersConfig,
    "personio": PersonioConfig,
    "arbeitsagentur": ArbeitsagenturConfig,
    "html": HtmlConfig,
    "file": FileConfig,
}


def check_source_config(config: dict[str, Any]) -> SourceConfig:
    """The typed config of a source's YAML mapping; errors name the offending field."""
    kind = config.get("type") if isinstance(config, dict) else None
    if kind not in SOURCE_CONFIGS:
        known = ", ".join(sorted(SOURCE_CONFIGS))
        raise SourceConfigError(f"type: {kind!r} is not a known source type ({known})")
    try:
        return SOURCE_CONFIGS[kind].model_validate(config)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise SourceConfigError(f"{kind} source: {problems}") from None
