"""Scraping on the task queue: a first scrape of many slow hosts, 1 and 2 workers next to today's
sequential run, all in this one run.

N hosts (default 500) on loopback, each a port of 127.0.0.1 of its own (politeness is keyed by
host:port, so to the limiter these are 500 hosts), each answering its Lever-shaped feed of 3
postings after 200 ms; robots.txt answers at once. They are served by a separate process
(``tests/support/slow_hosts.py``), so the hosts do not share the scraper's GIL.

1. Baseline: the in-process run, one source after the other (``sinyal scrape run`` without a
   broker, today's behaviour).
2. The same first scrape through the Dramatiq queue on Redis with 1, then 2 ``sinyal scrape
   worker`` processes (real processes, each with the default thread count), started and idle
   before the clock starts, as they are in production. Wall-clock from the first task sent to
   the run's report, all stored.

Each run starts from an empty store (SQLite, or ``--database-url`` for PostgreSQL) and checks
that every posting was stored. Politeness is on throughout: robots.txt is read and requests to
one host are spaced by the rate (``--rate``, the setting's maximum, 50/s, so that the baseline
fits the run; at 1/s every host would cost a second more, the same for all three).

    .venv/bin/python benchmarks/scrape_scaleout.py [--hosts 500] [--delay 0.2] [--threads 16]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from sqlalchemy import text  # noqa: E402

from scrapers.fetcher import Fetcher, FetchPolicy  # noqa: E402
from scrapers.http_cache import StoreValidatorCache  # noqa: E402
from scrapers.queue import QueueConfig, ScrapeQueue  # noqa: E402
from scrapers.runner import RunReport, run_sources  # noqa: E402
from scrapers.sources import Source, build_source  # noqa: E402
from sinyal.store import Store  # noqa: E402

SINYAL = PROJECT / ".venv" / "bin" / "sinyal"
BROKER = os.environ.get("SINYAL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PER_SITE = 3


@contextmanager
def slow_hosts(count: int, delay: float) -> Iterator[list[int]]:
    """The hosts' process, and their ports; ended when the benchmark is."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.support.slow_hosts", f"--hosts={count}", f"--delay={delay}"],
        cwd=PROJECT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield json.loads(server.stdout.readline())
    finally:
        server.terminate()
        server.wait(10)


def sources_for(ports: list[int]) -> list[Source]:
    return [
        build_source(
            # Fixture hosts on loopback: sources there must say so (scrapers/address_guard.py).
            {
                "type": "lever",
                "site": f"host{i}",
                "base_url": f"http://127.0.0.1:{port}",
                "local": True,
            }
        )
        for i, port in enumerate(ports)
    ]


def fresh_store(database_url: str | None, directory: Path, name: str) -> tuple[Store, str]:
    if database_url:
        url = database_url  # the caller's PostgreSQL: emptied first, so each run is a first scrape
        store = Store.from_url(url)
        store.upgrade()
        with store.transaction() as session:
            session.execute(text("DELETE FROM job_postings"))
            session.execute(text("DELETE FROM http_cache"))
        return store, url
    url = f"sqlite:///{directory / f'{name}.db'}"
    store = Store.from_url(url)
    store.upgrade()
    return store, url


def policy(rate: float) -> FetchPolicy:
    return FetchPolicy(requests_per_second=rate, retries=0, timeout=15, max_pages=100_000)


def check(report: RunReport, hosts: int, label: str) -> None:
    failed = [s for s in report.sources if s.error]
    stored = report.total("new")
    if failed or stored != hosts * PER_SITE:
        raise SystemExit(f"{label}: {stored} postings stored, {len(failed)} failed: {failed[:3]}")


def baseline(sources: list[Source], store: Store, rate: float) -> float:
    fetcher = Fetcher(policy(rate), cache=StoreValidatorCache(store), defer_validators=True)
    started = time.perf_counter()
    report = run_sources(sources, store, fetcher)
    took = time.perf_counter() - started
    check(report, len(sources), "baseline")
    return took


@contextmanager
def workers(count: int, env: dict[str, str], queue: ScrapeQueue) -> Iterator[None]:
    """``count`` real ``sinyal scrape worker`` processes, alive before the clock starts."""
    procs = [
        subprocess.Popen([str(SINYAL), "scrape", "worker"], env=env, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]
    try:
        deadline = time.monotonic() + 60
        while queue.alive_workers() < count:
            if time.monotonic() > deadline:
                raise SystemExit("the scrape workers did not start within 60 s")
            time.sleep(0.2)
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(60)


def queued(
    sources: list[Source], store: Store, url: str, count: int, args: argparse.Namespace
) -> float:
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    config = QueueConfig(url=BROKER, namespace=namespace, task_retries=0, timeout_seconds=600)
    queue = ScrapeQueue(config, policy(args.rate))
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("SINYAL_") and k != "DATABASE_URL"
    }
    env.update(
        SINYAL_DATABASE_URL=url,
        SINYAL_SCRAPE_BROKER_URL=BROKER,
        SINYAL_SCRAPE_QUEUE_NAMESPACE=namespace,
        SINYAL_SCRAPE_WORKER_THREADS=str(args.threads),
        SINYAL_SCRAPE_REQUESTS_PER_SECOND=str(args.rate),
        SINYAL_SCRAPE_RETRIES="0",
        SINYAL_SCRAPE_MAX_PAGES="100000",
    )
    try:
        with workers(count, env, queue):
            started = time.perf_counter()
            report = queue.run(sources, store)
            took = time.perf_counter() - started
    finally:  # the run's queue, limits and robots.txt copies: this benchmark's own namespace
        for key in queue.client.scan_iter(match=f"{namespace}*", count=1000):
            queue.client.delete(key)
    check(report, len(sources), f"{count} workers")
    spread = len({s.worker for s in report.sources})
    print(f"  ({len(sources)} tasks run by {spread} worker process(es))", flush=True)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds each feed takes")
    parser.add_argument("--threads", type=int, default=16, help="threads per worker")
    parser.add_argument("--rate", type=float, default=50.0, help="requests/s per host")
    parser.add_argument("--database-url", help="PostgreSQL to use instead of SQLite (emptied)")
    args = parser.parse_args()
    print(
        f"first scrape of {args.hosts} loopback hosts, each answering after "
        f"{args.delay * 1000:.0f} ms; {args.threads} threads per worker, {os.cpu_count()} cores",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp, slow_hosts(args.hosts, args.delay) as ports:
        sources = sources_for(ports)
        store, _ = fresh_store(args.database_url, Path(tmp), "baseline")
        base = baseline(sources, store, args.rate)
        store.close()
        print(f"{'sequential, in-process (baseline)':<36} {base:7.1f} s", flush=True)
        for count in (1, 2):
            store, url = fresh_store(args.database_url, Path(tmp), f"workers{count}")
            took = queued(sources, store, url, count, args)
            store.close()
            label = f"queue, {count} worker{'s' if count > 1 else ''}"
            print(f"{label:<36} {took:7.1f} s   {base / took:5.1f}x the baseline's speed")


if __name__ == "__main__":
    main()
