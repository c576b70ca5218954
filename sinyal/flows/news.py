"""A flow's ``news:`` section: where company news comes from and how much its signals weigh.

```yaml
news:
  sources:
    - feed: https://www.example-news.de/wirtschaft/rss.xml
    - press_page: https://www.nordwind-logistik.de/presse/   # its article links are followed
    - files: exports/news/*.html                            # saved pages, relative to the cwd
  weight: 1.0                 # a fresh positive signal adds weight x confidence to a trigger
  half_life_days: {funding: 90}   # override a type's default (sinyal/signals/news/kinds.py)
  suppress_negative_days: 180 # layoffs or insolvency: no outreach to the company for this long
  min_confidence: 0.5         # weaker classifications are not stored
  max_age_days: 365           # older news is not a signal any more
```
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The signal types a flow may weigh (the classifier's classes less ``none``).
SignalTypeName = Literal[
    "expansion", "funding", "acquisition", "management_change", "new_contract",
    "growth_hiring", "product_launch", "layoffs", "insolvency",
]  # fmt: skip


class NewsSource(BaseModel):
    """One place news comes from: exactly one of ``feed``, ``press_page`` or ``files``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feed: str | None = Field(default=None, pattern=r"^https?://")
    press_page: str | None = Field(default=None, pattern=r"^https?://")
    files: str | None = Field(default=None, min_length=1)
    #: May reach loopback and private addresses (the demo site); production leaves it out.
    local: bool = False
    #: For a press page: at most this many of its article links are read per run.
    max_articles: int = Field(default=30, ge=1, le=500)

    @model_validator(mode="after")
    def _one_kind(self) -> NewsSource:
        given = [k for k in ("feed", "press_page", "files") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("a news source needs exactly one of feed, press_page or files")
        return self

    @property
    def kind(self) -> str:
        return "feed" if self.feed else "press_page" if self.press_page else "files"

    @property
    def location(self) -> str:
        return self.feed or self.press_page or self.files or ""


class NewsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[NewsSource] = Field(default_factory=list)
    weight: float = Field(default=1.0, ge=0, le=100)
    half_life_days: dict[SignalTypeName, Annotated[float, Field(gt=0, le=3650)]] = Field(
        default_factory=dict
    )
    suppress_negative_days: int = Field(default=180, ge=0, le=3650)
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    max_age_days: int = Field(default=365, ge=1, le=3650)

    @model_validator(mode="after")
    def _suppression_fits_the_age_limit(self) -> NewsConfig:
        if self.suppress_negative_days > self.max_age_days:
            raise ValueError(
                "suppress_negative_days is longer than max_age_days: older news is ignored, so "
                "the suppression would end early; raise max_age_days or shorten it"
            )
        return self
