"""Tokens: generated once per data directory, private, and the environment always wins."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sinyal.runtime.run_secrets import (
    GENERATED,
    secrets_file,
    stored_run_secrets,
    with_run_secrets,
)
from sinyal.settings import Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in GENERATED.values():  # set first so that teardown restores what was there
        monkeypatch.setenv(env, "placeholder")
        monkeypatch.delenv(env)


def test_generated_once_private_and_exported(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = with_run_secrets(settings)
    assert first.rasa_token and first.actions_token and first.secret_key
    tokens = {f: getattr(first, f).get_secret_value() for f in GENERATED}
    assert len(set(tokens.values())) == 3 and all(len(t) >= 32 for t in tokens.values())
    assert stat.S_IMODE(secrets_file(settings).stat().st_mode) == 0o600
    assert os.environ["SINYAL_RASA_TOKEN"] == tokens["rasa_token"]
    again = with_run_secrets(Settings(data_dir=tmp_path))  # a restart keeps the tokens
    assert {f: getattr(again, f).get_secret_value() for f in GENERATED} == tokens
    assert stored_run_secrets(Settings(data_dir=tmp_path)).rasa_token == first.rasa_token


def test_environment_wins_and_is_not_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, rasa_token="from-env-aaaaaaaaaaaaaaa")
    filled = with_run_secrets(settings)
    assert filled.rasa_token is not None
    assert filled.rasa_token.get_secret_value() == "from-env-aaaaaaaaaaaaaaa"
    assert "from-env" not in secrets_file(settings).read_text()


def test_nothing_stored_means_nothing_filled(tmp_path: Path) -> None:
    assert stored_run_secrets(Settings(data_dir=tmp_path)).rasa_token is None


def test_a_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with_run_secrets(settings)
    secrets_file(settings).chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        with_run_secrets(Settings(data_dir=tmp_path))
