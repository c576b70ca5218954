"""``sinyal kpi report`` in every format, with charts, and its input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sinyal.cli import app
from sinyal.settings import load_settings
from sinyal.store import Store
from tests.sinyal.kpi.test_report import seed_october

OCTOBER = ["--from", "2026-10-01", "--to", "2026-10-31"]


@pytest.fixture
def cli(clean_env: Path, monkeypatch: pytest.MonkeyPatch, wide_consoles: None) -> CliRunner:
    monkeypatch.setenv("SINYAL_DATA_DIR", str(clean_env / "var"))
    store = Store.from_settings(load_settings())
    store.upgrade()
    seed_october(store)
    store.close()
    return CliRunner()


def test_json_and_csv_carry_the_same_numbers(cli: CliRunner) -> None:
    as_json = cli.invoke(app, ["kpi", "report", *OCTOBER, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["counts"]["won"] == 2 and report["window"]["to"] == "2026-11-01"
    as_csv = cli.invoke(app, ["kpi", "report", *OCTOBER, "--format", "csv"])
    rows = dict(line.split(",", 1) for line in as_csv.stdout.strip().splitlines()[1:])
    assert rows["won"] == "2" and float(rows["win_rate"]) == pytest.approx(2 / 3)
    assert rows["outreach_sent"] == "10"


def test_xlsx_has_a_sheet_per_section_and_charts_are_pngs(cli: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "kpi.xlsx"
    charts = tmp_path / "charts"
    done = cli.invoke(
        app,
        [
            "kpi",
            "report",
            *OCTOBER,
            "--format",
            "xlsx",
            "--output",
            str(target),
            "--chart",
            str(charts),
        ],
    )
    assert done.exit_code == 0, done.output
    sheets = pd.read_excel(target, sheet_name=None)
    assert set(sheets) == {"summary", "funnel", "roi", "consultants", "trend", "conversations"}
    assert list(sheets["consultants"]["consultant"]) == ["Anna", "Budi"]
    for name in ("funnel", "trend", "consultants"):
        assert (charts / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_the_table_shows_every_section(cli: CliRunner) -> None:
    done = cli.invoke(app, ["kpi", "report", *OCTOBER, "--by", "week"])
    assert done.exit_code == 0
    for title in ("summary", "funnel", "roi", "consultants", "trend"):
        assert title in done.stdout
    assert "2026-09-28" in done.stdout  # the first week's Monday


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "October"], "--from must be a date like"),
        (["--from", "2026-10-05", "--to", "2026-10-01"], "is before --from"),
        (["--format", "xlsx"], "needs --output"),
        (["--consultant", "Nobody"], "no consultant named 'Nobody'"),
        (["--flow", "nope"], "no flow named 'nope'"),
    ],
)
def test_bad_options_get_one_clear_line(cli: CliRunner, args: list[str], message: str) -> None:
    done = cli.invoke(app, ["kpi", "report", *args])
    assert done.exit_code == 2 and message in done.stderr
