"""Rate limits kept in the database, so every process counts together.

Fixed-window counts (``count_hit``): one UPSERT per request (``count = count + 1 RETURNING
count``); the database serialises concurrent hits on one key. Old windows are deleted now and
then by whoever hits. Claims (``claim``): "once per N seconds" from the last claim, for
things where a clock boundary letting two through a second apart would be felt.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from sinyal.store import Store
from sinyal.store.db import upsert
from sinyal.store.models import RateLimitBucket, RateLimitClaim, utcnow


def _window(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def _now_and_then_forget(session: Session, when: Any, now: datetime) -> None:
    """Housekeeping, not security: about one call in a hundred drops rows a day old."""
    if random.random() < 0.01:
        session.execute(delete(when.class_).where(when < now - timedelta(days=1)))


def hit(store: Store, key: str, limit: int, seconds: int) -> bool:
    """Count one request for ``key``; False once ``limit`` requests came in this window."""
    with store.transaction() as session:
        return count_hit(session, key, seconds) <= limit


def count_hit(session: Session, key: str, seconds: int) -> int:
    """Count one hit for ``key`` in the caller's transaction; how many this window has seen."""
    now = utcnow()
    statement = (
        upsert(session, RateLimitBucket)
        .values(key=key[:200], window_start=_window(now, seconds), count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": RateLimitBucket.count + 1},
        )
        .returning(RateLimitBucket.count)
    )
    count = int(session.execute(statement).scalar_one())
    _now_and_then_forget(session, RateLimitBucket.window_start, now)
    return count


def claim(session: Session, key: str, seconds: int) -> bool:
    """True if ``key`` was not claimed in the last ``seconds`` (and claim it now), in the
    caller's transaction. One UPSERT whose update only happens when the last claim is old
    enough: concurrent callers on one key queue on its row and exactly one wins."""
    now = utcnow()
    statement = (
        upsert(session, RateLimitClaim)
        .values(key=key[:200], claimed_at=now)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={"claimed_at": now},
            where=RateLimitClaim.claimed_at <= now - timedelta(seconds=seconds),
        )
        .returning(RateLimitClaim.key)
    )
    won = session.execute(statement).first() is not None
    _now_and_then_forget(session, RateLimitClaim.claimed_at, now)
    return won
