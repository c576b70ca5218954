"""Scrape runs spread over worker processes: one Dramatiq task per source, on Redis.

``sinyal scrape run`` (with ``scrape_broker_url`` set) writes the run's row, sends one task per
source and waits, showing progress, until every task has left its result in the run's Redis
hash; ``sinyal scrape worker`` processes run the tasks, each on a pool of threads, so one worker
fetches from many hosts at once. A task is the same unit of work as a step of the in-process
run (``runner.scrape_one``), so both paths store the same postings.

Why per source and not per page batch: politeness spaces the requests to a host, whoever
sends them, so the pages of one host cannot go faster on two workers than on one; a run gets
faster by working on many hosts at once, and one source is one host (or a few).

Nothing a task does can lose the run's report: a source that fails is a ``SourceReport`` with
its error (``scan_source`` catches everything a source raises); a task that raises anyway (the
store did not answer, a bug) is retried with backoff, and once its retries are spent the
``scrape_source_failed`` actor records the failure in its place; a task that never reports
(no worker running, a worker killed) is reported as missing when the run's timeout passes.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass
from typing import Any, cast

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

from scrapers.fetcher import Fetcher, FetchPolicy
from scrapers.http_cache import StoreValidatorCache
from scrapers.pipeline import PostingPipeline
from scrapers.politeness import RedisHostLimiter, RedisRobotsStore, RedisRunCounter
from scrapers.runner import RunReport, SourceReport, finish_run, scrape_one, start_run
from scrapers.sources import Source, SourceConfigError, build_source
from sinyal.store import Store

logger = logging.getLogger("sinyal.scrape.queue")

QUEUE_NAME = "scrape"
TASK_ACTOR = "scrape_source"
FAILED_ACTOR = "scrape_source_failed"
#: How long a run's results stay in Redis if nobody collects them.
RESULTS_TTL_SECONDS = 7 * 86400
#: A worker counts as alive this long after its last heartbeat.
WORKER_ALIVE_SECONDS = 15.0
HEARTBEAT_SECONDS = 5.0
POLL_SECONDS = 0.2
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class QueueConfig:
    """Where the queue is and how its tasks behave (from ``Settings``; see
    sinyal.signals.refresh)."""

    url: str
    password: str | None = None
    namespace: str = "sinyal"
    task_retries: int = 2
    timeout_seconds: float = 3600.0  # how long a run waits for its tasks
    task_timeout_seconds: float = 1800.0  # one task's time limit (shorter: see Settings)
    min_backoff_ms: int = 1000


def redis_client(config: QueueConfig) -> redis.Redis:
    """The one Redis connection pool for broker, shared limiter and results."""
    return redis.Redis.from_url(config.url, password=config.password)


@dataclass
class TaskResult:
    """What one task leaves for the run: the source's report (naming the worker that ran it)
    and its fetcher's counts."""

    report: SourceReport
    requests: int = 0
    not_modified: int = 0
    skipped_by_robots: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: bytes | str) -> TaskResult:
        data = json.loads(text)
        return cls(**{**data, "report": SourceReport(**data["report"])})


@dataclass
class RunResults:
    """The results of one queued run: a Redis hash, source key -> ``TaskResult``."""

    client: redis.Redis
    namespace: str
    token: str

    @property
    def key(self) -> str:
        return f"{self.namespace}:scrape:run:{self.token}:results"

    @property
    def requests_key(self) -> str:
        return f"{self.namespace}:scrape:run:{self.token}:requests"

    def put(self, result: TaskResult) -> None:
        pipe = self.client.pipeline()
        pipe.hset(self.key, result.report.key, result.to_json())
        pipe.expire(self.key, RESULTS_TTL_SECONDS)
        pipe.execute()

    def collected(self, known: Collection[str] = ()) -> dict[str, TaskResult]:
        """The results in so far, except those of the sources in ``known`` (already read:
        a long run is polled often, and is not parsed anew each time)."""
        keys = [key.decode() for key in cast(list[bytes], self.client.hkeys(self.key))]
        new = [key for key in keys if key not in known]
        if not new:
            return {}
        values = cast(list[bytes | None], self.client.hmget(self.key, new))
        return {
            key: TaskResult.from_json(value)
            for key, value in zip(new, values, strict=True)
            if value is not None
        }

    def discard(self) -> None:
        self.client.delete(self.key, self.requests_key)


class ScrapeQueue:
    """The broker, the two actors, and both ends: ``run`` (send and wait) and ``serve``."""

    def __init__(
        self, config: QueueConfig, policy: FetchPolicy, client: redis.Redis | None = None
    ) -> None:
        self.config = config
        self.policy = policy
        self.client = client if client is not None else redis_client(config)
        self.broker = RedisBroker(client=self.client, namespace=f"{config.namespace}-dramatiq")
        self._store: Store | None = None
        self.limiter = RedisHostLimiter(self.client, config.namespace)
        self.robots = RedisRobotsStore(self.client, config.namespace)
        self.scrape_task = dramatiq.actor(
            actor_name=TASK_ACTOR,
            queue_name=QUEUE_NAME,
            broker=self.broker,
            max_retries=config.task_retries,
            min_backoff=config.min_backoff_ms,
            max_backoff=60_000,
            time_limit=int(config.task_timeout_seconds * 1000),
            on_retry_exhausted=FAILED_ACTOR,
        )(self._scrape_task)
        self.failed_task = dramatiq.actor(
            actor_name=FAILED_ACTOR, queue_name=QUEUE_NAME, broker=self.broker
        )(self._task_failed)

    @property
    def _workers_key(self) -> str:
        return f"{self.config.namespace}:scrape:workers"

    # -- the sending side -----------------------------------------------------------------

    def run(
        self,
        sources: Sequence[Source],
        store: Store,
        *,
        flow_name: str | None = None,
        repost_window_days: int = 60,
        on_source_done: Callable[[SourceReport], None] | None = None,
        on_waiting: Callable[[int], None] | None = None,
    ) -> RunReport:
        """Send one task per source and wait for them all (or the timeout): the run's report,
        in the sources' order, also kept in ``scrape_runs`` as an in-process run's is.
        ``on_waiting`` hears how many workers are alive while results are outstanding."""
        run_id = start_run(store, flow_name)
        results = RunResults(self.client, self.config.namespace, uuid.uuid4().hex)
        for source in sources:
            self.scrape_task.send(
                results.token, source.key, source.kind, source_config(source), repost_window_days
            )
        try:
            collected = self._collect(results, sources, on_source_done, on_waiting)
        finally:
            results.discard()
        report = self._report(sources, collected)
        finish_run(store, run_id, report)
        return report

    def _collect(
        self,
        results: RunResults,
        sources: Sequence[Source],
        on_source_done: Callable[[SourceReport], None] | None,
        on_waiting: Callable[[int], None] | None,
    ) -> dict[str, TaskResult]:
        deadline = time.monotonic() + self.config.timeout_seconds
        collected: dict[str, TaskResult] = {}
        while len(collected) < len(sources) and time.monotonic() < deadline:
            for key, result in results.collected(collected).items():
                collected[key] = result
                if on_source_done:
                    on_source_done(result.report)
            if on_waiting and len(collected) < len(sources):
                on_waiting(self.alive_workers())
            time.sleep(POLL_SECONDS)
        return collected

    def _report(self, sources: Sequence[Source], collected: dict[str, TaskResult]) -> RunReport:
        report = RunReport()
        for source in sources:
            result = collected.get(source.key)
            if result is None:
                missing = SourceReport(source.key, source.kind, error=self._missing_reason())
                logger.warning("source %s: %s", source.key, missing.error)
                report.sources.append(missing)
                continue
            report.sources.append(result.report)
            report.requests += result.requests
            report.not_modified += result.not_modified
            report.skipped_by_robots += result.skipped_by_robots
        return report

    def _missing_reason(self) -> str:
        return (
            f"no result from the scrape queue within {self.config.timeout_seconds:g} s "
            f"({self.alive_workers()} workers alive; start more with `sinyal scrape worker`)"
        )

    def alive_workers(self) -> int:
        """Workers whose heartbeat is recent (each ``serve`` beats every few seconds)."""
        since = time.time() - WORKER_ALIVE_SECONDS
        return int(cast(int, self.client.zcount(self._workers_key, since, "+inf")))

    # -- the working side -----------------------------------------------------------------

    def serve(self, store: Store, threads: int, stop: threading.Event) -> None:
        """Run this queue's tasks on ``threads`` threads until ``stop`` is set; a task being
        worked on when it is set is finished first (Dramatiq's worker stops gracefully)."""
        self._store = store
        # What Dramatiq's own CLI does at boot: it starts the middleware's helpers, among them
        # the one that enforces the tasks' time limit.
        self.broker.emit_after("process_boot")
        worker = dramatiq.Worker(self.broker, queues={QUEUE_NAME}, worker_threads=threads)
        worker.start()
        try:
            while not stop.is_set():
                self.client.zadd(self._workers_key, {WORKER_ID: time.time()})
                stop.wait(HEARTBEAT_SECONDS)
        finally:
            worker.stop()
            self.client.zrem(self._workers_key, WORKER_ID)
            self.broker.close()

    def _scrape_task(
        self, token: str, key: str, kind: str, config: dict[str, Any], repost_window_days: int
    ) -> None:
        """One source, scanned and stored; its report goes to the run's results. Raises only
        for what a retry may fix (the store or Redis not answering)."""
        if self._store is None:
            raise RuntimeError("scrape task received outside `sinyal scrape worker`")
        results = RunResults(self.client, self.config.namespace, token)
        try:
            source = build_source(config)
        except SourceConfigError as exc:  # a retry cannot fix this: report it at once
            results.put(TaskResult(SourceReport(key, kind, error=str(exc), worker=WORKER_ID)))
            return
        started = time.monotonic()
        fetcher = self._fetcher(self._store, results)
        report = scrape_one(source, fetcher, PostingPipeline(self._store, repost_window_days))
        report.worker = WORKER_ID
        stats = fetcher.stats
        results.put(TaskResult(report, stats.requests, stats.not_modified, stats.skipped_by_robots))
        logger.info(
            "scraped %s in %.1f s: fetched %d, new %d, %s",
            key, time.monotonic() - started, report.fetched, report.new,
            "complete" if report.complete else report.error,
        )  # fmt: skip

    def _fetcher(self, store: Store, results: RunResults) -> Fetcher:
        """A fetcher whose politeness and page cap are the run's, across all workers."""
        return Fetcher(
            self.policy,
            cache=StoreValidatorCache(store),
            defer_validators=True,
            limiter=self.limiter,
            robots_store=self.robots,
            run_requests=RedisRunCounter(self.client, results.requests_key),
        )

    def _task_failed(self, message: dict[str, Any], retries: dict[str, Any]) -> None:
        """A task's retries are spent: its source goes into the report as failed, with the
        last error, so the run still finishes with every source accounted for."""
        token, key, kind = message["args"][:3]
        last_error = (message.get("options", {}).get("traceback") or "").strip().splitlines()
        reason = last_error[-1] if last_error else "unknown error"
        attempts = int(retries.get("retries", 0)) + 1
        error = f"task failed {attempts} times, last: {reason}"
        logger.error("source %s: %s", key, error)
        results = RunResults(self.client, self.config.namespace, token)
        results.put(TaskResult(SourceReport(key, kind, error=error, worker=WORKER_ID)))


def source_config(source: Source) -> dict[str, Any]:
    """What a worker needs to build the same source: its validated config, as JSON."""
    return source.config.model_dump(mode="json")
