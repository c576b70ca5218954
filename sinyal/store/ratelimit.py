"""Rate limits kept in the database, so every process counts together.

Fixed-window counts (``count_hit``): one UPSERT per request (``count = count + 1 RETURNING
count``); the database serialises concurrent hits on one key. Old windows are deleted now and
then by whoever hits. Claims (``claim``): "once per N seconds" from the last claim, for
things where a clock boundary letting two through a second apart would be felt.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sinyal.store import Store
from sinyal.store.models import RateLimitBucket, RateLimitClaim, utcnow


def _window(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def hit(store: Store, key: str, limit: int, seconds: int) -> bool:
    """Count one request for ``key``; False once ``limit`` requests came in this window."""
    with store.transaction() as session:
        return count_hit(session, key, seconds) <= limit


def count_hit(session: Session, key: str, seconds: int) -> int:
    """Count one hit for ``key`` in the caller's transaction; how many this window has seen."""
    now = utcnow()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(RateLimitBucket)
        .values(key=key[:200], window_start=_window(now, seconds), count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": RateLimitBucket.count + 1},
        )
        .returning(RateLimitBucket.count)
    )
    count = int(session.execute(statement).scalar_one())
    if random.random() < 0.01:  # housekeeping, not security
        session.execute(
            delete(RateLimitBucket).where(RateLimitBucket.window_start < now - timedelta(days=1))
        )
    return count


def claim(session: Session, key: str, seconds: int) -> bool:
    """True if ``key`` was not claimed in the last ``seconds`` (and claim it now), in the
    caller's transaction. One UPSERT whose update only happens when the last claim is old
    enough: concurrent callers on one key queue on its row and exactly one wins."""
    now = utcnow()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(RateLimitClaim)
        .values(key=key[:200], claimed_at=now)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={"claimed_at": now},
            where=RateLimitClaim.claimed_at <= now - timedelta(seconds=seconds),
        )
        .returning(RateLimitClaim.key)
    )
    won = session.execute(statement).first() is not None
    if random.random() < 0.01:  # housekeeping
        session.execute(
            delete(RateLimitClaim).where(RateLimitClaim.claimed_at < now - timedelta(days=1))
        )
    return won
