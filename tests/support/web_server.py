"""Sinyal's web app (dashboard, chat links, the chat socket) served by uvicorn on a loopback
port, in a thread of the test process, as `sinyal run` serves it in a process of its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from sinyal.settings import Settings


@dataclass
class Web:
    """A served web app: its base URL and the settings it was created with."""

    url: str
    settings: Settings


@contextmanager
def serving_app(app: Any, port: int, **options: Any) -> Iterator[str]:
    """``app`` served on 127.0.0.1:``port`` once uvicorn has started (10 s at most); yields its
    base URL; stopped afterwards. ``options`` go to ``uvicorn.Config``."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", **options)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
