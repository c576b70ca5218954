"""The environment the command tests run `sinyal` in: a subprocess's (``env``) or, in-process
through Typer's runner, wide consoles (``wide_consoles``)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from sinyal import commands
from tests.support.sinyal_command import isolated_env


@pytest.fixture
def env(clean_env: Path) -> dict[str, str]:
    return isolated_env(
        SINYAL_DATA_DIR=str(clean_env / "var"),
        SINYAL_SCRAPE_REQUESTS_PER_SECOND="50",
        SINYAL_SCRAPE_RETRIES="1",
        SINYAL_SCRAPE_TIMEOUT="5",
    )


@pytest.fixture
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tables 200 columns wide. The consoles read COLUMNS once, when sinyal.commands is first
    imported, possibly by another test module in this process (pytest-xdist), so the variable
    alone is not enough."""
    monkeypatch.setenv("COLUMNS", "200")
    for shared in (commands.console, commands.err_console):
        monkeypatch.setattr(shared, "width", 200)
    yield
