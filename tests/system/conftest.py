"""The whole system as `make run` starts it: `sinyal run` in a subprocess, real Rasa and actions.

Each backend gets its own running system (module scope) with its own ports and data directory,
so these tests never touch a developer's `var/` or a running `make run`. What starts it and
talks to it lives in ``tests.support.system``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.system import RunningSystem, running_system
from tests.support.telegram_api import TelegramApiStandIn


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    trained_model: Path,
    telegram_api: TelegramApiStandIn,
) -> Iterator[RunningSystem]:
    yield from running_system(request, tmp_path_factory, telegram_api, "system")
