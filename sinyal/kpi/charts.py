"""KPI charts as PNG files: the funnel, the trend, consultants against their targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from sinyal.charts import Target, save_png

BLUE, GREY, GREEN = "#1f5eff", "#9aa3b1", "#1a9e5c"


def funnel_chart(report: dict[str, Any], path: Target) -> Target:
    steps = report["funnel"]
    figure = Figure(figsize=(8, 4.5), dpi=110)
    axes = figure.subplots()
    labels = [s["step"].replace("_", " ") for s in steps]
    counts = [s["count"] for s in steps]
    bars = axes.barh(labels, counts, color=BLUE)
    axes.invert_yaxis()
    for bar, step in zip(bars, steps, strict=True):
        note = f"{step['count']}"
        if step["conversion"] is not None:
            note += f"  ({step['conversion']:.0%} of previous)"
        axes.annotate(
            note,
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.set_title(f"Funnel {report['window']['from']} to {report['window']['to']}")
    axes.set_xlim(0, max([*counts, 1]) * 1.35)
    figure.tight_layout()
    return save_png(figure, path)


def trend_chart(report: dict[str, Any], path: Target) -> Target:
    rows = report["trend"]
    figure = Figure(figsize=(8, 4), dpi=110)
    axes = figure.subplots()
    periods = [r["period"] for r in rows]
    for measure in ("outreach_sent", "clicks", "chats_started", "qualified_leads", "won"):
        axes.plot(periods, [r[measure] for r in rows], marker="o", label=measure.replace("_", " "))
    axes.set_title("Trend")
    axes.legend(fontsize=8)
    axes.tick_params(axis="x", labelrotation=30, labelsize=8)
    figure.tight_layout()
    return save_png(figure, path)


def consultants_chart(report: dict[str, Any], path: Target) -> Target:
    rows = report["consultants"]
    figure = Figure(figsize=(8, 1.5 + 0.6 * max(len(rows), 1)), dpi=110)
    axes = figure.subplots()
    names = [r["consultant"] for r in rows]
    positions = range(len(rows))
    axes.barh([p - 0.2 for p in positions], [r["leads_received"] for r in rows], 0.2,
              color=GREY, label="leads received")  # fmt: skip
    axes.barh(list(positions), [r["contacted"] for r in rows], 0.2, color=BLUE, label="contacted")
    axes.barh([p + 0.2 for p in positions], [r["won"] for r in rows], 0.2, color=GREEN,
              label="won")  # fmt: skip
    for position, row in zip(positions, rows, strict=True):
        if row["target"] is not None:
            axes.plot([row["target"]] * 2, [position - 0.35, position + 0.35], color="black")
    axes.set_yticks(list(positions), names)
    axes.invert_yaxis()
    axes.set_title("Consultants (black line: target for the period)")
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return save_png(figure, path)


def write_charts(report: dict[str, Any], directory: Path) -> list[Target]:
    return [
        funnel_chart(report, directory / "funnel.png"),
        trend_chart(report, directory / "trend.png"),
        consultants_chart(report, directory / "consultants.png"),
    ]
