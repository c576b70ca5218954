"""The machine's Redis (127.0.0.1:6379), as the running system's lock store: reached, or
started with ``redis-server`` when it is installed and down. Off CI, a Redis that cannot be had
skips the test with the reason; on CI (CI=true) it fails it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
import redis

#: The database the system and gateway tests use (the scrape queue's tests use their own).
SYSTEM_REDIS_URL = os.environ.get("SINYAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def started_redis(url: str) -> str:
    """``url`` once its Redis answers a ping (started here if need be), else skip or fail."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        if shutil.which("redis-server"):
            subprocess.run(
                [
                    "redis-server",
                    "--daemonize",
                    "yes",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    "6379",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                capture_output=True,
                check=False,
            )
            time.sleep(1)
        try:
            client.ping()
        except redis.ConnectionError:
            if os.environ.get("CI"):
                pytest.fail(f"Redis not reachable at {url}")
            pytest.skip(f"Redis not reachable at {url}")
    return url
