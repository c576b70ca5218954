"""Leads whose save failed during the chat, finished once the store answers again.

When the lead store is down, the chat's action says so, sets the ``lead_pending`` slot and the
answers stay in Rasa's tracker (actions/answers.py). The chat finishes the save at its next
action that reaches the store, but a prospect who got "we could not save that" usually leaves.
This sweeper finds those conversations in Rasa's tracker store, reads their slots through
Rasa's HTTP API and does what the failed action would have done (``finish_failed_save``: one
lead per chat, one handover per lead, so repeating it, or racing the chat, adds nothing), then
clears the slot through the same API (under Rasa's conversation lock).

It runs in every ``sinyal dispatch``; several may run. Only chats quiet for
``pending_idle_seconds`` are swept, so the sweeper does not write a lead from slots the
prospect is still changing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from sinyal.chat.senders import ORIGIN
from sinyal.flows import current_flow
from sinyal.handover.hand_over import finish_failed_save
from sinyal.leads.lead import LeadDraft
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.db import create_db_engine

logger = logging.getLogger(__name__)

PENDING_SLOT = "lead_pending"
#: Commits of concurrent turns may land out of id order; each scan re-reads this many ids back.
RESCAN_IDS = 10_000


@dataclass
class SweepResult:
    pending: int = 0
    saved: int = 0
    failed: int = 0


def tracker_engine(settings: Settings) -> Engine:
    """Read access to Rasa's tracker store (sinyal.runtime.rasa.tracker_store_config)."""
    url = settings.tracker_database
    if url.get_backend_name() == "sqlite":
        path = url.database
        # Read-only, and without the store's pragmas: the file is Rasa's, not ours.
        return create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        )
    return create_db_engine(
        url,
        connect_timeout=settings.db_connect_timeout,
        statement_timeout=settings.db_statement_timeout,
    )


@dataclass
class PendingScan:
    """Which conversations' latest ``lead_pending`` is true, read incrementally by event id."""

    engine: Engine
    pending: dict[str, bool] = field(default_factory=dict)
    #: Per sender, the id up to which its value is known (events at or below are stale).
    known_until: dict[str, int] = field(default_factory=dict)
    last_id: int = 0

    def refresh(self) -> list[str]:
        """Read slot events newer than the last scan (and a margin), return pending senders."""
        query = text(
            "SELECT id, sender_id, data FROM events WHERE id > :after "
            "AND type_name = 'slot' AND data LIKE :needle ORDER BY id"
        )
        after = max(0, self.last_id - RESCAN_IDS)
        with self.engine.connect() as conn:
            rows = conn.execute(query, {"after": after, "needle": f'%"{PENDING_SLOT}"%'}).all()
        for event_id, sender_id, data in rows:
            value = _pending_value(data)
            if value is not None and event_id > self.known_until.get(sender_id, 0):
                self.pending[sender_id], self.known_until[sender_id] = value, event_id
            self.last_id = max(self.last_id, event_id)
        return sorted(sender for sender, value in self.pending.items() if value)

    def quiet(self, senders: Iterable[str], idle_seconds: float) -> list[str]:
        """Those of ``senders`` whose latest event is older than ``idle_seconds``."""
        wanted = list(senders)
        if not wanted:
            return []
        latest = text("SELECT max(timestamp) FROM events WHERE sender_id = :sender")
        cutoff = time.time() - idle_seconds
        with self.engine.connect() as conn:
            last = {s: conn.execute(latest, {"sender": s}).scalar() or 0.0 for s in wanted}
        return [sender for sender in wanted if last[sender] < cutoff]

    def forget(self, sender: str) -> None:
        """Rasa says it is not pending (a new session reset the slots): until a newer event."""
        self.pending[sender], self.known_until[sender] = False, self.last_id


def _pending_value(data: str | None) -> bool | None:
    try:
        event = json.loads(data or "")
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("name") != PENDING_SLOT:
        return None
    return bool(event.get("value"))


@dataclass
class RasaTrackers:
    """The two calls of Rasa's HTTP API the sweeper needs, with the run's token; any of the
    Rasa servers will do (they share the tracker store), the next one when one is down."""

    base_urls: list[str]
    token: str
    timeout: float = 15.0

    def _call(self, method: str, sender: str, tail: str, **kwargs: Any) -> requests.Response:
        path = f"/conversations/{quote(sender, safe='')}/{tail}"
        for base_url in self.base_urls[:-1]:
            try:
                return self._request(method, base_url + path, **kwargs)
            except requests.ConnectionError:
                continue
        return self._request(method, self.base_urls[-1] + path, **kwargs)

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        params = {"token": self.token, **kwargs.pop("params", {})}
        response = requests.request(method, url, params=params, timeout=self.timeout, **kwargs)
        response.raise_for_status()
        return response

    def tracker(self, sender: str) -> dict[str, Any]:
        found = self._call("GET", sender, "tracker", params={"include_events": "NONE"}).json()
        if not isinstance(found, dict):
            raise ValueError("Rasa answered a tracker request with something else")
        return found

    def clear_pending(self, sender: str) -> None:
        event = {"event": "slot", "name": PENDING_SLOT, "value": False, "timestamp": time.time()}
        self._call("POST", sender, "tracker/events", json=[event])


def _origin(tracker: dict[str, Any]) -> str | None:
    metadata = (tracker.get("latest_message") or {}).get("metadata") or {}
    origin = metadata.get("origin") if isinstance(metadata, dict) else None
    return origin if isinstance(origin, str) and ORIGIN.match(origin) else None


def finish(store: Store, settings: Settings, sender: str, tracker: dict[str, Any]) -> bool:
    """Save one pending lead from its tracker; False when it turned out not to be pending."""
    slots = tracker.get("slots") or {}
    if not slots.get(PENDING_SLOT):
        return False
    draft = LeadDraft.from_slots(sender, slots, settings.default_language)
    flow = current_flow(settings.flows_path, draft.context.flow)
    human = bool(slots.get("human_requested"))
    with store.transaction() as session:
        finish_failed_save(session, draft, human, settings, flow, _origin(tracker))
    return True


@dataclass
class PendingLeadSweeper:
    """One ``sweep()`` per round; keeps the scan position between rounds."""

    store: Store
    settings: Settings
    scan: PendingScan
    rasa: RasaTrackers

    @classmethod
    def from_settings(cls, store: Store, settings: Settings) -> PendingLeadSweeper | None:
        if settings.rasa_token is None or settings.rasa_tracker_store == "memory":
            return None
        rasa = RasaTrackers(settings.rasa_urls, settings.rasa_token.get_secret_value())
        return cls(store, settings, PendingScan(tracker_engine(settings)), rasa)

    def sweep(self) -> SweepResult:
        result = SweepResult()
        try:
            pending = self.scan.refresh()
            quiet = self.scan.quiet(pending, self.settings.pending_idle_seconds)
        except SQLAlchemyError as exc:
            logger.warning("tracker store not readable, pending leads wait: %s", type(exc).__name__)
            return result
        result.pending = len(pending)
        for sender in quiet:
            try:
                saved = self._sweep_one(sender)
            except (SQLAlchemyError, requests.RequestException) as exc:
                # The store or Rasa is still down: the next round tries again. No sender id in
                # the log: it identifies a person's chat.
                logger.warning("a pending lead could not be saved yet: %s", type(exc).__name__)
                result.failed += 1
            except Exception as exc:  # a bug or a strange tracker must not stop the others
                # The type only: a message or traceback could quote what the prospect typed.
                logger.error("a pending lead could not be saved (will retry): %r", type(exc))
                result.failed += 1
            else:
                result.saved += saved
        return result

    def _sweep_one(self, sender: str) -> bool:
        """Save one chat's pending lead; clear the slot only if the chat did not move on
        meanwhile (then the next round saves what it says now)."""
        tracker = self.rasa.tracker(sender)
        if not finish(self.store, self.settings, sender, tracker):
            self.scan.forget(sender)
            return False
        if self.rasa.tracker(sender).get("latest_event_time") == tracker.get("latest_event_time"):
            self.rasa.clear_pending(sender)
        return True

    def close(self) -> None:
        self.scan.engine.dispose()
