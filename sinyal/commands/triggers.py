"""``sinyal triggers list``: companies worth calling now, with the evidence."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from sinyal.commands import console, fail, open_store, settings_or_exit
from sinyal.commands.scrape import selected_flows

app = typer.Typer(help="Companies whose vacancies stay open too long.", no_args_is_help=True)


def parse_day(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise fail(f"--as-of: {value!r} is not a date like 2026-11-23") from None


def _news_cell(signals: list[dict[str, Any]], suppressed_by: dict[str, Any] | None) -> str:
    """The strongest recent signal, or the bad news that holds outreach back."""
    if suppressed_by:
        return f"SUPPRESSED: {suppressed_by['type']} {suppressed_by['published_at']}"
    if not signals:
        return ""
    top = signals[0]
    more = f" (+{len(signals) - 1})" if len(signals) > 1 else ""
    return escape(f"{top['type']} {top['published_at']}: {top['evidence'] or top['title']}{more}")


@app.command("list")
def list_triggers(
    flow: Annotated[str | None, typer.Option(help="Only this flow (default: all).")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Evaluate on this day (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per trigger.")] = False,
) -> None:
    """Evaluate each flow's trigger rule on the stored postings (read-only)."""
    from sinyal.signals.triggers import detect

    day = parse_day(as_of)
    settings = settings_or_exit()
    flows = selected_flows(settings, flow)
    with open_store(settings) as store, store.transaction() as session:
        found = [(f.name, c) for f in flows for c in detect(session, f.trigger, day, f.news)]
    if as_json:
        for flow_name, candidate in found:
            record = {
                "flow": flow_name,
                "company": candidate.company,
                "score": candidate.score,
                "as_of": day.isoformat(),
                **candidate.evidence(),
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    table = Table(
        "flow",
        "company",
        "score",
        "long-open roles",
        "max days open",
        "news",
        title=f"triggers as of {day}",
    )
    for flow_name, c in found:
        evidence = c.evidence()
        table.add_row(
            flow_name,
            escape(c.company),
            f"{c.score:.2f}",
            str(evidence["long_open_postings"]),
            str(evidence["max_days_open"]),
            _news_cell(c.signals, c.suppressed_by),
        )
    console.print(table)
