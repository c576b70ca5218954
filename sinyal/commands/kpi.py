"""``sinyal kpi report``: the sales KPIs for a period, as a table, CSV, Excel or JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sinyal.commands import console, err_console, fail, open_store, settings_or_exit

app = typer.Typer(help="Sales KPIs from the event log.", no_args_is_help=True)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class By(StrEnum):
    WEEK = "week"
    MONTH = "month"


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date like 2026-10-31, got {value!r}", code=2) from None


FromOption = Annotated[
    str | None, typer.Option("--from", help="first day (default: 1st of this month)")
]
ToOption = Annotated[str | None, typer.Option("--to", help="last day, inclusive (default: today)")]
ChartOption = Annotated[
    Path | None, typer.Option(help="write funnel, trend and consultant PNGs to this folder")
]


@app.command("report")
def report(
    start: FromOption = None,
    end: ToOption = None,
    by: Annotated[By, typer.Option(help="trend buckets")] = By.MONTH,
    flow: Annotated[str | None, typer.Option(help="only this flow's events")] = None,
    consultant: Annotated[str | None, typer.Option(help="only this consultant's leads")] = None,
    output_format: Annotated[Format, typer.Option("--format")] = Format.TABLE,
    output: Annotated[Path | None, typer.Option(help="file for --format xlsx")] = None,
    chart: ChartOption = None,
) -> None:
    """Funnel, conversion, speed-to-lead, win rate, fees, cycle, ROI and targets for a period."""
    from sinyal.chat.tracker import tracker_url
    from sinyal.kpi.event_frame import KpiFilterError
    from sinyal.kpi.metrics import Window
    from sinyal.kpi.report import KpiQuery, kpi_report

    today = datetime.now(UTC).date()
    first = _day(start, "--from") or today.replace(day=1)
    last = _day(end, "--to") or today
    if last < first:
        raise fail(f"--to ({last}) is before --from ({first})", code=2)
    window = Window(
        datetime.combine(first, datetime.min.time(), UTC),
        datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC),
    )
    if output_format is Format.XLSX and output is None:
        raise fail("--format xlsx needs --output FILE.xlsx", code=2)
    settings = settings_or_exit()
    with open_store(settings) as store:
        try:
            with store.sessions() as session:
                query = KpiQuery(window, by.value, flow, consultant)
                result = kpi_report(session, query, tracker_url(settings))
        except KpiFilterError as exc:
            raise fail(str(exc), code=2) from None
    _print(result, output_format, output)
    if chart is not None:
        from sinyal.kpi.charts import write_charts

        for path in write_charts(result, chart):
            err_console.print(f"chart written to {path}")


def _print(result: dict[str, Any], output_format: Format, output: Path | None) -> None:
    from sinyal.kpi.tables import sections, summary_csv, write_xlsx

    if output_format is Format.JSON:
        print(json.dumps(result, indent=2, default=str))
    elif output_format is Format.CSV:
        print(summary_csv(result), end="")
    elif output_format is Format.XLSX:
        assert output is not None
        err_console.print(f"written to {write_xlsx(result, output)}")
    else:
        for name, frame in sections(result).items():
            table = Table(title=name)
            for column in frame.columns:
                table.add_column(str(column))
            for row in frame.itertuples(index=False):
                table.add_row(*(_cell(v) for v in row))
            console.print(table)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:,.1f}"
    return str(value)
