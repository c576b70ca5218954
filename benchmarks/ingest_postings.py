"""Posting ingest and long-open lookup, each next to a baseline measured in the same run.

1. Ingest N postings (default 100,000) from local JSON-lines files into SQLite: a scrape run of a
   ``file`` source through the full pipeline (read, parse, normalise, company resolution, re-post
   detection, upsert), next to a bare ``sqlite3`` executemany of the same rows into a table with
   the same columns. Aim: pipeline within 5x of the bare insert.
2. Re-scan the same files (nothing changed). Aim: at most 20% of the first ingest. Also shown:
   the files rewritten with the same content, so every posting is parsed and found unchanged.
   The same postings are also served as 20 Greenhouse-shaped feeds by the demo site server on
   loopback and scraped through the fetcher: a re-scan of unchanged feeds gets 304s and reuses
   the stored listing.
3. Find all long-open postings among M (default 1,000,000) through the index the trigger
   detection uses, next to the same query forced to scan the table (``NOT INDEXED``).
   Aim: under one second.

    .venv/bin/python benchmarks/ingest_postings.py [--postings 100000] [--lookup-rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from scrapers.demo_site.server import DemoSiteServer
from scrapers.fetcher import Fetcher, FetchPolicy
from scrapers.http_cache import StoreValidatorCache
from scrapers.runner import run_sources
from scrapers.sources import build_source
from sinyal.store import Store

TITLES = [
    "Senior Java-Entwickler (m/w/d)", "Pflegefachkraft (w/m/d)", "Data Engineer (m/f/d)",
    "Lagerleiter (m/w/d)", "Bauleiter Hochbau (m/w/d)", "Sales Manager (all genders)",
    "Pengembang Backend", "Elektroniker (m/w/d)", "Buchhalter (gn)", "Disponent (m/w/d)",
]  # fmt: skip
CITIES = ["Hamburg", "Berlin", "München", "Köln", "Jakarta", "Surabaya", "Bremen", "Stuttgart"]
SCAN_DAY = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def write_feeds(directory: Path, count: int, files: int = 20) -> list[Path]:
    """``count`` postings from 500 companies, spread over ``files`` JSON-lines files."""
    rng = random.Random(7)
    paths = [directory / f"feed-{n:02d}.jsonl" for n in range(files)]
    handles = [p.open("w") for p in paths]
    for i in range(count):
        record = {
            "id": f"job-{i}",
            "title": f"{rng.choice(TITLES)} #{i % 97}",
            "company": f"Firma {i % 500} GmbH",
            "location": rng.choice(CITIES),
            "first_published": (
                date(2026, 11, 1) - timedelta(days=rng.randint(0, 400))
            ).isoformat(),
            "url": f"https://jobs.example/{i}",
        }
        handles[i % files].write(json.dumps(record) + "\n")
    for handle in handles:
        handle.close()
    return paths


def read_rows(paths: list[Path], fields: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The baselines' reading: each JSON line to a tuple of ``fields``, nothing else."""
    rows = []
    for path in paths:
        with path.open() as handle:
            for line in handle:
                job = json.loads(line)
                rows.append(tuple(job[f] for f in fields))
    return rows


def bare_insert(db: Path, paths: list[Path]) -> float:
    """The baseline: read the same files and executemany the rows, nothing else."""
    started = time.perf_counter()
    rows = read_rows(paths, ("id", "title", "company", "location", "first_published", "url"))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE postings (id INTEGER PRIMARY KEY, external_id TEXT, title TEXT, "
        "company TEXT, location TEXT, date_posted TEXT, url TEXT)"
    )
    with conn:
        conn.executemany(
            "INSERT INTO postings (external_id, title, company, location, date_posted, url) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.close()
    return time.perf_counter() - started


def bare_insert_into_sinyal_table(db: Path, paths: list[Path]) -> float:
    """A second reference: the same rows, executemany'd into Sinyal's own ``job_postings``
    (its four indexes and foreign key), with nothing computed: what the schema alone costs."""
    store = Store.from_url(f"sqlite:///{db}")
    store.upgrade()
    store.close()
    started = time.perf_counter()
    fields = ("id", "title", "title", "location", "first_published", "url", "id", "first_published")
    rows = read_rows(paths, fields)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    with conn:
        conn.execute(
            "INSERT INTO companies (id, name, normalized_name, is_client, created_at) "
            "VALUES (1, 'Firma', 'firma', 0, '2026-01-01')"
        )
        conn.executemany(
            "INSERT INTO job_postings (company_id, source, external_id, title, normalized_title, "
            "location, date_posted, url, repost_key, original_start, first_seen, last_seen, "
            "missed_scans, content_hash) VALUES (1, 'bench:feed', ?, ?, ?, ?, ?, ?, ?, ?, "
            "'2026-11-23 06:00:00.000000', '2026-11-23 06:00:00.000000', 0, '')",
            rows,
        )
    conn.close()
    return time.perf_counter() - started


def file_scan(store: Store, directory: Path) -> tuple[float, dict[str, int]]:
    """One ``sinyal scrape run`` of a ``file`` source over the JSON-lines files: read, parse,
    normalise, resolve companies, detect re-posts, upsert, close what is missing."""
    source = build_source(
        {
            "type": "file",
            "name": "bench",
            "path": str(directory / "feed-*.jsonl"),
            "fields": {"date_posted": "first_published"},
        }
    )
    fetcher = Fetcher(cache=StoreValidatorCache(store), defer_validators=True)
    started = time.perf_counter()
    report = run_sources([source], store, fetcher)
    elapsed = time.perf_counter() - started
    assert not report.errors, report.as_dict()
    return elapsed, {
        "new": report.total("new"),
        "unchanged": report.total("unchanged"),
        "files_not_modified": report.not_modified,
    }


def write_greenhouse_site(site: Path, paths: list[Path]) -> list[str]:
    """Each JSON-lines file becomes one Greenhouse board's ``jobs`` feed; returns the boards."""
    boards = []
    for number, path in enumerate(paths):
        board = f"board{number:02d}"
        jobs = []
        with path.open() as handle:
            for line in handle:
                job = json.loads(line)
                jobs.append(
                    {
                        "id": job["id"],
                        "title": job["title"],
                        "first_published": job["first_published"],
                        "location": {"name": job["location"]},
                        "absolute_url": job["url"],
                    }
                )
        folder = site / "greenhouse" / "v1" / "boards"
        (folder / board).mkdir(parents=True, exist_ok=True)
        (folder / f"{board}.json").write_text(json.dumps({"name": f"Firma {number} GmbH"}))
        (folder / board / "jobs.json").write_text(json.dumps({"jobs": jobs}))
        boards.append(board)
    return boards


def http_scrape(store: Store, base_url: str, boards: list[str]) -> tuple[float, object]:
    sources = [
        build_source(
            # A fixture site on loopback: sources there must say so (scrapers/address_guard.py).
            {"type": "greenhouse", "board": b, "base_url": f"{base_url}/greenhouse", "local": True}
        )
        for b in boards
    ]
    fetcher = Fetcher(
        FetchPolicy(requests_per_second=1000, retries=0),
        cache=StoreValidatorCache(store),
        defer_validators=True,
    )
    started = time.perf_counter()
    report = run_sources(sources, store, fetcher)
    return time.perf_counter() - started, {
        "new": report.total("new"),
        "unchanged": report.total("unchanged"),
        "not_modified_pages": report.not_modified,
    }


def fill_for_lookup(db: Path, rows: int) -> None:
    """M postings written straight into the migrated schema (the pipeline is measured above)."""
    store = Store.from_url(f"sqlite:///{db}")
    store.upgrade()
    store.close()
    rng = random.Random(11)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO companies (id, name, normalized_name, is_client, created_at) "
            "VALUES (1, 'Firma', 'firma', 0, '2026-01-01')"
        )
        batch = []
        for i in range(rows):
            start = date(2026, 11, 1) - timedelta(days=rng.randint(0, 400))
            closed = "2026-10-01 00:00:00" if rng.random() < 0.4 else None
            batch.append(
                (
                    1,
                    "lookup",
                    f"j{i}",
                    "t",
                    "t",
                    "k",
                    start.isoformat(),
                    "2026-01-01 00:00:00",
                    "2026-11-01 00:00:00",
                    closed,
                )
            )
            if len(batch) == 50_000:
                conn.executemany(
                    "INSERT INTO job_postings (company_id, source, external_id, title, "
                    "normalized_title, repost_key, original_start, first_seen, last_seen, "
                    "closed_at, missed_scans, content_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')",
                    batch,
                )
                batch.clear()
    conn.execute("ANALYZE")
    conn.close()


def long_open_lookup(db: Path, indexed: bool) -> tuple[float, int, str]:
    cutoff = (SCAN_DAY.date() - timedelta(days=90)).isoformat()
    hint = "" if indexed else "NOT INDEXED"
    query = (
        f"SELECT id, company_id, original_start FROM job_postings {hint} "
        "WHERE closed_at IS NULL AND original_start <= ?"
    )
    conn = sqlite3.connect(db)
    plan = " / ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}", (cutoff,)))
    started = time.perf_counter()
    found = conn.execute(query, (cutoff,)).fetchall()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, len(found), plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--lookup-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = write_feeds(work, args.postings)
        bare = bare_insert(work / "bare.db", paths)
        schema_only = bare_insert_into_sinyal_table(work / "schema.db", paths)
        store = Store.from_url(f"sqlite:///{work / 'sinyal.db'}")
        store.upgrade()
        first, first_counts = file_scan(store, work)
        rescan, rescan_counts = file_scan(store, work)
        for path in paths:  # rewritten with the same content: parsed again, nothing changed
            os.utime(path)
        rewritten, rewritten_counts = file_scan(store, work)
        store.close()
        n = args.postings
        print(f"ingest of {n:,} postings from {len(paths)} local files into SQLite")
        print(f"  bare sqlite3 executemany (baseline) {bare:7.2f} s  {n / bare:10,.0f} postings/s")
        print(
            f"  same, into Sinyal's indexed table   {schema_only:7.2f} s  "
            f"{n / schema_only:10,.0f} postings/s  = {schema_only / bare:.1f}x baseline"
        )
        print(
            f"  full pipeline, first scan           {first:7.2f} s  {n / first:10,.0f} postings/s"
            f"  = {first / bare:.1f}x baseline (aim <= 5x)   {first_counts}"
        )
        print(
            f"  full pipeline, unchanged re-scan    {rescan:7.2f} s  {n / rescan:10,.0f} postings/s"
            f"  = {rescan / first:.0%} of first ingest (aim <= 20%)   {rescan_counts}"
        )
        print(
            f"  same files rewritten, same content  {rewritten:7.2f} s  "
            f"{n / rewritten:10,.0f} postings/s  = {rewritten / first:.0%} of first ingest   "
            f"{rewritten_counts}"
        )
        boards = write_greenhouse_site(work / "site", paths)
        server = DemoSiteServer(("127.0.0.1", 0), site_dir=work / "site")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        http_store = Store.from_url(f"sqlite:///{work / 'http.db'}")
        http_store.upgrade()
        http_first, http_first_counts = http_scrape(http_store, server.url, boards)
        http_rescan, http_rescan_counts = http_scrape(http_store, server.url, boards)
        http_store.close()
        server.shutdown()
        print(f"scrape of the same {n:,} postings as {len(boards)} Greenhouse feeds, loopback HTTP")
        print(
            f"  first scrape                        {http_first:7.2f} s  "
            f"{n / http_first:10,.0f} postings/s"
            f"  {http_first_counts}"
        )
        print(
            f"  unchanged re-scrape (304s)          {http_rescan:7.2f} s  "
            f"{n / http_rescan:10,.0f} postings/s  = {http_rescan / http_first:.0%} of first "
            f"scrape (aim <= 20%)   {http_rescan_counts}"
        )
        fill_for_lookup(work / "lookup.db", args.lookup_rows)
        fast, found, plan = long_open_lookup(work / "lookup.db", indexed=True)
        slow, found_scan, scan_plan = long_open_lookup(work / "lookup.db", indexed=False)
        assert found == found_scan
        print(f"long-open lookup among {args.lookup_rows:,} postings ({found:,} found)")
        print(f"  full table scan (baseline)          {slow:7.3f} s   plan: {scan_plan}")
        print(f"  with the index                      {fast:7.3f} s   plan: {plan}  (aim < 1 s)")


if __name__ == "__main__":
    main()
