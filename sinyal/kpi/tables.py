"""A KPI report as flat tables (for CSV, Excel and the terminal): one per section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def summary_rows(report: dict[str, Any]) -> list[tuple[str, Any]]:
    speed = report["speed_to_lead"]
    rows: list[tuple[str, Any]] = [
        ("from", report["window"]["from"]),
        ("to", report["window"]["to"]),
    ]
    rows += list(report["counts"].items())
    rows += [
        ("lead_to_client", report["lead_to_client"]),
        ("win_rate", report["win_rate"]),
        ("average_fee", report["average_fee"]),
        ("fees_won", report["fees_won"]),
        ("cycle_days", report["cycle_days"]),
        ("speed_to_lead_p50_minutes", speed["p50_minutes"]),
        ("speed_to_lead_p90_minutes", speed["p90_minutes"]),
        ("handed_over_not_yet_contacted", speed["not_yet_contacted"]),
    ]
    return rows


def sections(report: dict[str, Any]) -> dict[str, pd.DataFrame]:
    trend = pd.DataFrame(
        [{k: v for k, v in row.items() if k != "change"} for row in report["trend"]]
    )
    return {
        "summary": pd.DataFrame(summary_rows(report), columns=["metric", "value"]),
        "funnel": pd.DataFrame(report["funnel"]),
        "roi": pd.DataFrame(report["roi"]),
        "consultants": pd.DataFrame(report["consultants"]),
        "trend": trend,
        "conversations": pd.DataFrame(
            [{k: v for k, v in row.items() if k != "stopped_at"} for row in report["conversations"]]
        ),
    }


def write_xlsx(report: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sections(report).items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


def summary_csv(report: dict[str, Any]) -> str:
    frame = sections(report)["summary"]
    return str(frame.to_csv(index=False))
