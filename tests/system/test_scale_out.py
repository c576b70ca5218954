"""Two Rasa servers and two action servers behind one store: one prospect's messages alternate
between the servers, two of them at the same moment, and the chat stays one consistent
conversation with one lead.

They share the PostgreSQL tracker store and the Redis lock store (settings refuse two servers
without them); the lock store is what makes the simultaneous pair safe: without it both
servers would read the same tracker, and each would append its own continuation.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.engine import URL

from sinyal.store import Store
from sinyal.store.models import Conversation, Handover, Lead
from tests.helpers import free_port
from tests.system.conftest import RunningSystem, system_running, tracker

pytestmark = pytest.mark.slow

ENTRY = {
    "language": "en",
    "flow": "long-open-demo",
    "company": "Nordwind Logistik GmbH",
    "role": "Senior Java Developer",
    "days_open": 121,
}


@pytest.fixture(scope="module")
def two_servers(
    tmp_path_factory: pytest.TempPathFactory,
    trained_model: Path,
    postgres_database: URL,
    redis_url: str,
) -> Iterator[RunningSystem]:
    extra = {
        "DATABASE_URL": postgres_database.render_as_string(hide_password=False),
        "SINYAL_REDIS_URL": redis_url,
        "SINYAL_RASA_SERVERS": "2",
        "SINYAL_ACTION_SERVERS": "2",
        "SINYAL_RASA_PORT": str(free_port_pair()),  # servers take the port and the next one
        "SINYAL_ACTIONS_PORT": str(free_port_pair()),
        "SINYAL_SCRAPE_ON_START": "false",
        "SINYAL_DEMO_SITE": "false",
    }
    with system_running(tmp_path_factory.mktemp("scale-out"), extra, timeout=600) as running:
        yield running


def free_port_pair() -> int:
    """A free loopback port whose next port is free too."""
    while True:
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def say_to(system: RunningSystem, server: int, sender: str, message: str) -> list[str]:
    """One message to Rasa server ``server`` (0 or 1) directly, over its REST channel."""
    metadata = ENTRY if message == "hello" else {}
    response = requests.post(
        f"{system.settings.rasa_url_of(server)}/webhooks/rest/webhook",
        json={"sender": sender, "message": message, "metadata": metadata},
        headers=system.rest_headers,
        timeout=120,
    )
    response.raise_for_status()
    return [m.get("text", "") for m in response.json()]


def user_texts(events: list[dict[str, Any]]) -> list[str]:
    return [e.get("text", "") for e in events if e.get("event") == "user"]


def test_one_chat_alternating_between_two_servers_stays_one_conversation(
    two_servers: RunningSystem,
) -> None:
    system, sender = two_servers, f"scale-{uuid.uuid4().hex[:8]}"
    first = [
        ("hello", "looking for a Senior Java Developer"),
        ("/affirm", "How many people do you need"),
    ]
    for turn, (message, expected) in enumerate(first):
        replies = say_to(system, turn % 2, sender, message)
        assert any(expected in r for r in replies), (message, replies)

    # Two messages at the same moment, one to each server: the count and the urgency.
    pair = {0: "2", 1: '/inform{"urgency":"asap"}'}
    answers: dict[int, list[str]] = {}
    in_flight: dict[int, tuple[float, float]] = {}

    def send(server: int) -> None:
        started = time.monotonic()
        answers[server] = say_to(system, server, sender, pair[server])
        in_flight[server] = (started, time.monotonic())

    threads = [threading.Thread(target=send, args=(server,)) for server in pair]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert set(answers) == {0, 1}, "both servers answered"
    starts, ends = zip(*in_flight.values(), strict=True)
    assert max(starts) < min(ends), "the two requests were in flight at the same time"
    # Whichever came second saw the first one's answer: the form moved past both questions.
    assert any("Are you the person who decides" in r for r in answers[0] + answers[1]), answers
    state = tracker(system, sender)
    assert state["slots"]["positions"] == 2 and state["slots"]["urgency"] == "asap"
    events = state["events"]
    assert sorted(user_texts(events)[-2:]) == sorted(pair.values())
    # Handled one after the other: the bot listened again before the second message.
    second_user = max(i for i, e in enumerate(events) if e.get("event") == "user")
    before = [e for e in events[:second_user] if e.get("event") == "action"]
    assert before[-1]["name"] == "action_listen"

    rest = [
        ("/affirm", "Do you agree that we store them"),
        ("/affirm", "What is your name, and a phone number or email"),
        ("Anna Schmidt", "And a phone number or email"),
        ("anna.schmidt@nordwind.de", "will get in touch"),
    ]
    for turn, (message, expected) in enumerate(rest):
        replies = say_to(system, turn % 2, sender, message)
        assert any(expected in r for r in replies), (message, replies)
    texts = user_texts(tracker(system, sender)["events"])
    assert len(texts) == len(set(texts)) + 2  # "/affirm" thrice; nothing doubled or lost
    store = Store.from_settings(system.settings)
    try:
        with store.transaction() as session:
            leads = session.scalars(
                select(Lead).join(Conversation).where(Conversation.sender_id == sender)
            ).all()
            assert len(leads) == 1 and leads[0].status == "qualified"
            reasons = session.scalars(
                select(Handover.reason).where(Handover.lead_id == leads[0].id)
            )
            assert list(reasons) == ["qualified"]
    finally:
        store.close()
