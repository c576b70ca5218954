"""Whole scrape runs through the runner: summaries, 304 re-scans, closing, failures."""

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from scrapers.demo_site.server import SITE_DIR, DemoSiteServer
from scrapers.fetcher import Fetcher, FetchPolicy
from scrapers.http_cache import StoreValidatorCache
from scrapers.runner import RunReport, run_sources
from scrapers.sources import build_source
from sinyal.store import Store
from sinyal.store.models import JobPosting, ScrapeRun

FAST = FetchPolicy(requests_per_second=100, retries=0, timeout=5)


@pytest.fixture
def own_site(tmp_path: Path) -> Iterator[tuple[DemoSiteServer, Path]]:
    """A demo site served from a copy the test may change."""
    site = tmp_path / "site"
    shutil.copytree(SITE_DIR, site)
    server = DemoSiteServer(("127.0.0.1", 0), site_dir=site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, site
    server.shutdown()
    server.server_close()


def run(store: Store, site: DemoSiteServer, *extra: dict) -> RunReport:
    sources = [
        build_source(
            {
                "type": "greenhouse",
                "board": "nordwind",
                "base_url": f"{site.url}/greenhouse",
                "local": True,  # the demo site is on 127.0.0.1
            }
        ),
        *(build_source(config) for config in extra),
    ]
    fetcher = Fetcher(FAST, cache=StoreValidatorCache(store), defer_validators=True)
    return run_sources(sources, store, fetcher)


def postings(store: Store) -> dict[str, JobPosting]:
    with store.transaction() as s:
        return {p.external_id: p for p in s.scalars(select(JobPosting))}


def test_unchanged_rescan_reuses_the_stored_listing_and_closing_still_works(
    store: Store, own_site: tuple[DemoSiteServer, Path]
) -> None:
    site, root = own_site
    first = run(store, site)
    assert first.sources[0].new == 3 and first.sources[0].unchanged_pages == 0
    second = run(store, site)
    assert second.sources[0].unchanged_pages == 1 and second.sources[0].unchanged == 3
    assert second.sources[0].fetched == 0  # the 304 page was not parsed again
    seen_second = postings(store)["4012001"].last_seen
    assert seen_second > postings(store)["4012001"].first_seen

    jobs_file = root / "greenhouse" / "v1" / "boards" / "nordwind" / "jobs.json"
    data = json.loads(jobs_file.read_text())
    data["jobs"] = [j for j in data["jobs"] if j.get("id") != 4012002]
    jobs_file.write_text(json.dumps(data))
    third = run(store, site)  # changed: a full ingest; the Disponent misses once
    assert third.sources[0].unchanged_pages == 0
    assert postings(store)["4012002"].closed_at is None
    fourth = run(store, site)  # unchanged again: 304, and the second miss closes it
    assert fourth.sources[0].unchanged_pages == 1 and fourth.sources[0].closed == 1
    assert postings(store)["4012002"].closed_at is not None
    assert postings(store)["4012001"].closed_at is None


def test_summary_is_kept_and_one_dead_source_does_not_stop_the_rest(
    store: Store, own_site: tuple[DemoSiteServer, Path]
) -> None:
    site, _ = own_site
    report = run(
        store, site, {"type": "lever", "site": "x", "base_url": "http://127.0.0.1:9", "local": True}
    )
    greenhouse, dead = report.sources
    assert greenhouse.complete and greenhouse.new == 3
    assert not dead.complete and "127.0.0.1:9" in (dead.error or "")
    assert not report.all_failed
    with store.transaction() as s:
        saved = s.scalars(select(ScrapeRun)).one()
        assert saved.status == "partial" and saved.finished_at is not None
        assert saved.summary["new"] == 3 and saved.summary["errors"] == 2  # null id + dead host


def test_a_failed_scan_after_a_good_one_closes_nothing(
    store: Store, own_site: tuple[DemoSiteServer, Path]
) -> None:
    site, root = own_site
    run(store, site)
    (root / "greenhouse" / "v1" / "boards" / "nordwind" / "jobs.json").write_text("{truncated")
    for _ in range(3):
        report = run(store, site)
        assert not report.sources[0].complete
    assert all(p.closed_at is None for p in postings(store).values())


def test_validators_are_kept_only_after_the_postings_are_stored(
    store: Store, own_site: tuple[DemoSiteServer, Path]
) -> None:
    """A fetch whose postings were never stored (a crash) must not turn into a 304 later."""
    site, _ = own_site
    crashed = Fetcher(FAST, cache=StoreValidatorCache(store), defer_validators=True)
    list(
        build_source(
            {
                "type": "greenhouse",
                "board": "nordwind",
                "base_url": f"{site.url}/greenhouse",
                "local": True,
            }
        ).scan(crashed)
    )  # fetched and parsed, then the process "dies" before the pipeline ran
    report = run(store, site)
    assert report.sources[0].unchanged_pages == 0 and report.sources[0].new == 3
