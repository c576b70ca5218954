"""``sinyal ab analyze`` (counts from a CSV) and ``sinyal ab report`` (a flow's own outreach)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sinyal.commands import console, err_console, fail

if TYPE_CHECKING:  # scipy and statsmodels take seconds to import: only when a command runs
    from sinyal.outreach.ab.stats import Analysis, Plan

CONVERSION_EVENTS = ("clicked", "chat_started", "qualified", "handed_over", "won")
app = typer.Typer(help="A/B tests of outreach message variants.", no_args_is_help=True)

MdeOption = Annotated[
    float, typer.Option(help="minimum detectable effect, relative (0.2 = a 20% lift)")
]
AlphaOption = Annotated[float, typer.Option(help="false-positive rate of the verdict")]
PowerOption = Annotated[float, typer.Option(help="chance to detect the effect when it is real")]
BaselineOption = Annotated[
    float | None,
    typer.Option(help="control's expected rate for planning (default: its observed rate)"),
]


def make_plan(mde: float, alpha: float, power: float, baseline: float | None) -> Plan:
    from sinyal.outreach.ab.stats import Plan

    try:
        return Plan(mde=mde, alpha=alpha, power=power, baseline_rate=baseline)
    except ValueError as exc:
        raise fail(str(exc), code=2) from None


def _finite(value: object) -> object:
    """JSON has no NaN or infinity; a value that is not finite is reported as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def print_analysis(analysis: Analysis, as_json: bool, title: str) -> None:
    if as_json:
        print(json.dumps(_finite(analysis.as_dict()), indent=2))
        return
    table = Table(title=title)
    for column in ("variant", "exposures", "conversions", "rate", "95% CI", "p vs control"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    table.add_column("P(beat control)", justify="right")
    table.add_column("expected loss", justify="right")
    for v in analysis.variants:
        table.add_row(
            v.variant,
            str(v.exposures),
            str(v.conversions),
            _pct(v.rate),
            f"{_pct(v.ci_low)} - {_pct(v.ci_high)}" if v.ci_low is not None else "-",
            "control" if v.p_value is None else f"{v.p_value:.4f}",
            "-" if v.prob_beat_control is None else f"{v.prob_beat_control:.1%}",
            f"{v.expected_loss:.4%}",
        )
    console.print(table)
    srm = "-" if analysis.srm_p_value is None else f"{analysis.srm_p_value:.4f}"
    console.print(
        f"sample-ratio check p = {srm}; planned per arm: {analysis.planned_per_arm}, "
        f"still needed: {analysis.still_needed_per_arm}"
    )
    console.print(f"[bold]verdict: {analysis.verdict.value}[/] - {analysis.reason}")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


@app.command("analyze")
def analyze_csv(
    csv: Annotated[Path, typer.Option("--csv", help="variant,exposures,conversions[,weight]")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    mde: MdeOption = 0.2,
    alpha: AlphaOption = 0.05,
    power: PowerOption = 0.8,
    baseline_rate: BaselineOption = None,
) -> None:
    """Analyse variant counts from a CSV file; the first row is control."""
    from sinyal.outreach.ab.csv_input import CsvInputError, read_arms
    from sinyal.outreach.ab.stats import analyze

    plan = make_plan(mde, alpha, power, baseline_rate)
    try:
        arms = read_arms(csv)
    except CsvInputError as exc:
        raise fail(str(exc), code=2) from None
    print_analysis(analyze(arms, plan), as_json, f"A/B analysis of {csv}")


@app.command("report")
def report(
    flow_name: Annotated[str, typer.Argument(metavar="FLOW")],
    event: Annotated[
        str | None,
        typer.Option(help="conversion event: clicked, chat_started, qualified, handed_over, won"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    chart: Annotated[Path | None, typer.Option(help="write a PNG chart of the rates here")] = None,
    mde: Annotated[float | None, typer.Option(help="override the flow's planned MDE")] = None,
) -> None:
    """Per-variant results of a flow's outreach, with the verdict of its planned test."""
    from sinyal.commands import open_store, settings_or_exit
    from sinyal.flows import FlowError, find_flow
    from sinyal.outreach.ab.chart import write_chart
    from sinyal.outreach.ab.report import ReportError, flow_report, plan_of

    if event is not None and event not in CONVERSION_EVENTS:
        raise fail(f"--event must be one of {', '.join(CONVERSION_EVENTS)}, got {event!r}", 2)
    settings = settings_or_exit()
    try:
        flow = find_flow(settings.flows_path, flow_name)
    except FlowError as exc:
        raise fail(str(exc), code=2) from None
    plan = plan_of(flow)
    if mde is not None:
        plan = make_plan(mde, plan.alpha, plan.power, plan.baseline_rate)
    with open_store(settings) as store:
        try:
            with store.sessions() as session:
                result = flow_report(session, flow, event, plan)
        except ReportError as exc:
            raise fail(str(exc), code=2) from None
    print_analysis(result.analysis, as_json, f"{flow.name}: {result.event} per variant")
    if chart is not None:
        path = write_chart(result.analysis, chart, flow.name, result.event)
        (err_console if as_json else console).print(f"chart written to {path}")
