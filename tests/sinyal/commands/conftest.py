"""The environment the `sinyal scrape` command tests run the command in."""

from pathlib import Path

import pytest

from tests.support.sinyal_command import isolated_env


@pytest.fixture
def env(clean_env: Path) -> dict[str, str]:
    return isolated_env(
        SINYAL_DATA_DIR=str(clean_env / "var"),
        SINYAL_SCRAPE_REQUESTS_PER_SECOND="50",
        SINYAL_SCRAPE_RETRIES="1",
        SINYAL_SCRAPE_TIMEOUT="5",
    )
