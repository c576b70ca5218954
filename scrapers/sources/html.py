"""Career sites without structured data: CSS selectors declared in the flow's YAML.

- type: html
  company: Contoh Teknologi
  list_url: https://karir.contoh.co.id/lowongan
  item: "li.job"                       # one element per posting on the list page
  fields:                              # selectors inside the item
    title: "h3"
    location: ".city"
    url: "a@href"                      # "selector@attribute" reads an attribute
    date_posted: "time@datetime"
  next_page: "a.next@href"             # pagination (optional)
  detail:                              # selectors on the posting's own page (optional)
    date_posted: "meta[itemprop=datePosted]@content"
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from scrapers.fetcher import Fetcher, FetchError
from scrapers.items import ItemError, PageUnchanged, PostingItem, clean_text, parse_date
from scrapers.source_configs import HtmlConfig
from scrapers.sources.base import ScanResult, Source


def select(root: Tag, spec: str) -> str | None:
    """``"css"`` -> the element's text; ``"css@attr"`` -> the attribute; ``"@attr"`` -> on root."""
    selector, _, attribute = spec.partition("@")
    element = root.select_one(selector) if selector.strip() else root
    if element is None:
        return None
    if attribute:
        value = element.get(attribute)
        return " ".join(value) if isinstance(value, list) else value
    return element.get_text(" ", strip=True)


class HtmlSource(Source):
    kind = "html"
    Config = HtmlConfig
    config: HtmlConfig

    @property
    def key(self) -> str:
        return f"html:{self.config.list_url}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        url: str | None = self.config.list_url
        seen_pages: set[str] = set()
        while url and url not in seen_pages and len(seen_pages) < self.config.max_list_pages:
            seen_pages.add(url)
            page = self.fetch(fetcher, url)
            soup = BeautifulSoup(page.text, "lxml")
            if page.not_modified and not self.config.detail:
                # Same list page, same postings. (With detail pages configured they are read
                # again: a date that changed there would otherwise go unnoticed.)
                yield PageUnchanged(self.key, page.url)
            else:
                for element in soup.select(self.config.item):
                    result = self._item(element, page.url, fetcher)
                    if isinstance(result, PostingItem):
                        result.page_url = page.url
                    yield result
            next_href = select(soup, self.config.next_page) if self.config.next_page else None
            url = urljoin(page.url, next_href) if next_href else None

    def _item(self, element: Tag, page_url: str, fetcher: Fetcher) -> PostingItem | ItemError:
        values: dict[str, Any] = {
            name: select(element, spec) for name, spec in self.config.fields.items()
        }
        if values.get("url"):
            values["url"] = urljoin(page_url, values["url"])
        if self.config.detail and values.get("url"):
            try:
                page = fetcher.get(values["url"], local=self.config.local)
                detail = BeautifulSoup(page.text, "lxml")
            except FetchError as exc:
                return self.error(values["url"], f"detail page: {exc.reason}")
            for name, spec in self.config.detail.items():
                values[name] = select(detail, spec) or values.get(name)
        title = clean_text(values.get("title"))
        company = clean_text(values.get("company")) or self.config.company
        if not title or not company:
            return self.error(page_url, f"posting without {'title' if not title else 'company'}")
        location = clean_text(values.get("location"))
        external_id = (
            values.get("external_id")
            or values.get("url")
            or hashlib.sha256(f"{company}|{title}|{location}".encode()).hexdigest()[:32]
        )
        return PostingItem(
            source=self.kind,
            source_key=self.key,
            external_id=str(external_id),
            title=title,
            company=company,
            location=location,
            date_posted=parse_date(values.get("date_posted")),
            valid_through=parse_date(values.get("valid_through")),
            url=values.get("url"),
            employment_type=clean_text(values.get("employment_type")),
        )
