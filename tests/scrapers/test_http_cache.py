"""Validators kept in the store: a second process (a new fetcher and cache) still gets 304s."""

from scrapers.demo_site.server import DemoSiteServer
from scrapers.fetcher import Fetcher, FetchPolicy
from scrapers.http_cache import StoreValidatorCache
from sinyal.store import Store

FAST = FetchPolicy(requests_per_second=100, retries=0)


def test_conditional_requests_survive_a_new_process(
    store: Store, demo_site: DemoSiteServer
) -> None:
    url = f"{demo_site.url}/lever/v0/postings/brightwave"
    first = Fetcher(FAST, cache=StoreValidatorCache(store)).get(url, local=True)
    later = Fetcher(FAST, cache=StoreValidatorCache(store))
    again = later.get(url, local=True)
    assert first.status == 200 and again.status == 304
    assert again.json() == first.json()
    assert later.stats.not_modified == 1


def test_cache_entry_is_replaced_not_duplicated(store: Store) -> None:
    from scrapers.fetcher import CachedPage

    cache = StoreValidatorCache(store)
    cache.put("http://x.example/a", CachedPage('"1"', None, b"one", "text/html"))
    cache.put("http://x.example/a", CachedPage('"2"', None, b"two", "text/html"))
    cached = cache.get("http://x.example/a")
    assert cached is not None and cached.etag == '"2"' and cached.content == b"two"
    assert cache.get("http://x.example/other") is None
