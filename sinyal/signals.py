"""Refreshing buying signals: scrape the flows' sources, then bring their triggers up to date.

Shared by ``sinyal scrape run`` and by ``sinyal run``'s first scrape of the demo job site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from scrapers.fetcher import Fetcher, FetchPolicy
from scrapers.http_cache import StoreValidatorCache
from scrapers.runner import RunReport, SourceReport, run_sources
from scrapers.sources import Source
from sinyal.flows import FlowDefinition
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.triggers import SyncResult, sync


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


def unique_sources(flows: list[FlowDefinition]) -> list[Source]:
    """Every flow's sources, each configured source once even if several flows list it."""
    sources: dict[str, Source] = {}
    for flow in flows:
        for source in flow.build_sources():
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
) -> Refresh:
    """Scrape ``sources`` (default: the flows' own) and update the flows' triggers."""
    if sources is None:
        sources = unique_sources(flows)
    fetcher = Fetcher(
        fetch_policy(settings), cache=StoreValidatorCache(store), defer_validators=True
    )
    report = run_sources(
        sources,
        store,
        fetcher,
        flow_name=flow_name,
        repost_window_days=settings.repost_window_days,
        on_source_done=on_source_done,
    )
    with store.transaction() as session:
        synced = {flow.name: sync(session, flow, date.today()) for flow in flows}
    return Refresh(report, synced)


def describe(result: Refresh) -> list[str]:
    """The run's totals and each flow's trigger changes, as lines a person reads."""
    totals = result.report.as_dict()
    lines = [
        f"fetched {totals['fetched']}, new {totals['new']}, updated {totals['updated']}, "
        f"closed {totals['closed']}, skipped by robots {totals['skipped_by_robots']}, "
        f"errors {totals['errors']} "
        f"({totals['requests']} requests, {totals['not_modified']} not modified)"
    ]
    for name, synced in result.triggers.items():
        lines.append(
            f"flow {name}: {synced.created} new triggers, "
            f"{synced.updated} updated, {synced.stale} stale"
        )
    return lines
