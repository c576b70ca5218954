import shutil
from pathlib import Path

import pytest

from sinyal.runtime import training
from sinyal.settings import Settings, load_settings

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def project(tmp_path: Path, clean_env: Path) -> Settings:
    """A copy of the bot's training inputs in a scratch project directory."""
    shutil.copy(PROJECT / "config.yml", tmp_path / "config.yml")
    shutil.copytree(
        PROJECT / "bot",
        tmp_path / "bot",
        ignore=shutil.ignore_patterns(".venv", "models", "results"),
    )
    return load_settings(project_dir=tmp_path)


def test_inputs_cover_config_domain_data_and_rasa_lock(project: Settings) -> None:
    names = {
        p.relative_to(project.project_dir).as_posix() for p in training.training_inputs(project)
    }
    assert {"config.yml", "bot/domain.yml", "bot/data/nlu.yml", "bot/requirements.lock"} <= names
    assert not any(name.startswith("bot/tests/") for name in names)


def test_fingerprint_changes_only_when_training_data_changes(project: Settings) -> None:
    before = training.current_fingerprint(project)
    (project.bot_dir / "tests" / "test_stories.yml").write_text("version: '3.1'\n")
    assert training.current_fingerprint(project) == before
    with (project.bot_dir / "data" / "nlu.yml").open("a") as f:
        f.write("      - hallo zusammen\n")
    assert training.current_fingerprint(project) != before


def test_model_is_current_needs_model_and_matching_stamp(project: Settings) -> None:
    assert not training.model_is_current(project)
    project.model_path.parent.mkdir(parents=True)
    project.model_path.write_bytes(b"model")
    assert not training.model_is_current(project)
    training.fingerprint_path(project).write_text(training.current_fingerprint(project))
    assert training.model_is_current(project)
    (project.project_dir / "config.yml").write_text("changed: true\n")
    assert not training.model_is_current(project)


def test_up_to_date_model_is_not_retrained(project: Settings) -> None:
    project.model_path.parent.mkdir(parents=True)
    project.model_path.write_bytes(b"model")
    training.fingerprint_path(project).write_text(training.current_fingerprint(project))
    said: list[str] = []
    assert training.ensure_model(project, say=said.append) is False
    assert "up to date" in said[0]


def test_training_without_the_rasa_environment_says_what_to_do(project: Settings) -> None:
    with pytest.raises(training.RuntimeMissing, match="make run"):
        training.ensure_model(project, say=lambda _m: None)
