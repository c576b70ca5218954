"""Actions run in-process against a real store; the Rasa side is exercised in tests/system."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from actions import store as action_store
from tests.support.action_tracker import reset_action_store


@pytest.fixture
def actions_db(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SINYAL_DATA_DIR", str(clean_env / "var"))
    monkeypatch.setenv("SINYAL_FLOWS_DIR", str(Path(__file__).parents[2] / "flows"))
    reset_action_store()
    action_store.store().upgrade()
    yield
    action_store.store().close()
    reset_action_store()
