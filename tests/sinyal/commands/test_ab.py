"""``sinyal ab analyze --csv FILE --json``: the interface checked from outside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scipy import stats as sps
from typer.testing import CliRunner

from sinyal.cli import app
from tests.support.sinyal_command import isolated_env, run_sinyal


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "counts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_json_output_has_every_field_per_variant(tmp_path: Path) -> None:
    csv = write(tmp_path, "variant,exposures,conversions\ncontrol,1000,100\nshort,1000,130\n")
    result = run_sinyal("ab", "analyze", "--csv", str(csv), "--json", env=isolated_env())
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    control, short = report["variants"]
    assert control["variant"] == "control" and control["p_value"] is None
    assert control["prob_beat_control"] is None
    assert short["rate"] == pytest.approx(0.13)
    reference = sps.binomtest(130, 1000).proportion_ci(method="wilson")
    assert (short["ci_low"], short["ci_high"]) == pytest.approx((reference.low, reference.high))
    table = [[130, 870], [100, 900]]
    assert short["p_value"] == pytest.approx(sps.chi2_contingency(table, correction=False).pvalue)
    assert 0.97 < short["prob_beat_control"] < 0.99
    assert short["expected_loss"] < control["expected_loss"]
    assert report["srm_p_value"] == pytest.approx(1.0)
    assert report["verdict"] == "keep_running"


def test_weights_drive_the_sample_ratio_check(tmp_path: Path) -> None:
    csv = write(tmp_path, "variant,exposures,conversions,weight\nA,6600,60,2\nB,3400,40,1\n")
    result = CliRunner().invoke(app, ["ab", "analyze", "--csv", str(csv), "--json"])
    assert result.exit_code == 0, result.output
    expected = sps.chisquare([6600, 3400], [10000 * 2 / 3, 10000 / 3]).pvalue
    assert json.loads(result.stdout)["srm_p_value"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("variant,exposures\nA,10\n", "missing column(s) conversions"),
        ("variant,exposures,conversions\nA,10,-1\n", ":2: conversions cannot be negative"),
        ("variant,exposures,conversions\nA,10,2\nB,10,11\n", ":3: conversions (11) exceed"),
        ("variant,exposures,conversions\nA,ten,1\n", "exposures must be a whole number"),
        ("variant,exposures,conversions\n", "no variants"),
        ("variant,exposures,conversions\nA,10,1\nA,10,2\n", "appears twice"),
        ("variant,exposures,conversions,weight\nA,10,1,0\n", "weight must be a positive"),
    ],
)
def test_bad_csv_gives_one_clear_line_and_fails(tmp_path: Path, text: str, message: str) -> None:
    csv = write(tmp_path, text)
    result = CliRunner().invoke(app, ["ab", "analyze", "--csv", str(csv), "--json"])
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_missing_file_is_one_line_too(tmp_path: Path) -> None:
    result = run_sinyal(
        "ab", "analyze", "--csv", str(tmp_path / "nope.csv"), "--json", env=isolated_env()
    )
    assert result.returncode != 0 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nope.csv: cannot read" in result.stderr
