"""Waiting for something a real process does in its own time: poll until it holds."""

from __future__ import annotations

import time


def wait_until(condition: object, timeout: float, what: str, every: float = 0.5) -> None:
    """Poll ``condition()`` until it is truthy; fail naming ``what`` after ``timeout``."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f}s waiting for {what}"
        time.sleep(every)
