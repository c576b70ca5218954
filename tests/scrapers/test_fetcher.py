"""The shared fetcher against a real HTTP server on loopback (the demo job site).

The demo site is on 127.0.0.1, so its fetches are a local source's (``local=True``).
"""

import time

import pytest
import requests

from scrapers.demo_site.server import DemoSiteServer
from scrapers.fetcher import (
    Fetcher,
    FetchError,
    FetchPolicy,
    MemoryValidatorCache,
    PageCapReached,
    RobotsDisallowed,
)
from tests.support.slow_hosts import SlowHosts

FAST = FetchPolicy(requests_per_second=50, timeout=5, retries=2, backoff_factor=0.1)


def hits(site: DemoSiteServer, path: str) -> int:
    return site.hits[path]


def test_robots_disallowed_url_is_skipped_reported_and_never_fetched(
    demo_site: DemoSiteServer,
) -> None:
    fetcher = Fetcher(FAST)
    with pytest.raises(RobotsDisallowed, match=r"disallowed by robots\.txt"):
        fetcher.get(f"{demo_site.url}/private/internal-roles.html", local=True)
    assert fetcher.stats.skipped_by_robots == 1
    assert hits(demo_site, "/private/internal-roles.html") == 0
    assert hits(demo_site, "/robots.txt") == 1
    fetcher.get(f"{demo_site.url}/careers/index.html", local=True)
    assert hits(demo_site, "/robots.txt") == 1  # parsed once per origin


def test_429_is_retried_after_the_retry_after_delay(demo_site: DemoSiteServer) -> None:
    started = time.monotonic()
    page = Fetcher(FAST).get(f"{demo_site.url}/test/retry-after", local=True)
    assert page.json()["attempt"] == 2
    assert time.monotonic() - started >= 0.9  # Retry-After: 1


def test_500_then_200_succeeds_on_retry(demo_site: DemoSiteServer) -> None:
    assert Fetcher(FAST).get(f"{demo_site.url}/test/flaky", local=True).json() == {
        "ok": True,
        "attempt": 2,
    }
    assert hits(demo_site, "/test/flaky") == 2


def test_response_slower_than_the_timeout_fails_in_bounded_time(demo_site: DemoSiteServer) -> None:
    fetcher = Fetcher(FetchPolicy(requests_per_second=50, timeout=0.5, retries=1, backoff_factor=0))
    started = time.monotonic()
    with pytest.raises(FetchError, match="test/slow"):
        fetcher.get(f"{demo_site.url}/test/slow", local=True)
    assert time.monotonic() - started < 2.5


def test_dead_host_is_a_fetch_error_naming_the_url() -> None:
    fetcher = Fetcher(FetchPolicy(requests_per_second=50, timeout=1, retries=1, backoff_factor=0))
    with pytest.raises(FetchError, match=r"http://127\.0\.0\.1:9/"):
        fetcher.get("http://127.0.0.1:9/jobs", local=True)


def test_404_is_an_error(demo_site: DemoSiteServer) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        Fetcher(FAST).get(f"{demo_site.url}/careers/nope.html", local=True)


def test_unchanged_page_costs_a_304_and_keeps_its_content(demo_site: DemoSiteServer) -> None:
    cache = MemoryValidatorCache()
    url = f"{demo_site.url}/greenhouse/v1/boards/nordwind/jobs"
    first = Fetcher(FAST, cache=cache).get(url, local=True)
    second_fetcher = Fetcher(FAST, cache=cache)
    second = second_fetcher.get(url, local=True)
    assert first.status == 200 and second.status == 304 and second.not_modified
    assert second.content == first.content
    assert second_fetcher.stats.not_modified == 1


def test_requests_to_one_host_are_rate_limited(demo_site: DemoSiteServer) -> None:
    fetcher = Fetcher(FetchPolicy(requests_per_second=5, retries=0))
    fetcher.get(f"{demo_site.url}/careers/index.html", local=True)  # robots.txt + page
    started = time.monotonic()
    for _ in range(3):
        fetcher.get(f"{demo_site.url}/careers/index.html", local=True)
    assert time.monotonic() - started >= 3 * 0.2 * 0.9


def test_user_agent_identifies_the_bot_with_a_contact_url(demo_site: DemoSiteServer) -> None:
    policy = FetchPolicy(user_agent="SinyalBot/0.1 (+https://consultancy.example/bot)")
    headers = Fetcher(policy).get(f"{demo_site.url}/test/headers", local=True).json()
    assert headers["User-Agent"] == "SinyalBot/0.1 (+https://consultancy.example/bot)"


def test_page_cap_stops_the_run(demo_site: DemoSiteServer) -> None:
    fetcher = Fetcher(FetchPolicy(requests_per_second=50, max_pages=2))
    fetcher.get(f"{demo_site.url}/careers/index.html", local=True)  # robots.txt counts too
    with pytest.raises(PageCapReached, match="page cap of 2"):
        fetcher.get(f"{demo_site.url}/careers/engineering.html", local=True)


def test_windows_1252_page_decodes_from_its_meta_charset(demo_site: DemoSiteServer) -> None:
    page = Fetcher(FAST).get(f"{demo_site.url}/careers/legacy.html", local=True)
    assert "Schweißer für Großanlagen" in page.text
    assert "Düsseldorf" in page.text


def test_declared_header_charset_wins() -> None:
    from scrapers.fetcher import decode

    assert decode("Größe".encode("cp1252"), "text/html; charset=windows-1252") == "Größe"
    assert decode("Größe".encode(), "application/json; charset=utf-8") == "Größe"


def test_malformed_json_is_a_clear_error(demo_site: DemoSiteServer) -> None:
    page = Fetcher(FAST).get(f"{demo_site.url}/careers/index.html", local=True)
    with pytest.raises(FetchError, match="not valid JSON"):
        page.json()


def test_demo_site_serves_conditional_requests_itself(demo_site: DemoSiteServer) -> None:
    first = requests.get(f"{demo_site.url}/careers/index.html", timeout=5)
    again = requests.get(
        f"{demo_site.url}/careers/index.html",
        headers={"If-None-Match": first.headers["ETag"]},
        timeout=5,
    )
    assert again.status_code == 304


def test_local_file_unchanged_is_not_modified_and_a_changed_one_is_read(tmp_path) -> None:
    export = tmp_path / "jobs.jsonl"
    export.write_text('{"id": 1}\n')
    fetcher = Fetcher(FAST)
    first = fetcher.get_file(export)
    assert (first.status, first.not_modified, first.url) == (200, False, export.as_uri())
    again = fetcher.get_file(export)
    assert again.not_modified and again.content == b'{"id": 1}\n'
    export.write_text('{"id": 1}\n{"id": 2}\n')  # size changes
    changed = fetcher.get_file(export)
    assert not changed.not_modified and changed.content.count(b"\n") == 2
    assert fetcher.stats.requests == 0 and fetcher.stats.not_modified == 1


def test_missing_local_file_is_a_fetch_error_naming_it(tmp_path) -> None:
    with pytest.raises(FetchError, match=r"nothing\.jsonl: cannot read"):
        Fetcher(FAST).get_file(tmp_path / "nothing.jsonl")


def test_get_never_serves_local_files(tmp_path) -> None:
    """A page linking to file:// must not lead the scraper into the disk."""
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    with pytest.raises(FetchError):
        Fetcher(FAST).get(secret.as_uri())


def test_the_first_page_after_robots_txt_already_keeps_the_crawl_delay() -> None:
    """The spacing owed before a request is the one known when it is sent: robots.txt is read
    at the default rate, and the page after it waits the Crawl-delay robots.txt just gave."""
    host = SlowHosts(1, delay=0, robots="User-agent: *\nCrawl-delay: 0.3\n").start()
    try:
        fetcher = Fetcher(FetchPolicy(requests_per_second=50, retries=0, timeout=5))
        fetcher.get(f"{host.urls()[0]}/v0/postings/x", local=True)
        robots_at, page_at = host.hits_at(host.ports[0])
    finally:
        host.stop()
    assert page_at - robots_at >= 0.27  # 0.3 s, less the jitter of a loaded machine
