"""Personio XML feed: ``GET {base_url}/xml?language=de`` (base ``https://{company}.jobs.personio.de``).

``<workzag-jobs><position>`` elements with ``<id>``, ``<name>``, ``<office>``,
``<employmentType>`` and ``<createdAt>`` (the posting's creation time).
"""

from __future__ import annotations

from lxml import etree

from scrapers.fetcher import Fetcher
from scrapers.items import PageUnchanged, PostingItem, clean_text, parse_date
from scrapers.source_configs import PersonioConfig
from scrapers.sources.base import ScanIncomplete, ScanResult, Source


class PersonioSource(Source):
    kind = "personio"
    Config = PersonioConfig
    config: PersonioConfig

    @property
    def key(self) -> str:
        return f"personio:{self.config.base_url.rstrip('/')}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        base = self.config.base_url.rstrip("/")
        page = self.fetch(fetcher, f"{base}/xml", params={"language": self.config.language})
        if page.not_modified:
            yield PageUnchanged(self.key, page.url)
            return
        try:
            root = etree.fromstring(page.content, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError as exc:
            raise ScanIncomplete(f"{page.url}: not well-formed XML ({exc})") from exc
        company = self.config.company or base.split("//")[-1].split(".")[0]
        for position in root.iter("position"):
            text = {c.tag: (c.text or "").strip() for c in position if isinstance(c.tag, str)}
            if not text.get("id") or not text.get("name"):
                yield self.error(page.url, f"position without id or name: {text!r:.80}")
                continue
            yield PostingItem(
                source=self.kind,
                source_key=self.key,
                external_id=text["id"],
                title=clean_text(text["name"]) or "",
                company=company,
                location=clean_text(text.get("office")),
                date_posted=parse_date(text.get("createdAt")),
                url=f"{base}/job/{text['id']}",
                employment_type=clean_text(text.get("employmentType")),
                page_url=page.url,
            )
