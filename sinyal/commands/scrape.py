"""``sinyal scrape page`` and ``sinyal scrape run``."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scrapers.fetcher import Fetcher, FetchPolicy, decode
from scrapers.http_cache import StoreValidatorCache
from scrapers.items import ItemError
from scrapers.runner import RunReport, SourceReport, run_sources
from scrapers.sources import Source, extract_postings
from sinyal.commands import console, err_console, fail, open_store, settings_or_exit
from sinyal.flows import FlowDefinition, FlowError, load_flows
from sinyal.settings import Settings
from sinyal.triggers import sync

app = typer.Typer(
    help="Find buying signals: job postings that stay open too long.", no_args_is_help=True
)


@app.command("page")
def page(
    file: Annotated[Path, typer.Argument(help="A saved HTML page.", exists=True, dir_okay=False)],
    url: Annotated[str, typer.Option(help="The URL the page was saved from (resolves links).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per posting.")] = False,
) -> None:
    """Extract schema.org JobPostings (JSON-LD or microdata) from one saved page."""
    html = decode(file.read_bytes(), "text/html")
    results = extract_postings(html, url, source_key=f"page:{url}")
    postings = [r for r in results if not isinstance(r, ItemError)]
    for error in (r for r in results if isinstance(r, ItemError)):
        err_console.print(f"[yellow]warning:[/] {file}: {error.message}", highlight=False)
    if as_json:
        for posting in postings:
            typer.echo(json.dumps(posting.as_json(), ensure_ascii=False))
        return
    table = Table("title", "company", "location", "posted", "marker")
    for p in postings:
        table.add_row(
            p.title, p.company, p.location or "", str(p.date_posted or ""), p.gender_marker or ""
        )
    console.print(table)


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        user_agent=f"SinyalBot/0.1 (+{settings.scrape_contact_url})",
        requests_per_second=settings.scrape_requests_per_second,
        timeout=settings.scrape_timeout,
        retries=settings.scrape_retries,
        max_pages=settings.scrape_max_pages,
    )


def selected_flows(settings: Settings, flow: str | None) -> list[FlowDefinition]:
    try:
        flows = load_flows(settings.flows_path)
    except FlowError as exc:
        raise fail(str(exc)) from None
    if flow is not None:
        flows = [f for f in flows if f.name == flow]
        if not flows:
            raise fail(f"no flow named {flow!r} in {settings.flows_path}")
    return flows


def unique_sources(flows: list[FlowDefinition]) -> list[Source]:
    """Every flow's sources, each configured source once even if several flows list it."""
    sources: dict[str, Source] = {}
    for flow in flows:
        for source in flow.build_sources():
            sources.setdefault(source.key, source)
    return list(sources.values())


def summary_table(report: RunReport) -> Table:
    table = Table(
        "source", "fetched", "new", "updated", "closed", "errors", "status", title="scrape run"
    )
    for s in report.sources:
        status = "[green]complete[/]" if s.complete else f"[red]{s.error or 'incomplete'}[/]"
        table.add_row(
            s.key,
            str(s.fetched),
            str(s.new),
            str(s.updated),
            str(s.closed),
            str(s.item_errors),
            status,
        )
    return table


@app.command("run")
def run(
    flow: Annotated[
        str | None, typer.Option(help="Only this flow's sources (default: all flows).")
    ] = None,
) -> None:
    """Scrape the sources of a flow (or all), store postings, and update the triggers."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = settings_or_exit()
    flows = selected_flows(settings, flow)
    sources = unique_sources(flows)
    store = open_store(settings)
    try:
        fetcher = Fetcher(fetch_policy(settings), cache=StoreValidatorCache(store))
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress:
            task = progress.add_task("scraping", total=len(sources))

            def done(source: SourceReport) -> None:
                progress.update(task, advance=1, description=f"scraped {source.key}")

            report = run_sources(
                sources,
                store,
                fetcher,
                flow_name=flow,
                repost_window_days=settings.repost_window_days,
                on_source_done=done,
            )
        with store.transaction() as session:
            synced = {f.name: sync(session, f, date.today()) for f in flows}
    finally:
        store.close()
    console.print(summary_table(report))
    totals = report.as_dict()
    console.print(
        f"fetched {totals['fetched']}, new {totals['new']}, updated {totals['updated']}, "
        f"closed {totals['closed']}, skipped by robots {totals['skipped_by_robots']}, "
        f"errors {totals['errors']} "
        f"({totals['requests']} requests, {totals['not_modified']} not modified)"
    )
    for name, result in synced.items():
        console.print(
            f"flow {name}: {result.created} new triggers, "
            f"{result.updated} updated, {result.stale} stale"
        )
    if report.all_failed:
        raise typer.Exit(1)
