"""SmartRecruiters posting API: ``GET {base_url}/v1/companies/{company_id}/postings``, paginated
with ``limit``/``offset`` up to ``totalFound``; the date is ``releasedDate``."""

from __future__ import annotations

from typing import Any

from scrapers.fetcher import Fetcher
from scrapers.items import PostingItem, clean_text, parse_date
from scrapers.source_configs import SmartRecruitersConfig
from scrapers.sources.base import ScanResult, Source, given, list_at, required


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
            page, data = self.fetch_json(fetcher, url, params=params)
            content = list_at(data, "content", url)
            yield from self.parse_each(page, given(content), self._item)
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
