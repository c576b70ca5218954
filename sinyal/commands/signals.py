"""``sinyal signals``: company news classified into sales signals (expansion, funding, ...)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sinyal.commands import console, err_console, fail

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
    from sinyal.signals.news.signals import CompaniesFileError, classify_files, read_companies_csv

    try:
        known = read_companies_csv(companies) if companies else []
    except (OSError, CompaniesFileError, UnicodeDecodeError) as exc:
        raise fail(f"--companies: {exc}") from None
    signals, problems = classify_files(files, CompanyIndex(known))
    if as_json:
        typer.echo(json.dumps([s.as_json() for s in signals], ensure_ascii=False, indent=2))
    else:
        table = Table("type", "confidence", "company", "date", "title", title="news signals")
        for s in signals:
            day = s.published_at.isoformat() if s.published_at else ""
            table.add_row(s.type.value, f"{s.confidence:.2f}", s.company or "", day, s.title)
        console.print(table)
    for problem in problems:
        err_console.print(f"[red]error:[/] {problem}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)
