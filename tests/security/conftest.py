"""The attacker suite runs against a real `sinyal run` on both databases, like tests/system,
with a team address so that handovers produce notifications to count."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sinyal.store import Store
from tests.system.conftest import (  # noqa: F401 (fixtures this directory's tests use)
    READY_LINE,
    RunningSystem,
    postgres_database,
    redis_url,
    start_system,
)
from tests.telegram_api import TelegramApiStandIn


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    trained_model: Path,
    telegram_api: TelegramApiStandIn,
) -> Iterator[RunningSystem]:
    extra = {
        "TELEGRAM_BOT_TOKEN": telegram_api.token,
        "SINYAL_TELEGRAM_API_URL": telegram_api.base_url,
        "SINYAL_TEAM_EMAIL": "team@consultancy.example",
    }
    if request.param == "postgresql":
        database = request.getfixturevalue("postgres_database")
        extra["DATABASE_URL"] = database.render_as_string(hide_password=False)
        extra["SINYAL_REDIS_URL"] = request.getfixturevalue("redis_url")
    running = start_system(tmp_path_factory.mktemp(f"attacked-{request.param}"), extra)
    try:
        running.wait_for(READY_LINE, timeout=400)
        yield running
    finally:
        running.stop()


@pytest.fixture
def store(system: RunningSystem) -> Iterator[Store]:
    store = Store.from_settings(system.settings)
    yield store
    store.close()
