"""``sinyal flows|contacts|outreach`` and ``ab report``: what a marketer types, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sinyal.cli import app

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cli(clean_env: Path, monkeypatch: pytest.MonkeyPatch, wide_consoles: None) -> CliRunner:
    monkeypatch.setenv("SINYAL_DATA_DIR", str(clean_env / "var"))
    monkeypatch.setenv("SINYAL_FLOWS_DIR", str(PROJECT / "flows"))
    return CliRunner()


def test_flows_validate_and_list_the_shipped_flows(cli: CliRunner) -> None:
    done = cli.invoke(app, ["flows", "validate"])
    assert done.exit_code == 0, done.output
    assert "ok" in done.stdout and "long-open-demo (2 variants)" in done.stdout
    listed = cli.invoke(app, ["flows", "list"])
    assert "long-open-demo" in listed.stdout and "control (1), urgency (1)" in listed.stdout


def test_flows_validate_names_every_bad_file(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("name: bad\nvariants:\n  - key: A\n    body: '{{ nope }}'\n    subject: s\n")
    good = PROJECT / "flows" / "long-open-demo.yml"
    done = cli.invoke(app, ["flows", "validate", str(bad), str(good)])
    assert done.exit_code == 1
    assert f"{bad}:4: variants.0.body: template error" in done.stderr
    assert "long-open-demo" in done.stdout


def test_contacts_import_reports_bad_rows_and_keeps_the_rest(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("company,name,email,title\nAcme,Ann,ann@acme.example,HR\nAcme,Bob,bob,HR\n")
    done = cli.invoke(app, ["contacts", "import", str(path)])
    assert done.exit_code == 0, done.output
    assert "1 contacts added" in done.stdout and "1 rows skipped" in done.stdout
    assert f"{path}:3: email" in done.stderr


def test_contacts_suppress_refuses_what_is_not_an_address(cli: CliRunner) -> None:
    done = cli.invoke(app, ["contacts", "suppress", "not an address"])
    assert done.exit_code == 2 and "is not an email address or @domain" in done.stderr
    assert cli.invoke(app, ["contacts", "suppress", "@rival.example"]).exit_code == 0


def test_outreach_run_refuses_email_without_an_smtp_server(cli: CliRunner) -> None:
    done = cli.invoke(app, ["outreach", "run", "long-open-demo"])
    assert done.exit_code == 2 and "set SINYAL_SMTP_HOST" in done.stderr


def test_outreach_run_names_an_unknown_flow(cli: CliRunner) -> None:
    done = cli.invoke(app, ["outreach", "run", "nope", "--plan-only"])
    assert done.exit_code == 2 and "no flow named 'nope'" in done.stderr


def test_ab_report_checks_its_options(cli: CliRunner) -> None:
    done = cli.invoke(app, ["ab", "report", "long-open-demo", "--event", "sent"])
    assert done.exit_code == 2 and "--event must be one of" in done.stderr
    nothing = cli.invoke(app, ["ab", "report", "long-open-demo"])
    assert nothing.exit_code == 2 and "has sent nothing yet" in nothing.stderr
