"""Chats per second with one Rasa server vs two, on this machine, in one run.

`sinyal run` is started twice on PostgreSQL (tracker and lead store) with the Redis lock store:
first with one Rasa server and one action server, then with two of each. N scripted
qualification chats (default 100) run concurrently; each message goes to the next server in
turn, as the web app's gateway sends them (sinyal.chat.gateway.RasaClient). Printed per
setup: turns/s, p50/p95 per turn, and the ratio of two servers to one; then a capacity
model from the measurement.

    .venv/bin/python benchmarks/chat_scaleout.py [--conversations 100]

Needs PostgreSQL at 127.0.0.1:5432 (trust, database `test`) and Redis at 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from chat_latency import (
    CONTEXT,
    QUALIFICATION,
    SINYAL,
    TOKEN,
    converse,
    free_port,
    percentile,
    serving,
    sinyal_env,
)
from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get(
    "SINYAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/test"
)
REDIS_URL = os.environ.get("SINYAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
LAST = "will get in touch"


async def load(rasa_urls: list[str], conversations: int) -> dict[str, float]:
    urls = itertools.cycle(f"{url}/webhooks/rest/webhook" for url in rasa_urls)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=conversations + 10)
    async with httpx.AsyncClient(timeout=300, headers=headers, limits=limits) as client:
        chats = [
            converse(client, urls, QUALIFICATION, CONTEXT, LAST)
            for _ in range(conversations + len(rasa_urls))
        ]
        await asyncio.gather(*chats[: len(rasa_urls)])  # warm-up, not measured
        started = time.perf_counter()
        results = await asyncio.gather(*chats[len(rasa_urls) :])
        elapsed = time.perf_counter() - started
    latencies = [latency for result in results for latency in result]
    return {
        "turns": len(latencies),
        "p50": statistics.median(latencies) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "turns_per_s": len(latencies) / elapsed,
        "chats_per_s": conversations / elapsed,
        "seconds": elapsed,
    }


def measure(tmp: Path, servers: int, conversations: int, database_url: str) -> dict[str, float]:
    rasa_port, actions_port = free_port(), free_port()
    # `sinyal run` counts up from each port for the second server (its neighbour is free).
    env = sinyal_env(
        SINYAL_DATA_DIR=str(tmp / f"var-{servers}"),
        SINYAL_RASA_PORT=str(rasa_port),
        SINYAL_ACTIONS_PORT=str(actions_port),
        SINYAL_WEB_PORT=str(free_port()),
        SINYAL_RASA_SERVERS=str(servers),
        SINYAL_ACTION_SERVERS=str(servers),
        SINYAL_DEMO_SITE="false",
        SINYAL_SCRAPE_ON_START="false",
        SINYAL_LOG_LEVEL="WARNING",
        SINYAL_RASA_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        SINYAL_REDIS_URL=REDIS_URL,
    )
    rasa_urls = [f"http://127.0.0.1:{rasa_port + i}" for i in range(servers)]
    ready = [f"{url}/status" for url in rasa_urls]
    print(f"starting `sinyal run` with {servers} Rasa server(s)...", flush=True)
    with serving([str(SINYAL), "run", "--no-train"], env, tmp, ready):
        print(f"  {conversations} concurrent chats...", flush=True)
        return asyncio.run(load(rasa_urls, conversations))


def fresh_database() -> tuple[str, str]:
    name = f"bench_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for servers in (1, 2):
            name, url = fresh_database()
            try:
                results[servers] = measure(Path(tmp), servers, args.conversations, url)
            finally:
                drop_database(name)
    cores = os.cpu_count() or 1
    print(
        f"\n{args.conversations} concurrent chats, {len(QUALIFICATION)} turns each, {cores} cores"
    )
    print(f"{'Rasa servers':<22}{'turns':>7}{'turns/s':>9}{'chats/s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for servers, r in results.items():
        label = f"{servers}" + (" (baseline)" if servers == 1 else "")
        print(
            f"{label:<22}{r['turns']:>7.0f}{r['turns_per_s']:>9.1f}{r['chats_per_s']:>9.2f}"
            f"{r['p50']:>9.0f}{r['p95']:>9.0f}"
        )
    one, two = results[1], results[2]
    print(
        f"2 vs 1 server: throughput {two['turns_per_s'] / one['turns_per_s']:.2f}x, "
        f"p95 {two['p95'] / one['p95']:.2f}x"
    )
    best = max(one["turns_per_s"], two["turns_per_s"])
    per_core = best / cores
    print("\nCapacity model (from this run):")
    print(
        f"  {per_core:.1f} turns/s per core = {per_core / len(QUALIFICATION):.2f} chats/s per core"
    )
    print(
        f"  4 chat machines of {cores} cores: ~{4 * cores * per_core:.0f} turns/s, "
        f"~{4 * cores * per_core / len(QUALIFICATION) * 3600:.0f} complete chats an hour"
    )


if __name__ == "__main__":
    main()
