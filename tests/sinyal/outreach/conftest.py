"""A flow with open triggers at companies that have HR contacts: what outreach starts from
(``make_flow`` and ``seed_companies`` in ``tests.support.factories``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sinyal.settings import Settings


@pytest.fixture
def outreach_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        public_url="https://go.sinyal.example",
        telegram_bot_username="SinyalDemoBot",
    )
