import os
import shutil
import threading
import time
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


def test_a_model_cached_for_these_inputs_is_reused_without_rasa(
    project: Settings, tmp_path: Path
) -> None:
    settings = project.model_copy(update={"model_cache_dir": tmp_path / "cache"})
    fingerprint = training.current_fingerprint(settings)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / f"{fingerprint}.tar.gz").write_bytes(b"the model for these inputs")
    (tmp_path / "cache" / f"{'0' * 64}.tar.gz").write_bytes(b"a model for other inputs")
    said: list[str] = []
    assert training.ensure_model(settings, say=said.append) is False  # no Rasa env: not trained
    assert settings.model_path.read_bytes() == b"the model for these inputs"
    assert training.model_is_current(settings) and "model cache" in said[-1]


def test_without_a_cached_model_for_these_inputs_training_is_needed(
    project: Settings, tmp_path: Path
) -> None:
    settings = project.model_copy(update={"model_cache_dir": tmp_path / "cache"})
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / f"{'0' * 64}.tar.gz").write_bytes(b"a model for other inputs")
    with pytest.raises(training.RuntimeMissing):  # it went on to train
        training.ensure_model(settings, say=lambda _m: None)
    assert not settings.model_path.exists()


def test_a_trained_model_is_kept_in_the_cache_and_old_ones_pruned(
    project: Settings, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    settings = project.model_copy(update={"model_cache_dir": cache})
    cache.mkdir()
    for n in range(training.CACHE_KEEP):
        old = cache / f"{n:064d}.tar.gz"
        old.write_bytes(b"older")
        os.utime(old, (1_000_000 + n, 1_000_000 + n))
    settings.model_path.parent.mkdir(parents=True)
    settings.model_path.write_bytes(b"fresh model")
    fingerprint = training.current_fingerprint(settings)
    kept = training.keep_in_cache(settings, fingerprint)
    assert kept == cache / f"{fingerprint}.tar.gz" and kept.read_bytes() == b"fresh model"
    left = sorted(p.name for p in cache.iterdir())
    assert len(left) == training.CACHE_KEEP and f"{0:064d}.tar.gz" not in left  # oldest gone
    assert not list(cache.glob(".*partial"))


def test_no_cache_configured_keeps_nothing(project: Settings) -> None:
    assert project.model_cache_dir is None  # the default: nothing outside the checkout
    assert training.keep_in_cache(project, "f" * 64) is None
    assert load_settings(model_cache_dir="").model_cache_dir is None


def test_a_second_caller_waits_for_the_running_training_and_takes_its_model(
    project: Settings,
) -> None:
    said: list[str] = []
    outcome: list[bool] = []
    with training.training_lock(project, say=lambda _m: None):  # somebody is training
        waiter = threading.Thread(
            target=lambda: outcome.append(training.ensure_model(project, say=said.append))
        )
        waiter.start()
        deadline = time.monotonic() + 10
        while not any("waiting" in line for line in said):
            assert time.monotonic() < deadline, said
            time.sleep(0.05)
        project.model_path.write_bytes(b"model")  # ...and finishes
        training.fingerprint_path(project).write_text(training.current_fingerprint(project))
    waiter.join(10)
    assert outcome == [False] and "up to date" in said[-1]  # no second training (no Rasa here)


def test_a_cache_entry_that_cannot_be_copied_means_training_not_a_crash(
    project: Settings, tmp_path: Path
) -> None:
    settings = project.model_copy(update={"model_cache_dir": tmp_path / "cache"})
    fingerprint = training.current_fingerprint(settings)
    assert training.restore_from_cache(settings, fingerprint) is None  # no entry at all
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / f"{fingerprint}.tar.gz").write_bytes(b"model")
    settings.model_path.parent.write_text("not a directory")  # the copy fails with an OSError
    assert training.restore_from_cache(settings, fingerprint) is None
    assert not training.fingerprint_path(settings).exists()


def test_the_fingerprint_covers_yaml_and_json_data(project: Settings) -> None:
    before = training.current_fingerprint(project)
    (project.bot_dir / "data" / "extra.yaml").write_text("version: '3.1'\n")
    after_yaml = training.current_fingerprint(project)
    (project.bot_dir / "data" / "legacy.json").write_text("{}")
    assert len({before, after_yaml, training.current_fingerprint(project)}) == 3
