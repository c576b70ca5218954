"""The scrape queue's moving parts, for real: Redis namespaces, ``sinyal scrape worker``
processes and the sending side, for the queue tests.

Each test gets a namespace of its own on the machine's Redis (127.0.0.1:6379), so tests and a
running installation never see each other's tasks, limits or results; its keys are removed
afterwards. Off CI, a Redis that does not answer skips these tests with the reason; on CI
(CI=true) it fails them, so a green CI has run them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from scrapers.fetcher import FetchPolicy
from scrapers.queue import QueueConfig, ScrapeQueue
from tests.support.sinyal_command import SINYAL, isolated_env

REDIS_URL = os.environ.get("SINYAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must test the scrape queue)")
        pytest.skip(message)
    return client


@contextmanager
def redis_namespace() -> Iterator[str]:
    """A Redis namespace of a test's own, emptied afterwards (the ``queue_namespace`` fixture)."""
    client = redis_or_skip()
    name = f"test-{uuid.uuid4().hex[:10]}"
    try:
        yield name
    finally:
        for key in client.scan_iter(match=f"{name}*", count=1000):
            client.delete(key)
        client.close()


def worker_env(database: Path, namespace: str, **settings: str) -> dict[str, str]:
    """The environment of a worker process: the test's store, Redis namespace and settings."""
    return isolated_env(
        SINYAL_DATABASE_URL=f"sqlite:///{database}",
        SINYAL_DATA_DIR=str(database.parent / "var"),
        SINYAL_SCRAPE_BROKER_URL=REDIS_URL,
        SINYAL_SCRAPE_QUEUE_NAMESPACE=namespace,
        SINYAL_SCRAPE_RETRIES="0",
        SINYAL_SCRAPE_TIMEOUT="5",
        **settings,
    )


def sending_queue(namespace: str, timeout_seconds: float = 120.0) -> ScrapeQueue:
    """The sending side, in the test process (the workers are processes of their own)."""
    config = QueueConfig(url=REDIS_URL, namespace=namespace, timeout_seconds=timeout_seconds)
    return ScrapeQueue(config, FetchPolicy(retries=0, timeout=5))


@contextmanager
def workers(count: int, env: dict[str, str], queue: ScrapeQueue) -> Iterator[None]:
    """``count`` ``sinyal scrape worker`` processes, running (heartbeat seen) before the body
    runs, and stopped (SIGTERM, then killed if they linger) after it."""
    procs = [
        subprocess.Popen(
            [str(SINYAL), "scrape", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        deadline = time.monotonic() + 60
        while queue.alive_workers() < count:
            dead = [p for p in procs if p.poll() is not None]
            if dead:
                pytest.fail(f"a scrape worker exited: {dead[0].communicate()[1][-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the scrape workers did not start within 60 s")
            time.sleep(0.1)
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
