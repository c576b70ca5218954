"""The response body cap: a huge page or a gzip bomb is cut off, and only that page is lost."""

import logging
import tracemalloc

import pytest
from sqlalchemy import select

from scrapers.demo_site.server import DemoSiteServer
from scrapers.fetcher import Fetcher, FetchPolicy, ResponseTooLarge
from scrapers.runner import run_sources
from scrapers.sources import build_source
from sinyal.settings import SettingsError, load_settings
from sinyal.store import Store
from sinyal.store.models import JobPosting
from tests.support.trap_site import BOMB_DECODED_BYTES, gzip_bomb

FAST = FetchPolicy(requests_per_second=100, retries=0, timeout=10)


def test_a_body_of_exactly_the_cap_is_read_and_one_byte_more_is_cut_off(
    trap_site: DemoSiteServer,
) -> None:
    fetcher = Fetcher(FetchPolicy(requests_per_second=100, retries=0, max_bytes=1000))
    assert len(fetcher.get(f"{trap_site.url}/sized?bytes=1000", local=True).content) == 1000
    with pytest.raises(ResponseTooLarge) as cut:
        fetcher.get(f"{trap_site.url}/sized?bytes=1001", local=True)
    assert str(cut.value) == (
        f"{trap_site.url}/sized?bytes=1001: response larger than 1000 bytes, cut off"
    )


def test_a_50_mb_page_is_one_page_error_and_the_rest_of_the_run_is_stored(
    store: Store, trap_site: DemoSiteServer, caplog: pytest.LogCaptureFixture
) -> None:
    site = trap_site.url
    careers = build_source(
        {
            "type": "jsonld",
            "urls": [f"{site}/huge", f"{site}/careers/java-entwickler.html"],
            "local": True,
        }
    )
    greenhouse = build_source(
        {"type": "greenhouse", "board": "nordwind", "base_url": f"{site}/greenhouse", "local": True}
    )
    with caplog.at_level(logging.WARNING, logger="sinyal.scrape"):
        report = run_sources([careers, greenhouse], store, Fetcher(FAST))
    careers_report, greenhouse_report = report.sources

    assert f"{site}/huge: response larger than 10 MB, cut off" in caplog.text
    assert careers_report.item_errors == 1
    # The page after the huge one was read and stored; the scan counts as incomplete, so
    # nothing is closed on the strength of the page that went unread.
    assert careers_report.new == 1 and not careers_report.complete
    assert "over the size cap or refused" in (careers_report.error or "")
    assert greenhouse_report.complete and greenhouse_report.new == 3
    with store.transaction() as session:
        keys = {p.source for p in session.scalars(select(JobPosting))}
    assert keys == {careers.key, greenhouse.key}


def test_a_gzip_bomb_is_cut_off_at_the_cap_without_being_inflated_in_memory(
    trap_site: DemoSiteServer,
) -> None:
    compressed = gzip_bomb()  # built before tracing: only the fetch is measured
    assert len(compressed) < 2 * 1024 * 1024  # under the cap: only decoded bytes can trip it
    fetcher = Fetcher(FAST)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge, match=r"/bomb: response larger than 10 MB, cut off"):
            fetcher.get(f"{trap_site.url}/bomb", local=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < BOMB_DECODED_BYTES // 16, f"peak {peak:,} bytes"  # under 64 MB for 1 GB


def test_the_cap_setting_defaults_to_10_mb_and_must_be_positive(
    clean_env: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().scrape_max_bytes == 10 * 1024 * 1024 == FetchPolicy().max_bytes
    monkeypatch.setenv("SINYAL_SCRAPE_MAX_BYTES", "0")
    with pytest.raises(SettingsError, match="SINYAL_SCRAPE_MAX_BYTES"):
        load_settings()
