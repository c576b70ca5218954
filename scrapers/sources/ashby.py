"""Ashby posting API: ``GET {base_url}/posting-api/job-board/{board}``; date is ``publishedAt``."""

from __future__ import annotations

from typing import Any

from scrapers.fetcher import Fetcher, Page
from scrapers.items import PostingItem, clean_text, parse_date
from scrapers.source_configs import AshbyConfig
from scrapers.sources.base import ScanResult, Source, json_list, required


def listed_jobs(page: Page) -> list[Any]:
    """The board's jobs without the unlisted ones (``isListed: false``)."""
    jobs = json_list("jobs")(page)
    return [job for job in jobs if not (isinstance(job, dict) and job.get("isListed") is False)]


class AshbySource(Source):
    kind = "ashby"
    Config = AshbyConfig
    config: AshbyConfig

    @property
    def key(self) -> str:
        return f"ashby:{self.config.board}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        url = f"{self.config.base_url.rstrip('/')}/posting-api/job-board/{self.config.board}"
        yield from self.parse_each(self.fetch(fetcher, url), listed_jobs, self._item)

    def _item(self, job: dict[str, Any]) -> PostingItem:
        return PostingItem(
            source=self.kind,
            source_key=self.key,
            external_id=str(required(job, "id")),
            title=clean_text(required(job, "title")) or "",
            company=self.config.company or self.config.board,
            location=clean_text(job.get("location")),
            date_posted=parse_date(job.get("publishedAt")),
            url=job.get("jobUrl"),
            employment_type=clean_text(job.get("employmentType")),
        )
