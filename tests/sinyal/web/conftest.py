"""The web app served by uvicorn on a loopback port, in a thread, against the test's store."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.web.app import create_app
from tests.helpers import free_port


@dataclass
class Web:
    url: str
    settings: Settings


@pytest.fixture
def web(store: Store, tmp_path: Path) -> Iterator[Web]:
    port = free_port()
    settings = Settings(
        data_dir=tmp_path / "var",
        public_url=f"http://127.0.0.1:{port}",
        web_port=port,
        telegram_bot_username="SinyalDemoBot",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, store), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield Web(f"http://127.0.0.1:{port}", settings)
    server.should_exit = True
    thread.join(timeout=10)
