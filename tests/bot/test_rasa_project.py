"""The Rasa project as Rasa sees it: data validation and the test stories, in the Rasa venv."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sinyal.runtime.rasa import rasa_child_env, rasa_executable
from sinyal.settings import load_settings

pytestmark = pytest.mark.slow


def rasa(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    settings = load_settings()
    return subprocess.run(
        [str(rasa_executable(settings)), *args],
        cwd=cwd,
        env=rasa_child_env(settings),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_rasa_data_validate_is_clean() -> None:
    settings = load_settings()
    done = rasa(
        "data",
        "validate",
        "--config",
        str(settings.project_dir / "config.yml"),
        cwd=settings.bot_dir,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "No story structure conflicts found" in done.stdout + done.stderr


def test_test_stories_pass_in_both_languages(trained_model: Path, tmp_path: Path) -> None:
    settings = load_settings()
    done = rasa(
        "test",
        "core",
        "--model",
        str(trained_model),
        "--stories",
        str(settings.bot_dir / "tests"),
        "--out",
        str(tmp_path / "results"),
        "--fail-on-prediction-errors",
        cwd=settings.bot_dir,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    failed = tmp_path / "results" / "failed_test_stories.yml"
    assert "None of the test stories failed" in failed.read_text()
