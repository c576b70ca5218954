"""The fetcher's validator cache kept in the store (``http_cache``), shared by every process."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from scrapers.fetcher import CachedPage
from sinyal.store import Store
from sinyal.store.models import HttpCacheEntry, utcnow


def _key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


@dataclass
class StoreValidatorCache:
    store: Store

    def get(self, url: str) -> CachedPage | None:
        with self.store.transaction() as session:
            entry = session.get(HttpCacheEntry, _key(url))
            if entry is None:
                return None
            return CachedPage(entry.etag, entry.last_modified, entry.content, entry.content_type)

    def put(self, url: str, page: CachedPage) -> None:
        with self.store.transaction() as session:
            entry = session.get(HttpCacheEntry, _key(url)) or HttpCacheEntry(
                url_hash=_key(url), url=url
            )
            entry.etag, entry.last_modified = page.etag, page.last_modified
            entry.content, entry.content_type = page.content, page.content_type
            entry.fetched_at = utcnow()
            session.merge(entry)
