"""Refreshing buying signals: scrape the flows' sources (postings) and read their news, then
bring their triggers up to date.

Shared by ``sinyal scrape run``, ``sinyal signals run`` and by ``sinyal run``'s first scrape of
the demo job site.
With ``scrape_broker_url`` set, the scraping is done by ``sinyal scrape worker`` processes
through the task queue (``scrapers.queue``); without it, in this process, one source after the
other, with no broker needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from scrapers.fetcher import Fetcher, FetchPolicy
from scrapers.http_cache import StoreValidatorCache
from scrapers.queue import QueueConfig, ScrapeQueue
from scrapers.runner import RunReport, SourceReport, run_sources
from scrapers.sources import Source, build_source
from sinyal.flows import FlowDefinition
from sinyal.settings import Settings
from sinyal.signals.lookalike.scores import refresh_scores
from sinyal.signals.news.classifier import shared_classifier
from sinyal.signals.news.collect import NewsRunReport, collect
from sinyal.signals.triggers import SyncResult, sync
from sinyal.store import Store


@dataclass
class Refresh:
    report: RunReport
    triggers: dict[str, SyncResult]


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        user_agent=f"SinyalBot/0.1 (+{settings.scrape_contact_url})",
        requests_per_second=settings.scrape_requests_per_second,
        timeout=settings.scrape_timeout,
        retries=settings.scrape_retries,
        max_pages=settings.scrape_max_pages,
        max_bytes=settings.scrape_max_bytes,
    )


def queue_config(settings: Settings) -> QueueConfig | None:
    """The scrape queue's configuration, or None for the embedded, in-process default."""
    if not settings.scrape_broker_url:
        return None
    password = settings.scrape_broker_password
    return QueueConfig(
        url=settings.scrape_broker_url,
        password=password.get_secret_value() if password else None,
        namespace=settings.scrape_queue_namespace,
        task_retries=settings.scrape_task_retries,
        timeout_seconds=settings.scrape_queue_timeout,
        task_timeout_seconds=settings.scrape_task_timeout,
    )


def scrape_queue(settings: Settings) -> ScrapeQueue | None:
    """The queue both ``sinyal scrape run`` and ``sinyal scrape worker`` use, if configured."""
    config = queue_config(settings)
    return None if config is None else ScrapeQueue(config, fetch_policy(settings))


def sources_of(flow: FlowDefinition) -> list[Source]:
    """The flow's ``sources:`` entries as scrapers (checked already when the flow loaded)."""
    return [build_source(config) for config in flow.sources]


def unique_sources(flows: list[FlowDefinition]) -> list[Source]:
    """Every flow's sources, each configured source once even if several flows list it."""
    sources: dict[str, Source] = {}
    for flow in flows:
        for source in sources_of(flow):
            sources.setdefault(source.key, source)
    return list(sources.values())


def refresh(
    settings: Settings,
    store: Store,
    flows: list[FlowDefinition],
    *,
    flow_name: str | None = None,
    sources: list[Source] | None = None,
    on_source_done: Callable[[SourceReport], None] | None = None,
    on_waiting: Callable[[int], None] | None = None,
) -> Refresh:
    """Scrape ``sources`` (default: the flows' own) and update the flows' triggers.
    ``on_waiting`` hears, while queued tasks are outstanding, how many workers are alive."""
    if sources is None:
        sources = unique_sources(flows)
    report = scrape(
        settings,
        store,
        sources,
        flow_name=flow_name,
        on_source_done=on_source_done,
        on_waiting=on_waiting,
    )
    with store.transaction() as session:
        synced = sync_triggers(session, flows)
    return Refresh(report, synced)


def sync_triggers(session: Session, flows: list[FlowDefinition]) -> dict[str, SyncResult]:
    """Rank the companies against the won clients again (new postings change who resembles
    them), then bring each flow's triggers up to date."""
    refresh_scores(session)
    return {flow.name: sync(session, flow, date.today()) for flow in flows}


def scrape(
    settings: Settings,
    store: Store,
    sources: list[Source],
    *,
    flow_name: str | None = None,
    on_source_done: Callable[[SourceReport], None] | None = None,
    on_waiting: Callable[[int], None] | None = None,
) -> RunReport:
    """One scrape run, on the task queue when one is configured, else in this process."""
    queue = scrape_queue(settings)
    if queue is not None:
        return queue.run(
            sources,
            store,
            flow_name=flow_name,
            repost_window_days=settings.repost_window_days,
            on_source_done=on_source_done,
            on_waiting=on_waiting,
        )
    fetcher = Fetcher(
        fetch_policy(settings), cache=StoreValidatorCache(store), defer_validators=True
    )
    return run_sources(
        sources,
        store,
        fetcher,
        flow_name=flow_name,
        repost_window_days=settings.repost_window_days,
        on_source_done=on_source_done,
    )


@dataclass
class NewsRefresh:
    flow: str
    report: NewsRunReport
    triggers: SyncResult

    def lines(self) -> list[str]:
        return [
            f"flow {self.flow}: news {self.report.summary()}",
            trigger_changes(self.flow, self.triggers),
        ]


def refresh_news(
    settings: Settings,
    store: Store,
    flows: list[FlowDefinition],
    *,
    on_document: Callable[[str, str], None] | None = None,
) -> list[NewsRefresh]:
    """Read each flow's ``news:`` sources into signals, then update the flows' triggers with
    them. ``on_document(flow, url)`` is called for every document read (progress)."""
    fetcher = Fetcher(fetch_policy(settings), cache=StoreValidatorCache(store))
    flows = [flow for flow in flows if flow.news.sources]
    if not flows:
        return []
    classifier = shared_classifier(settings.model_cache_dir)
    reports = {}
    for flow in flows:
        seen = (lambda url, name=flow.name: on_document(name, url)) if on_document else None
        reports[flow.name] = collect(store, flow, fetcher, on_document=seen, classifier=classifier)
    with store.transaction() as session:
        synced = sync_triggers(session, flows)
    return [NewsRefresh(name, report, synced[name]) for name, report in reports.items()]


def describe(result: Refresh) -> list[str]:
    """The run's totals and each flow's trigger changes, as lines a person reads."""
    totals = result.report.as_dict()
    lines = [
        f"fetched {totals['fetched']}, new {totals['new']}, updated {totals['updated']}, "
        f"closed {totals['closed']}, skipped by robots {totals['skipped_by_robots']}, "
        f"errors {totals['errors']} "
        f"({totals['requests']} requests, {totals['not_modified']} not modified)"
    ]
    lines += [trigger_changes(name, synced) for name, synced in result.triggers.items()]
    return lines


def trigger_changes(flow: str, synced: SyncResult) -> str:
    """One flow's trigger changes, after postings or news: the same line either way."""
    return (
        f"flow {flow}: {synced.created} new triggers, {synced.updated} updated, "
        f"{synced.stale} stale"
    )
