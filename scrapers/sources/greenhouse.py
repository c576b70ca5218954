"""Greenhouse job board API: ``GET {base_url}/v1/boards/{board}/jobs?content=true``.

The posting date is ``first_published``; ``updated_at`` moves on every edit and would reset
the clock, so it is only a fallback when ``first_published`` is absent.
"""

from __future__ import annotations

from typing import Any

from scrapers.fetcher import Fetcher
from scrapers.items import PostingItem, clean_text, parse_date
from scrapers.source_configs import GreenhouseConfig
from scrapers.sources.base import ScanResult, Source, first, json_list, required


class GreenhouseSource(Source):
    kind = "greenhouse"
    Config = GreenhouseConfig
    config: GreenhouseConfig

    @property
    def key(self) -> str:
        return f"greenhouse:{self.config.board}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        base = f"{self.config.base_url.rstrip('/')}/v1/boards/{self.config.board}"
        page = self.fetch(fetcher, f"{base}/jobs", params={"content": "true"})
        company = self.config.company or self.fetch_json(fetcher, base)[1].get("name")
        yield from self.parse_each(
            page, json_list("jobs"), lambda job: self._item(job, company or self.config.board)
        )

    def _item(self, job: dict[str, Any], company: str) -> PostingItem:
        location = job.get("location") or {}
        return PostingItem(
            source=self.kind,
            source_key=self.key,
            external_id=str(required(job, "id")),
            title=clean_text(required(job, "title")) or "",
            company=company,
            location=clean_text(location.get("name") if isinstance(location, dict) else location),
            date_posted=parse_date(first(job, "first_published", "updated_at")),
            url=job.get("absolute_url"),
        )
