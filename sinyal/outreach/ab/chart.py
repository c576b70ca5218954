"""The A/B chart: each variant's rate with its 95% interval, control's rate as a line."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sinyal.charts import Target, save_png
from sinyal.outreach.ab.stats import Analysis


def write_chart(analysis: Analysis, path: Target, title: str, event: str) -> Target:
    shown = [v for v in analysis.variants if v.rate is not None]
    # A bare Figure (no pyplot): no global backend state, safe in a web server's threads.
    figure = Figure(figsize=(7, 1.4 + 0.7 * max(len(shown), 1)), dpi=120)
    axes = figure.subplots()
    for row, v in enumerate(shown):
        assert v.rate is not None and v.ci_low is not None and v.ci_high is not None
        colour = "#5b6472" if row == 0 else "#1f5eff"
        axes.errorbar(
            v.rate,
            row,
            xerr=[[v.rate - v.ci_low], [v.ci_high - v.rate]],
            fmt="o",
            color=colour,
            capsize=5,
        )
        axes.annotate(
            f"{v.rate:.1%}  ({v.conversions}/{v.exposures})",
            (v.rate, row),
            textcoords="offset points",
            xytext=(0, 9),
            ha="center",
            fontsize=8,
        )
    if shown and shown[0].rate is not None:
        axes.axvline(shown[0].rate, color="#5b6472", linestyle="--", linewidth=0.8)
    axes.set_yticks(range(len(shown)), [v.variant for v in shown])
    axes.set_ylim(-0.7, len(shown) - 0.3)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_xlabel(f"{event} rate, 95% Wilson interval")
    axes.set_title(f"{title}\nverdict: {analysis.verdict.value}", fontsize=10)
    figure.tight_layout()
    return save_png(figure, path)
