"""The action server's handle on the lead store: one engine (a pool) per process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from sqlalchemy.orm import Session

from sinyal.settings import Settings, load_settings
from sinyal.store import Store

T = TypeVar("T")


@cache
def settings() -> Settings:
    return load_settings()


@cache
def store() -> Store:
    return Store.from_settings(settings())


async def in_transaction(work: Callable[[Session], T]) -> T:
    """Run blocking database work in a thread so the action server's event loop keeps serving."""

    def run() -> T:
        with store().transaction() as session:
            return work(session)

    return await asyncio.to_thread(run)
