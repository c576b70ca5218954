"""The web app served by uvicorn on a loopback port, in a thread, against the test's store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.web.app import create_app
from tests.support.ports import free_port
from tests.support.web_server import Web, serving_app


@pytest.fixture
def web(store: Store, tmp_path: Path) -> Iterator[Web]:
    port = free_port()
    settings = Settings(
        data_dir=tmp_path / "var",
        public_url=f"http://127.0.0.1:{port}",
        web_port=port,
        telegram_bot_username="SinyalDemoBot",
    )
    with serving_app(create_app(settings, store), port) as url:
        yield Web(url, settings)
