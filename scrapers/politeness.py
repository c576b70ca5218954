"""Politeness shared by every scrape worker, kept in Redis: per-host spacing, robots.txt, the
run's page cap.

One process keeps these in memory (``HostThrottle``, the fetcher's own robots dict and counter).
Once a run is spread over worker processes, possibly on several machines, a host would see
each worker's rate added up: the spacing must be decided in one place. Redis is that place,
and its clock (``TIME``) is the one clock every worker agrees on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import cast

import redis

#: Reserve the next request slot of one host, atomically: ``interval`` after the host's last
#: slot, or now. KEYS[1]: the host's key (its last slot); ARGV[1]: the interval owed before this
#: request, in microseconds. Returns how many microseconds the caller waits for its slot. The
#: key outlives its slot by the longest interval asked (ARGV[2], ms), then idle hosts leave
#: nothing behind.
_RESERVE_SLOT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, last + tonumber(ARGV[1]))
local ttl_ms = math.floor((slot - now) / 1000) + tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.0f', slot), 'PX', ttl_ms)
return string.format('%.0f', slot - now)
"""
#: How long a host's last slot is remembered: longer than any interval a host may ask for
#: (a Crawl-delay beyond this is not kept between requests, as with no limiter at all).
SLOT_MEMORY_MS = 10 * 60 * 1000
#: How long a robots.txt stays shared: a site's rules change rarely, and every run re-reads
#: it once this has passed.
ROBOTS_TTL_SECONDS = 3600
CLAIM_POLL_SECONDS = 0.05
#: How long a run's request counter is kept (a run longer than this starts counting anew).
RUN_COUNTER_TTL_SECONDS = 7 * 86400


@dataclass
class RedisHostLimiter:
    """``HostLimiter`` across processes and machines: each request to a host takes the next
    free slot of that host, ``interval`` after the previous one, whoever took it."""

    client: redis.Redis
    namespace: str

    def __post_init__(self) -> None:
        self._reserve = self.client.register_script(_RESERVE_SLOT)

    def wait(self, host: str, interval: float) -> None:
        key = f"{self.namespace}:scrape:host:{host}"
        args = [round(interval * 1e6), SLOT_MEMORY_MS]
        delay_us = int(cast(bytes, self._reserve(keys=[key], args=args)))
        if delay_us > 0:
            time.sleep(delay_us / 1e6)


@dataclass
class RedisRobotsStore:
    """``RobotsStore`` in Redis: the first worker to reach a host claims its robots.txt and
    reads it, the others wait for that and reuse it for an hour. Without the claim, every
    thread starting on a new host would ask for robots.txt at the default rate before any of
    them knew the host's Crawl-delay."""

    client: redis.Redis
    namespace: str
    ttl_seconds: int = ROBOTS_TTL_SECONDS

    def _key(self, origin: str) -> str:
        return f"{self.namespace}:scrape:robots:{origin}"

    def claim(self, origin: str, wait: float) -> str | None:
        deadline = time.monotonic() + wait
        while True:
            body = cast(bytes | None, self.client.get(self._key(origin)))
            if body is not None:
                return body.decode("utf-8")
            claimed = self.client.set(f"{self._key(origin)}:claim", 1, nx=True, ex=int(wait) + 1)
            if claimed or time.monotonic() > deadline:
                return None
            time.sleep(CLAIM_POLL_SECONDS)

    def put(self, origin: str, body: str) -> None:
        self.client.set(self._key(origin), body.encode("utf-8"), ex=self.ttl_seconds)
        self.release(origin)

    def release(self, origin: str) -> None:
        self.client.delete(f"{self._key(origin)}:claim")


@dataclass
class RedisRunCounter:
    """The requests of one queued run, all workers together, so ``max_pages`` caps the run
    and not each of its tasks. Calling it counts one request and returns the run's total."""

    client: redis.Redis
    key: str

    def __call__(self) -> int:
        total = int(cast(int, self.client.incr(self.key)))
        if total == 1:
            self.client.expire(self.key, RUN_COUNTER_TTL_SECONDS)
        return total
