"""The attacker suite runs against a real `sinyal run` on both databases, like tests/system,
with a team address so that handovers produce notifications to count."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sinyal.store import Store
from tests.support.system import RunningSystem, running_system
from tests.support.telegram_api import TelegramApiStandIn


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    trained_model: Path,
    telegram_api: TelegramApiStandIn,
) -> Iterator[RunningSystem]:
    yield from running_system(
        request,
        tmp_path_factory,
        telegram_api,
        "attacked",
        SINYAL_TEAM_EMAIL="team@consultancy.example",
    )


@pytest.fixture
def store(system: RunningSystem) -> Iterator[Store]:
    store = Store.from_settings(system.settings)
    yield store
    store.close()
