"""Recruitee careers API: ``GET {base_url}/api/offers/`` (base is ``https://{company}.recruitee.com``).

The date is ``published_at`` (``created_at`` as a fallback); offers not ``published`` are skipped.
"""

from __future__ import annotations

from typing import Any

from scrapers.fetcher import Fetcher, Page
from scrapers.items import PostingItem, clean_text, parse_date
from scrapers.source_configs import RecruiteeConfig
from scrapers.sources.base import ScanResult, Source, first, json_list, required


def published_offers(page: Page) -> list[Any]:
    """Offers with status "published" (drafts and closed offers are in the feed too)."""
    offers = json_list("offers")(page)
    return [
        offer
        for offer in offers
        if not (isinstance(offer, dict) and offer.get("status", "published") != "published")
    ]


class RecruiteeSource(Source):
    kind = "recruitee"
    Config = RecruiteeConfig
    config: RecruiteeConfig

    @property
    def key(self) -> str:
        return f"recruitee:{self.config.base_url.rstrip('/')}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        url = f"{self.config.base_url.rstrip('/')}/api/offers/"
        yield from self.parse_each(self.fetch(fetcher, url), published_offers, self._item)

    def _item(self, offer: dict[str, Any]) -> PostingItem:
        location = first(offer, "location") or ", ".join(
            str(v) for v in (offer.get("city"), offer.get("country")) if v
        )
        return PostingItem(
            source=self.kind,
            source_key=self.key,
            external_id=str(required(offer, "id")),
            title=clean_text(required(offer, "title")) or "",
            company=self.config.company or clean_text(offer.get("company_name")) or "",
            location=clean_text(location),
            date_posted=parse_date(first(offer, "published_at", "created_at")),
            valid_through=parse_date(offer.get("close_at")),
            url=first(offer, "careers_url", "careers_apply_url"),
            employment_type=clean_text(offer.get("employment_type_code")),
        )
