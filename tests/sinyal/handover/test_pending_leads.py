"""Finding pending leads in a tracker store laid out as Rasa 3.6's SQLTrackerStore lays it out
(the whole sweep, with the real Rasa, is in tests/faults/test_chat_faults.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from sinyal.handover.pending_leads import PendingScan

EVENTS = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
    "action_name VARCHAR(255), data TEXT)"
)


INSERT = text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :t, :at, :d)")


def add(engine: Engine, sender: str, event: dict[str, object], at: float) -> None:
    data = json.dumps({**event, "timestamp": at})
    with engine.begin() as conn:
        conn.execute(INSERT, {"s": sender, "t": event["event"], "at": at, "d": data})


def slot(name: str, value: object) -> dict[str, object]:
    return {"event": "slot", "name": name, "value": value}


def test_the_latest_value_counts_and_only_quiet_chats_are_swept(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with engine.begin() as conn:
        conn.execute(text(EVENTS))
    old = time.time() - 600
    add(engine, "saved-later", slot("lead_pending", True), old)
    add(engine, "saved-later", slot("lead_pending", False), old + 1)
    add(engine, "pending", slot("lead_pending", True), old)
    add(engine, "pending", slot("email", "lead_pending@example.org"), old + 1)  # not the slot
    add(engine, "still-typing", slot("lead_pending", True), old)
    add(engine, "still-typing", {"event": "user", "text": "hi"}, time.time())
    scan = PendingScan(engine)
    assert scan.refresh() == ["pending", "still-typing"]
    assert scan.quiet(["pending", "still-typing"], idle_seconds=60) == ["pending"]
    # Incremental: a later event clears it; an event the chat settles elsewhere is forgotten.
    add(engine, "pending", slot("lead_pending", False), time.time())
    assert scan.refresh() == ["still-typing"]
    scan.forget("still-typing")
    assert scan.refresh() == []


def test_the_embedded_tracker_store_is_read_where_rasa_writes_it_and_only_read(
    clean_env: Path,
) -> None:
    from sqlalchemy.exc import OperationalError

    from sinyal.handover.pending_leads import tracker_engine
    from sinyal.runtime.rasa import tracker_store_config
    from sinyal.settings import load_settings

    settings = load_settings(data_dir=clean_env / "var")
    path = Path(str((tracker_store_config(settings) or {})["db"]))  # where Rasa writes it
    path.parent.mkdir(parents=True)
    rasa = create_engine(f"sqlite:///{path}")
    with rasa.begin() as conn:
        conn.execute(text(EVENTS))
    add(rasa, "pending", slot("lead_pending", True), time.time() - 600)
    engine = tracker_engine(settings)
    try:
        assert PendingScan(engine).refresh() == ["pending"]
        with pytest.raises(OperationalError, match="readonly"), engine.begin() as conn:
            conn.execute(text("DELETE FROM events"))
    finally:
        engine.dispose()
        rasa.dispose()
