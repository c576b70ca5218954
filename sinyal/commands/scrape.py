"""``sinyal scrape page`` and ``sinyal scrape run``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scrapers.fetcher import decode
from scrapers.items import ItemError
from scrapers.runner import RunReport, SourceReport
from scrapers.sources import extract_postings
from sinyal.commands import console, err_console, fail, open_store, settings_or_exit
from sinyal.flows import FlowDefinition, FlowError, load_flows
from sinyal.settings import Settings
from sinyal.signals import describe, refresh, unique_sources

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
    store = open_store(settings)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress:
            sources = unique_sources(flows)
            task = progress.add_task("scraping", total=len(sources))

            def done(source: SourceReport) -> None:
                progress.update(task, advance=1, description=f"scraped {source.key}")

            result = refresh(
                settings, store, flows, flow_name=flow, sources=sources, on_source_done=done
            )
    finally:
        store.close()
    report = result.report
    console.print(summary_table(report))
    for line in describe(result):
        console.print(line)
    if report.all_failed:
        raise typer.Exit(1)
