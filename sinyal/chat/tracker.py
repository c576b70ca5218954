"""Rasa's SQL tracker store, seen from the engine: where its ``events`` table is, and deleting
one sender's rows (erasure). Reading it is done by transcripts, chat KPIs and the pending-lead
sweeper, each for its own purpose.
"""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from sinyal.settings import Settings


def tracker_url(settings: Settings) -> URL | None:
    """Where Rasa's SQL tracker store keeps ``events`` (None: in memory, nothing to delete)."""
    return None if settings.rasa_tracker_store == "memory" else settings.tracker_database


def erase_tracker(settings: Settings, sender_id: str) -> int:
    """Delete the sender's rows from Rasa's tracker store; returns how many went."""
    url = tracker_url(settings)
    if url is None:
        return 0
    engine = create_engine(url, hide_parameters=True)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as connection:
            deleted = connection.execute(
                text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
            )
            return int(deleted.rowcount or 0)
    finally:
        engine.dispose()
