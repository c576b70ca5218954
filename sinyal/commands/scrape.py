"""``sinyal scrape page``, ``sinyal scrape run`` and ``sinyal scrape worker``."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sinyal.commands import console, err_console, fail, open_store, settings_or_exit

if TYPE_CHECKING:  # the scrapers and the engine are imported inside each command
    from scrapers.runner import RunReport
    from sinyal.flows import FlowDefinition
    from sinyal.settings import Settings

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
    from scrapers.fetcher import decode
    from scrapers.items import ItemError
    from scrapers.sources import extract_postings

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


def selected_flows(settings: Settings, flow: str | None) -> list[FlowDefinition]:
    from sinyal.flows import FlowError, load_flows

    try:
        flows = load_flows(settings.flows_path)
    except FlowError as exc:
        raise fail(str(exc)) from None
    if flow is not None:
        flows = [f for f in flows if f.name == flow]
        if not flows:
            raise fail(f"no flow named {flow!r} in {settings.flows_path}")
    return flows


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


NO_WORKER = "waiting: no scrape worker is running (start one: `sinyal scrape worker`)"


@app.command("run")
def run(
    flow: Annotated[
        str | None, typer.Option(help="Only this flow's sources (default: all flows).")
    ] = None,
) -> None:
    """Scrape the sources of a flow (or all), store postings, and update the triggers."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from scrapers.runner import SourceReport
    from sinyal.signals.refresh import describe, refresh, unique_sources

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = settings_or_exit()
    flows = selected_flows(settings, flow)
    with (
        open_store(settings) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress,
    ):
        sources = unique_sources(flows)
        queued = settings.scrape_broker_url is not None
        task = progress.add_task("queued" if queued else "scraping", total=len(sources))

        def done(source: SourceReport) -> None:
            progress.update(task, advance=1, description=f"scraped {source.key}")

        def waiting(workers: int) -> None:
            if not workers:  # say why nothing moves, and what to do about it
                progress.update(task, description=NO_WORKER)

        result = refresh(
            settings,
            store,
            flows,
            flow_name=flow,
            sources=sources,
            on_source_done=done,
            on_waiting=waiting,
        )
    report = result.report
    console.print(summary_table(report))
    for line in describe(result):
        console.print(line)
    if report.all_failed:
        raise typer.Exit(1)


@app.command("worker")
def worker(
    threads: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Sources scraped at once (default: the setting)."),
    ] = None,
) -> None:
    """Run queued scrape tasks until Ctrl-C or SIGTERM; start one per machine, or more."""
    from sinyal.signals.refresh import scrape_queue

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = settings_or_exit()
    queue = scrape_queue(settings)
    if queue is None:
        raise fail("no scrape queue: set SINYAL_SCRAPE_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
    store = open_store(settings)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    count = threads or settings.scrape_worker_threads
    err_console.print(
        f"scrape worker: {count} threads on {settings.scrape_broker_url} "
        f"(namespace {settings.scrape_queue_namespace}); Ctrl-C stops after the tasks in hand",
        highlight=False,
    )
    try:
        queue.serve(store, count, stop)
    finally:
        store.close()
