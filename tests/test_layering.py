"""The layering rule is checked, not hoped for: `make lint` runs import-linter with the contracts
in pyproject.toml, and a backward import (an earlier stage importing a later one) fails it.

Shown on a temporary copy of the code, so the real tree is never touched."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for package in ("sinyal", "scrapers", "actions"):
        shutil.copytree(
            PROJECT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "demo_site"),
        )
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    return tmp_path


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(where)}  # the copy, not the installed project
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=where, env=env, capture_output=True, text=True
    )


def test_make_lint_runs_the_import_contracts() -> None:
    lint = re.search(r"^lint:.*?(?=^\S)", (PROJECT / "Makefile").read_text(), re.M | re.S)
    assert lint is not None and "lint-imports" in lint.group(0)


def test_the_code_keeps_its_layers(copy: Path) -> None:
    result = lint_imports(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "backward_import"),
    [
        ("sinyal/signals/triggers.py", "from sinyal.kpi import metrics"),  # signals -> KPIs
        ("sinyal/flows/definition.py", "from sinyal.outreach import planner"),  # config -> stage
        ("sinyal/chat/gateway.py", "from sinyal.handover import telegram_desk"),  # chat -> later
        ("scrapers/pipeline.py", "from sinyal.signals import triggers"),  # fetching -> signals
        ("sinyal/store/models.py", "from sinyal.leads import lead"),  # kernel -> a stage
        ("sinyal/web/app.py", "from sinyal.commands import open_store"),  # web -> the CLI
        ("sinyal/store/db.py", "from sinyal.events import event"),  # store -> events
        ("sinyal/flows/definition.py", "from scrapers.sources import build_source"),  # heavy
    ],
)
def test_a_backward_import_fails_the_lint(copy: Path, module: str, backward_import: str) -> None:
    target = copy / module
    source = target.read_text()
    marker = "from __future__ import annotations\n"
    assert marker in source
    target.write_text(source.replace(marker, f"{marker}\n{backward_import}  # noqa\n", 1))
    result = lint_imports(copy)
    assert result.returncode != 0
    importer = module.removesuffix(".py").replace("/", ".")
    imported = backward_import.split()[1]
    assert f"{importer} -> {imported}" in result.stdout, result.stdout
