"""One scrape run: every source through the shared fetcher into the pipeline, with a report.

A broken page, a bad feed or a dead host is logged with its source and URL and the run goes on;
the report says what failed, and is kept in the store (``scrape_runs``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from scrapers.fetcher import Fetcher
from scrapers.items import ItemError, PageUnchanged, PostingItem
from scrapers.pipeline import PostingPipeline
from scrapers.sources import ScanIncomplete, Source
from sinyal.store import Store
from sinyal.store.models import ScrapeRun, utcnow

logger = logging.getLogger("sinyal.scrape")


@dataclass
class SourceReport:
    key: str
    kind: str
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    item_errors: int = 0
    unchanged_pages: int = 0  # answered 304: their stored postings were re-confirmed
    complete: bool = False
    error: str | None = None
    worker: str | None = None  # host:pid of the queue worker that scraped it; None: in-process


@dataclass
class RunReport:
    sources: list[SourceReport] = field(default_factory=list)
    requests: int = 0
    not_modified: int = 0
    skipped_by_robots: int = 0

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.sources)

    @property
    def errors(self) -> int:
        return self.total("item_errors") + sum(1 for s in self.sources if s.error)

    @property
    def all_failed(self) -> bool:
        return bool(self.sources) and all(s.error and not s.fetched for s in self.sources)

    def as_dict(self) -> dict[str, Any]:
        totals = {n: self.total(n) for n in ("fetched", "new", "updated", "unchanged", "closed")}
        return {
            **totals,
            "errors": self.errors,
            "skipped_by_robots": self.skipped_by_robots,
            "requests": self.requests,
            "not_modified": self.not_modified,
            "sources": [asdict(s) for s in self.sources],
        }


@dataclass
class Scan:
    items: list[PostingItem] = field(default_factory=list)
    unchanged_pages: list[str] = field(default_factory=list)


def scan_source(source: Source, fetcher: Fetcher, report: SourceReport) -> Scan:
    """Everything the source yields; errors are counted and logged, never raised."""
    scan = Scan()
    try:
        for result in source.scan(fetcher):
            if isinstance(result, ItemError):
                report.item_errors += 1
                logger.warning("source %s: %s: %s", result.source_key, result.url, result.message)
            elif isinstance(result, PageUnchanged):
                scan.unchanged_pages.append(result.url)
            else:
                scan.items.append(result)
        report.complete = True
    except ScanIncomplete as exc:
        report.error = str(exc)
        logger.warning("source %s: scan incomplete: %s", source.key, exc)
    except Exception as exc:  # a bug in one source must not stop the others
        report.error = f"{type(exc).__name__}: {exc}"
        logger.exception("source %s failed", source.key)
    report.fetched = len(scan.items)
    report.unchanged_pages = len(scan.unchanged_pages)
    return scan


def scrape_one(source: Source, fetcher: Fetcher, pipeline: PostingPipeline) -> SourceReport:
    """Scan one source and store what it yielded: the unit of work both of one in-process
    run and of one queued task (``scrapers.queue``)."""
    report = SourceReport(source.key, source.kind)
    started = utcnow()
    scan = scan_source(source, fetcher, report)
    counts = pipeline.ingest(source.key, scan.items, started)
    counts.unchanged += pipeline.touch_pages(source.key, scan.unchanged_pages, started)
    # Only now are the pages' postings safely stored; after a failed scan it is unclear
    # which pages were read to the end, so their validators are dropped.
    fetcher.commit_validators(keep=report.complete)
    report.new, report.updated = counts.new, counts.updated
    report.unchanged = counts.unchanged
    if report.complete:
        report.closed = pipeline.close_missing(source.key, started)
    return report


def start_run(store: Store, flow_name: str | None) -> int:
    """The run's row in ``scrape_runs``, written first so even a run that dies is on record."""
    with store.transaction() as session:
        run = ScrapeRun(flow_name=flow_name)
        session.add(run)
    return run.id


def finish_run(store: Store, run_id: int, report: RunReport) -> None:
    """Keep the run's report and status (failed: every source failed; partial: some errors)."""
    with store.transaction() as session:
        saved = session.get(ScrapeRun, run_id)
        assert saved is not None
        saved.finished_at = utcnow()
        saved.summary = report.as_dict()
        saved.status = "failed" if report.all_failed else ("partial" if report.errors else "ok")


def run_sources(
    sources: Sequence[Source],
    store: Store,
    fetcher: Fetcher,
    *,
    flow_name: str | None = None,
    repost_window_days: int = 60,
    on_source_done: Callable[[SourceReport], None] | None = None,
) -> RunReport:
    """The in-process run: one source after the other through one fetcher."""
    pipeline = PostingPipeline(store, repost_window_days)
    run_id = start_run(store, flow_name)
    report = RunReport()
    for source in sources:
        source_report = scrape_one(source, fetcher, pipeline)
        report.sources.append(source_report)
        if on_source_done:
            on_source_done(source_report)
    report.requests = fetcher.stats.requests
    report.not_modified = fetcher.stats.not_modified
    report.skipped_by_robots = fetcher.stats.skipped_by_robots
    finish_run(store, run_id, report)
    return report
