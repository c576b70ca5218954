"""Lever postings API: ``GET {base_url}/v0/postings/{site}?mode=json&skip=&limit=``.

``createdAt`` (epoch milliseconds) is when the posting was created.
"""

from __future__ import annotations

from typing import Any

from scrapers.fetcher import Fetcher
from scrapers.items import PostingItem, clean_text, parse_date
from scrapers.source_configs import LeverConfig
from scrapers.sources.base import ScanIncomplete, ScanResult, Source, given, required


class LeverSource(Source):
    kind = "lever"
    Config = LeverConfig
    config: LeverConfig

    @property
    def key(self) -> str:
        return f"lever:{self.config.site}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        url = f"{self.config.base_url.rstrip('/')}/v0/postings/{self.config.site}"
        skip = 0
        while True:
            params = {"mode": "json", "skip": skip, "limit": self.config.page_size}
            page, batch = self.fetch_json(fetcher, url, params=params)
            if not isinstance(batch, list):
                raise ScanIncomplete(f"{url}: expected a list of postings")
            yield from self.parse_each(page, given(batch), self._item)
            if len(batch) < self.config.page_size:
                return
            skip += len(batch)

    def _item(self, posting: dict[str, Any]) -> PostingItem:
        categories = posting.get("categories") or {}
        return PostingItem(
            source=self.kind,
            source_key=self.key,
            external_id=str(required(posting, "id")),
            title=clean_text(required(posting, "text")) or "",
            company=self.config.company or self.config.site,
            location=clean_text(categories.get("location")),
            date_posted=parse_date(posting.get("createdAt")),
            url=posting.get("hostedUrl"),
            employment_type=clean_text(categories.get("commitment")),
        )
