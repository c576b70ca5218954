"""SmartRecruiters posting API: ``GET {base_url}/v1/companies/{company_id}/postings``, paginated
with ``limit``/``offset`` up to ``totalFound``; the date is ``releasedDate``."""

from __future__ import annotations

from typing import Any

from scrapers.fetcher import Fetcher, FetchError
from scrapers.items import PostingItem, clean_text, parse_date
from scrapers.sources.base import ScanIncomplete, ScanResult, Source, SourceConfig, required


class SmartRecruitersConfig(SourceConfig):
    company_id: str
    base_url: str = "https://api.smartrecruiters.com"
    page_size: int = 100


class SmartRecruitersSource(Source):
    kind = "smartrecruiters"
    Config = SmartRecruitersConfig
    config: SmartRecruitersConfig

    @property
    def key(self) -> str:
        return f"smartrecruiters:{self.config.company_id}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        url = f"{self.config.base_url.rstrip('/')}/v1/companies/{self.config.company_id}/postings"
        offset = 0
        while True:
            params = {"limit": self.config.page_size, "offset": offset}
            try:
                data = fetcher.get(url, params=params).json()
            except FetchError as exc:
                raise ScanIncomplete(str(exc)) from exc
            content = data.get("content") if isinstance(data, dict) else None
            if not isinstance(content, list):
                raise ScanIncomplete(f"{url}: no 'content' list in the response")
            for posting in content:
                try:
                    yield self._item(posting)
                except (KeyError, TypeError, ValueError) as exc:
                    yield self.error(url, f"posting {posting!r:.80}: {exc!r}")
            offset += len(content)
            if not content or offset >= int(data.get("totalFound") or 0):
                return

    def _item(self, posting: dict[str, Any]) -> PostingItem:
        location = posting.get("location") or {}
        place = ", ".join(str(location[k]) for k in ("city", "country") if location.get(k))
        company = (posting.get("company") or {}).get("name")
        return PostingItem(
            source=self.kind,
            source_key=self.key,
            external_id=str(required(posting, "id")),
            title=clean_text(required(posting, "name")) or "",
            company=self.config.company or clean_text(company) or self.config.company_id,
            location=place or None,
            date_posted=parse_date(posting.get("releasedDate")),
            url=posting.get("ref") or posting.get("applyUrl"),
            employment_type=clean_text((posting.get("typeOfEmployment") or {}).get("label")),
        )
