"""What a source is: a configured thing that, given the shared fetcher, yields postings.

Sources never touch the store; the pipeline does. A record a source cannot parse is yielded as
an ``ItemError`` so the rest of the batch goes on; a failure that makes the listing incomplete
(the feed is down, a page in the middle is missing) raises ``ScanIncomplete``, so nothing is
closed on the strength of a partial scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from scrapers.fetcher import Fetcher, FetchError, Page
from scrapers.items import ItemError, PageUnchanged, PostingItem
from scrapers.source_configs import SourceConfig

ScanResult = Iterator[PostingItem | ItemError | PageUnchanged]


class ScanIncomplete(Exception):
    """The source could not list all its postings this time (the cause is chained)."""


class Source:
    """Base class: subclasses set ``kind`` and ``Config`` and implement ``scan``."""

    kind: ClassVar[str]
    Config: ClassVar[type[SourceConfig]]

    def __init__(self, config: SourceConfig) -> None:
        self.config = config

    @property
    def key(self) -> str:
        """Identifies this configured source across runs (postings are closed per key)."""
        raise NotImplementedError

    def scan(self, fetcher: Fetcher) -> ScanResult:
        raise NotImplementedError

    def error(self, url: str | None, message: str) -> ItemError:
        return ItemError(self.key, url, message)

    def fetch(self, fetcher: Fetcher, url: str, **kwargs: Any) -> Page:
        """The page at ``url``; any failure makes the scan incomplete."""
        try:
            return fetcher.get(url, local=self.config.local, **kwargs)
        except FetchError as exc:
            raise ScanIncomplete(str(exc)) from exc

    def fetch_json(self, fetcher: Fetcher, url: str, **kwargs: Any) -> tuple[Page, Any]:
        page = self.fetch(fetcher, url, **kwargs)
        try:
            return page, page.json()
        except FetchError as exc:
            raise ScanIncomplete(str(exc)) from exc

    def parse_each(
        self,
        page: Page,
        records_of: Callable[[Page], Iterable[Any]],
        parse: Callable[[dict[str, Any]], PostingItem],
    ) -> ScanResult:
        """``parse`` every record of ``page``; one that fails becomes an ``ItemError``.

        A page that answered 304 is not read again (``records_of`` is not even called): it
        yields ``PageUnchanged`` and the pipeline re-confirms the postings stored from it.
        """
        if page.not_modified:
            yield PageUnchanged(self.key, page.url)
            return
        for record in records_of(page):
            try:
                item = parse(record)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                yield self.error(page.url, f"record {record!r:.80}: {exc!r}")
                continue
            item.page_url = page.url
            yield item


def list_at(data: Any, key: str, url: str) -> list[Any]:
    """``data[key]`` when it is a list; otherwise the feed is not what it should be."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        raise ScanIncomplete(f"{url}: no {key!r} list in the response")
    return value


def given(records: list[Any]) -> Callable[[Page], list[Any]]:
    """``records_of`` for records already read (paginated feeds parse to find the next page)."""
    return lambda _page: records


def json_list(key: str) -> Callable[[Page], list[Any]]:
    """``records_of`` for a page whose JSON object holds the records under ``key``."""

    def records(page: Page) -> list[Any]:
        try:
            return list_at(page.json(), key, page.url)
        except FetchError as exc:
            raise ScanIncomplete(str(exc)) from exc

    return records


def first(data: dict[str, Any], *keys: str) -> Any:
    """The first present, non-empty value among ``keys`` (vendors rename fields over time)."""
    for key in keys:
        value = data.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def required(data: dict[str, Any], key: str) -> Any:
    """``data[key]``, refusing a missing or empty value (``null`` ids are common in bad feeds)."""
    value = data.get(key)
    if value in (None, ""):
        raise ValueError(f"missing {key!r}")
    return value
