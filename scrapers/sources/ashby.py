"""Ashby posting API: ``GET {base_url}/posting-api/job-board/{board}``; date is ``publishedAt``."""

from __future__ import annotations

from typing import Any

from scrapers.fetcher import Fetcher
from scrapers.items import PostingItem, clean_text, parse_date
from scrapers.sources.base import ScanResult, Source, SourceConfig, list_at, required


class AshbyConfig(SourceConfig):
    board: str
    base_url: str = "https://api.ashbyhq.com"


class AshbySource(Source):
    kind = "ashby"
    Config = AshbyConfig
    config: AshbyConfig

    @property
    def key(self) -> str:
        return f"ashby:{self.config.board}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        url = f"{self.config.base_url.rstrip('/')}/posting-api/job-board/{self.config.board}"
        page, data = self.fetch_json(fetcher, url)
        jobs = list_at(data, "jobs", url)
        listed = [
            job for job in jobs if not (isinstance(job, dict) and job.get("isListed") is False)
        ]
        yield from self.parse_each(page, listed, self._item)

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
