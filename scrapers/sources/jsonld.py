"""schema.org ``JobPosting`` embedded in career pages: JSON-LD, and microdata via extruct.

Real pages are messy: ``@graph`` documents whose ``hiringOrganization`` is an ``{"@id": ...}``
reference, arrays and ``ItemList``s holding several postings, relative URLs, HTML and entities
inside JSON strings, trailing commas. Each ``<script>`` block is parsed on its own, so one
truncated block costs that block only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import jstyleson
import lxml.html
from extruct.w3cmicrodata import MicrodataExtractor
from lxml import etree

from scrapers.fetcher import (
    AddressNotAllowed,
    Fetcher,
    FetchError,
    ResponseTooLarge,
    RobotsDisallowed,
)
from scrapers.items import ItemError, PageUnchanged, PostingItem, clean_text, parse_date
from scrapers.source_configs import JsonLdConfig
from scrapers.sources.base import ScanIncomplete, ScanResult, Source, first

_COMMENT_LINE = re.compile(r"^\s*(//.*|<!--.*-->)", re.MULTILINE)


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type") or node.get("type") or []
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values}


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    """Every dict node in a JSON-LD document (graphs, lists, ItemList elements, nesting)."""
    if isinstance(data, list):
        for entry in data:
            yield from _walk(entry)
    elif isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, dict | list):
                yield from _walk(value)


def _load_json(script: str) -> Any:
    try:
        return json.loads(script, strict=False)
    except ValueError:
        # Trailing commas and comment lines are common; jstyleson (extruct's fallback) copes.
        return jstyleson.loads(_COMMENT_LINE.sub("", script), strict=False)


def _name(value: Any, index: dict[str, dict[str, Any]]) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        if "@id" in value and len(value) <= 2 and value["@id"] in index:
            value = index[value["@id"]]
        return clean_text(first(value, "name", "legalName"))
    return clean_text(value)


def _place(value: Any, index: dict[str, dict[str, Any]]) -> str | None:
    places = value if isinstance(value, list) else [value]
    names = []
    for place in places:
        if isinstance(place, dict) and place.get("@id") in index and len(place) <= 2:
            place = index[place["@id"]]
        address = place.get("address") if isinstance(place, dict) else place
        if isinstance(address, dict):
            country = address.get("addressCountry")
            country = _name(country, index) if isinstance(country, dict) else clean_text(country)
            parts = [clean_text(address.get("addressLocality")), country]
            names.append(", ".join(p for p in parts if p))
        elif address:
            names.append(clean_text(address) or "")
    joined = "; ".join(n for n in names if n)
    return joined or None


def _identifier(value: Any) -> str | None:
    if isinstance(value, dict):
        value = first(value, "value", "@id", "name")
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() or None if value not in (None, "") else None


def posting_from_node(
    node: dict[str, Any],
    index: dict[str, dict[str, Any]],
    page_url: str,
    source: str,
    source_key: str,
    company: str | None = None,
) -> PostingItem | ItemError:
    title = clean_text(first(node, "title", "name"))
    hiring = _name(node.get("hiringOrganization"), index) or company
    if not title or not hiring:
        missing = "title" if not title else "hiringOrganization"
        return ItemError(source_key, page_url, f"JobPosting without {missing}")
    url = urljoin(page_url, str(node["url"])) if isinstance(node.get("url"), str) else page_url
    location = _place(node.get("jobLocation"), index)
    if not location and str(node.get("jobLocationType", "")).upper() == "TELECOMMUTE":
        location = "Remote"
    employment = node.get("employmentType")
    if isinstance(employment, list):
        employment = ", ".join(str(e) for e in employment)
    external_id = _identifier(node.get("identifier")) or (
        url
        if url != page_url
        else hashlib.sha256(f"{page_url}|{title}|{location}".encode()).hexdigest()[:32]
    )
    return PostingItem(
        source=source,
        source_key=source_key,
        external_id=external_id,
        title=title,
        company=hiring,
        location=location,
        date_posted=parse_date(node.get("datePosted")),
        valid_through=parse_date(node.get("validThrough")),
        url=url,
        employment_type=clean_text(employment),
    )


def _microdata_nodes(tree: Any, page_url: str) -> list[dict[str, Any]]:
    """Microdata items flattened to JSON-LD-like dicts (``properties`` lifted up)."""

    def lift(item: Any) -> Any:
        if isinstance(item, list):
            return [lift(i) for i in item]
        if isinstance(item, dict) and "properties" in item:
            return {
                "@type": item.get("type"),
                **{k: lift(v) for k, v in item["properties"].items()},
            }
        return item

    items = MicrodataExtractor().extract_items(tree, page_url)
    return [node for node in _walk([lift(i) for i in items])]


def extract_postings(
    html: str, page_url: str, *, source_key: str = "page", company: str | None = None
) -> list[PostingItem | ItemError]:
    """All JobPostings on one page: JSON-LD first, microdata if the page has no JSON-LD ones."""
    try:
        tree = lxml.html.fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError) as exc:
        return [ItemError(source_key, page_url, f"not parseable as HTML ({exc})")]
    results: list[PostingItem | ItemError] = []
    nodes: list[dict[str, Any]] = []
    for number, script in enumerate(tree.xpath('//script[@type="application/ld+json"]'), 1):
        try:
            nodes.extend(_walk(_load_json(script.text_content())))
        except ValueError as exc:
            results.append(
                ItemError(source_key, page_url, f"JSON-LD block {number} is malformed: {exc}")
            )
    source = "jsonld"
    if not any("JobPosting" in _types(n) for n in nodes):
        nodes = _microdata_nodes(tree, page_url)
        source = "microdata"
    index = {str(n["@id"]): n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 2}
    for node in nodes:
        if "JobPosting" in _types(node):
            results.append(posting_from_node(node, index, page_url, source, source_key, company))
    return results


class JsonLdSource(Source):
    kind = "jsonld"
    Config = JsonLdConfig
    config: JsonLdConfig

    @property
    def key(self) -> str:
        anchor = (self.config.listing_urls or self.config.urls or ["?"])[0]
        return f"jsonld:{anchor}"

    def scan(self, fetcher: Fetcher) -> ScanResult:
        unread = 0
        for url in [*self.config.urls, *self._discover(fetcher)]:
            try:
                page = fetcher.get(url, local=self.config.local)
            except RobotsDisallowed:
                continue  # skipped and counted by the fetcher; robots.txt is the site's word
            except (ResponseTooLarge, AddressNotAllowed) as exc:
                # Too large or refused now is the same next time: aborting here would starve
                # every page after it for good. The page is an error of its own; on to the next.
                unread += 1
                yield self.error(url, exc.reason)
                continue
            except FetchError as exc:
                raise ScanIncomplete(str(exc)) from exc
            if page.not_modified:
                yield PageUnchanged(self.key, page.url)
                continue
            for result in extract_postings(
                page.text, page.url, source_key=self.key, company=self.config.company
            ):
                if isinstance(result, PostingItem):
                    result.page_url = page.url
                yield result
        if unread:  # their postings went unread: closing them as missing would be wrong
            raise ScanIncomplete(f"{unread} page(s) over the size cap or refused were not read")

    def _discover(self, fetcher: Fetcher) -> list[str]:
        from bs4 import BeautifulSoup

        pattern = re.compile(self.config.link_pattern) if self.config.link_pattern else None
        found: list[str] = []
        for listing in self.config.listing_urls:
            try:
                page = fetcher.get(listing, local=self.config.local)
            except FetchError as exc:
                raise ScanIncomplete(str(exc)) from exc
            for link in BeautifulSoup(page.text, "lxml").select(self.config.link_selector):
                href = urljoin(page.url, str(link.get("href", "")))
                if (pattern is None or pattern.search(href)) and href not in found:
                    found.append(href)
        return found
