"""``sinyal signals``: company news classified into sales signals (expansion, funding, ...)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sinyal.commands import console, err_console, fail, open_store, settings_or_exit

app = typer.Typer(
    help="Company news as sales signals: expansion, funding, management change, insolvency...",
    no_args_is_help=True,
)


@app.command()
def classify(
    files: Annotated[
        list[Path], typer.Argument(help="HTML pages and RSS/Atom feeds, read from disk.")
    ],
    companies: Annotated[
        Path | None,
        typer.Option(help="CSV with columns name,domain: the companies to attribute news to."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list, one object per page or feed item.")
    ] = False,
) -> None:
    """Classify each page and feed item; stores nothing. A file that cannot be read is named
    on stderr after the others' results, and the exit code is 1."""
    from sinyal.signals.news.attribution import CompanyIndex
    from sinyal.signals.news.classifier import shared_classifier
    from sinyal.signals.news.news_signal import (
        CompaniesFileError,
        classify_files,
        read_companies_csv,
    )

    try:
        known = read_companies_csv(companies) if companies else []
    except (OSError, CompaniesFileError, UnicodeDecodeError) as exc:
        raise fail(f"--companies: {exc}") from None
    classifier = shared_classifier(settings_or_exit().model_cache_dir)
    signals, problems = classify_files(files, CompanyIndex(known), classifier=classifier)
    if as_json:
        typer.echo(json.dumps([s.as_json() for s in signals], ensure_ascii=False, indent=2))
    else:
        table = Table("type", "confidence", "company", "date", "title", title="news signals")
        for s in signals:
            day = s.published_at.isoformat() if s.published_at else ""
            table.add_row(
                s.type.value, f"{s.confidence:.2f}", escape(s.company or ""), day, escape(s.title)
            )
        console.print(table)
    for problem in problems:
        err_console.print(f"[red]error:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)


@app.command("run")
def run(
    flow: Annotated[
        str | None, typer.Option(help="Only this flow's news sources (default: all flows).")
    ] = None,
) -> None:
    """Fetch every flow's news sources, classify and store the signals, update the triggers."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from sinyal.commands.scrape import selected_flows
    from sinyal.signals.refresh import refresh_news

    settings = settings_or_exit()
    flows = [f for f in selected_flows(settings, flow) if f.news.sources]
    if not flows:
        raise fail("no flow has news sources (a flow's news: section)")
    with (
        open_store(settings) as store,
        Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=err_console, transient=True,
        ) as progress,
    ):  # fmt: skip
        task = progress.add_task("reading news", total=None)
        read = 0

        def seen(flow_name: str, url: str) -> None:
            nonlocal read
            read += 1
            progress.update(task, description=escape(f"{flow_name}: {read} read, {url}"))

        results = refresh_news(settings, store, flows, on_document=seen)
    for result in results:
        for line in result.lines():
            console.print(escape(line), highlight=False)
        for problem in result.report.problems:
            err_console.print(f"[yellow]skipped:[/] {escape(problem)}", highlight=False)
    if not any(r.report.documents for r in results):  # like `sinyal scrape run`: nothing read
        raise typer.Exit(1)


@app.command("list")
def list_signals(
    company: Annotated[str | None, typer.Option(help="Only signals about this company.")] = None,
    kind: Annotated[
        str | None, typer.Option("--type", help="Only this type (expansion, funding, ...).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only signals published on or after this day (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """The stored signals, newest first, one per story (the same story on other sites counted)."""
    from sinyal.commands.triggers import parse_day
    from sinyal.signals.news.kinds import SignalType
    from sinyal.signals.news.listing import stored_signals

    if kind is not None and kind not in {t.value for t in SignalType}:
        raise fail(f"--type: {kind!r} is not one of {', '.join(t.value for t in SignalType)}")
    day = parse_day(since) if since else None
    settings = settings_or_exit()
    with open_store(settings) as store, store.transaction() as session:
        rows = stored_signals(session, company=company, kind=kind, since=day)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("date", "type", "company", "evidence", "sites", title="news signals")
    for row in rows:
        table.add_row(
            row["published_at"] or "", row["type"], escape(row["company"] or ""),
            escape(row["evidence"] or row["title"]), str(row["sites"]),
        )  # fmt: skip
    console.print(table)
