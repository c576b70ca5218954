"""Germany's federal job board (Bundesagentur für Arbeit, Jobsuche), search API v6.

``GET {base_url}/pc/v6/jobs?was=&wo=&umkreis=&page=&size=`` with the public header
``X-API-Key: jobboerse-jobsuche``. The date is ``datumErsteVeroeffentlichung`` (first
publication). The server-side ``veroeffentlichtseit`` filter stops at 100 days, so no age filter
is sent: ages are computed from the first-publication date here.
"""

from __future__ import annotations

from typing import Any

from scrapers.fetcher import Fetcher
from scrapers.items import PostingItem, clean_text, parse_date
from scrapers.source_configs import ArbeitsagenturConfig
from scrapers.sources.base import (
    ScanIncomplete,
    ScanResult,
    Source,
    first,
    given,
    list_at,
)

API_KEY_HEADER = {"X-API-Key": "jobboerse-jobsuche"}


class ArbeitsagenturSource(Source):
    kind = "arbeitsagentur"
    Config = ArbeitsagenturConfig
    config: ArbeitsagenturConfig

    @property
    def key(self) -> str:
        parts = (self.config.was, self.config.wo, self.config.arbeitgeber)
        return "arbeitsagentur:" + "|".join(p or "" for p in parts)

    def scan(self, fetcher: Fetcher) -> ScanResult:
        url = f"{self.config.base_url.rstrip('/')}/pc/v6/jobs"
        query = {
            k: v
            for k, v in (
                ("was", self.config.was),
                ("wo", self.config.wo),
                ("umkreis", self.config.umkreis),
                ("arbeitgeber", self.config.arbeitgeber),
            )
            if v is not None
        }
        for page_number in range(1, self.config.max_pages + 1):
            params = {**query, "page": page_number, "size": self.config.page_size}
            page, data = self.fetch_json(fetcher, url, params=params, headers=API_KEY_HEADER)
            if not isinstance(data, dict):
                raise ScanIncomplete(f"{url}: expected a JSON object")
            # The API leaves "ergebnisliste" out when nothing matches.
            results = list_at(data, "ergebnisliste", url) if "ergebnisliste" in data else []
            yield from self.parse_each(page, given(results), self._item)
            total = int(data.get("maxErgebnisse") or 0)
            if len(results) < self.config.page_size or page_number * self.config.page_size >= total:
                return
        raise ScanIncomplete(f"{url}: more than {self.config.max_pages} pages; narrow the search")

    def _item(self, job: dict[str, Any]) -> PostingItem:
        reference = first(job, "referenznummer", "refnr")
        if not reference:
            raise ValueError("missing 'referenznummer'")
        place = first(job, "stellenlokationen", "arbeitsort")
        if isinstance(place, list):
            place = place[0] if place else None
        if isinstance(place, dict):
            place = (place.get("adresse") or place).get("ort")
        return PostingItem(
            source=self.kind,
            source_key=self.key,
            external_id=str(reference),
            title=clean_text(first(job, "stellenangebotsTitel", "titel", "beruf")) or "",
            company=self.config.company or clean_text(first(job, "firma", "arbeitgeber")) or "",
            location=clean_text(place),
            date_posted=parse_date(job.get("datumErsteVeroeffentlichung")),
            url=f"https://www.arbeitsagentur.de/jobsuche/jobdetail/{reference}",
        )
