"""The scrape queue with real Redis and real ``sinyal scrape worker`` processes.

What is measured is measured where it counts: request times at the host (a loopback server that
notes each arrival), postings in the store, the run's report.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from scrapers.demo_site.server import DemoSiteServer
from scrapers.fetcher import Fetcher, FetchPolicy
from scrapers.http_cache import StoreValidatorCache
from scrapers.queue import source_config
from scrapers.runner import RunReport, run_sources
from scrapers.sources import Source, build_source
from sinyal.flows import load_flows
from sinyal.signals.refresh import unique_sources
from sinyal.store import Store
from sinyal.store.models import Company, JobPosting, ScrapeRun
from tests.support.scrape_queue import sending_queue, worker_env, workers
from tests.support.slow_hosts import SlowHosts

PROJECT = Path(__file__).resolve().parents[2]
#: Scheduling jitter allowed at the host: a request reserved for its slot may reach the host a
#: few ms late, so the next one (on time) can look that much closer. Far below any interval.
JITTER = 0.03


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'queue.db'}")
    store.upgrade()
    yield store
    store.close()


@pytest.fixture
def hosts() -> Iterator[SlowHosts]:
    server = SlowHosts(1, delay=0.05).start()
    yield server
    server.stop()


def lever(site: str, base_url: str) -> Source:
    return build_source({"type": "lever", "site": site, "base_url": base_url, "local": True})


def db_path(store: Store) -> Path:
    database = store.engine.url.database
    assert database is not None
    return Path(database)


@pytest.mark.parametrize(
    ("rate", "robots", "interval"),
    [
        ("4", "User-agent: *\nAllow: /\n", 0.25),  # the rate setting: 4 requests/s
        ("50", "User-agent: *\nCrawl-delay: 0.3\n", 0.3),  # the host's Crawl-delay, longer
    ],
    ids=["rate", "crawl-delay"],
)
def test_two_workers_never_break_one_hosts_rate_limit(
    hosts: SlowHosts,
    sqlite_store: Store,
    queue_namespace: str,
    rate: str,
    robots: str,
    interval: float,
) -> None:
    hosts.robots = robots
    sources = [lever(f"site{n}", hosts.urls()[0]) for n in range(12)]  # all on one host
    queue = sending_queue(queue_namespace)
    env = worker_env(
        db_path(sqlite_store),
        queue_namespace,
        SINYAL_SCRAPE_REQUESTS_PER_SECOND=rate,
        SINYAL_SCRAPE_WORKER_THREADS="3",
    )
    with workers(2, env, queue):
        report = queue.run(sources, sqlite_store)
    assert [s.error for s in report.sources] == [None] * 12 and report.total("new") == 36
    assert len({s.worker for s in report.sources}) == 2  # both processes fetched from the host
    arrivals = hosts.hits_at(hosts.ports[0])
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(arrivals) >= 13, arrivals
    # The server notes an arrival when its thread gets the CPU: on a loaded machine one request
    # is noted late and the next gap looks short (0.33 s then 0.17 s). The requests were sent
    # in step all the same: every two gaps together span two intervals, and none is near zero
    # (without the shared limit, six threads' requests arrive at once).
    assert min(a + b for a, b in itertools.pairwise(gaps)) >= 2 * interval - JITTER, gaps
    assert min(gaps) >= interval / 2, gaps


def rows(store: Store) -> list[tuple[Any, ...]]:
    """Every stored posting, without what differs between any two runs (ids, timestamps)."""
    with store.transaction() as session:
        return sorted(
            session.execute(
                select(
                    JobPosting.source, JobPosting.external_id, JobPosting.title,
                    JobPosting.normalized_title, Company.name, JobPosting.location,
                    JobPosting.gender_marker, JobPosting.employment_type, JobPosting.date_posted,
                    JobPosting.valid_through, JobPosting.url, JobPosting.repost_key,
                    JobPosting.original_start, JobPosting.content_hash, JobPosting.listed_on,
                    JobPosting.closed_at,
                ).join(Company)
            ).all()
        )  # fmt: skip


def per_source(report: RunReport) -> list[tuple[Any, ...]]:
    return [(s.key, s.fetched, s.new, s.item_errors, s.complete, s.error) for s in report.sources]


def test_the_queue_stores_the_same_postings_as_the_in_process_run(
    demo_site: DemoSiteServer,
    tmp_path: Path,
    queue_namespace: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SINYAL_DEMO_SITE_URL", demo_site.url)
    sources = unique_sources(load_flows(PROJECT / "flows"))
    stores = [Store.from_url(f"sqlite:///{tmp_path / name}") for name in ("in.db", "queued.db")]
    for store in stores:
        store.upgrade()
    policy = FetchPolicy(requests_per_second=50, retries=1, timeout=5)
    fetcher = Fetcher(policy, cache=StoreValidatorCache(stores[0]), defer_validators=True)
    in_process = run_sources(sources, stores[0], fetcher)

    queue = sending_queue(queue_namespace)
    env = worker_env(db_path(stores[1]), queue_namespace, SINYAL_SCRAPE_REQUESTS_PER_SECOND="50")
    with workers(2, env, queue):
        queued = queue.run(sources, stores[1], flow_name="long-open-demo")

    assert in_process.total("new") == 26 and rows(stores[0])
    assert rows(stores[1]) == rows(stores[0])
    assert per_source(queued) == per_source(in_process)
    assert queued.skipped_by_robots == in_process.skipped_by_robots == 1
    with stores[1].transaction() as session:
        run = session.scalars(select(ScrapeRun)).one()
        assert run.flow_name == "long-open-demo" and run.status == "partial"  # item errors
        assert run.summary["new"] == 26 and run.finished_at is not None
    for store in stores:
        store.close()


def test_a_failing_source_and_a_hung_task_are_reported_and_the_rest_stored(
    hosts: SlowHosts, sqlite_store: Store, queue_namespace: str
) -> None:
    base = hosts.urls()[0]
    sources = [
        lever("ok-one", base),
        lever("dead", "http://127.0.0.1:9"),  # nothing listens: the scan fails
        lever("hang-forever", base),  # never finishes: the task's time limit stops it
        lever("ok-two", base),
    ]
    queue = sending_queue(queue_namespace, timeout_seconds=60)
    env = worker_env(
        db_path(sqlite_store),
        queue_namespace,
        SINYAL_SCRAPE_REQUESTS_PER_SECOND="50",
        SINYAL_SCRAPE_TASK_TIMEOUT="2",
        SINYAL_SCRAPE_TASK_RETRIES="1",
        SINYAL_SCRAPE_WORKER_THREADS="4",
    )
    with workers(1, env, queue):
        started = time.monotonic()
        report = queue.run(sources, sqlite_store)
        took = time.monotonic() - started
    by_key = {s.key: s for s in report.sources}
    assert [s.key for s in report.sources] == [s.key for s in sources]
    assert by_key["lever:ok-one"].new == 3 and by_key["lever:ok-two"].new == 3
    assert "127.0.0.1:9" in (by_key["lever:dead"].error or "")
    hung = by_key["lever:hang-forever"].error or ""
    assert "task failed 2 times" in hung and "TimeLimitExceeded" in hung, hung
    assert took < 30  # reported by the queue, not found missing when the run's wait ran out
    with sqlite_store.transaction() as session:
        stored = set(session.scalars(select(JobPosting.external_id)))
        run = session.scalars(select(ScrapeRun)).one()
    assert stored == {f"ok-{which}-{k}" for which in ("one", "two") for k in range(3)}
    assert run.status == "partial" and run.summary["errors"] == 2


def test_a_run_nobody_works_on_still_ends_with_every_source_reported(
    hosts: SlowHosts, sqlite_store: Store, queue_namespace: str
) -> None:
    sources = [lever("alone", hosts.urls()[0])]
    report = sending_queue(queue_namespace, timeout_seconds=1.5).run(sources, sqlite_store)
    assert report.all_failed
    assert "no result from the scrape queue within 1.5 s (0 workers alive" in (
        report.sources[0].error or ""
    )


def test_a_source_travels_to_the_worker_as_the_same_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINYAL_DEMO_SITE_URL", "http://127.0.0.1:8800")
    for source in unique_sources(load_flows(PROJECT / "flows")):
        rebuilt = build_source(source_config(source))
        assert (rebuilt.key, rebuilt.config) == (source.key, source.config)
