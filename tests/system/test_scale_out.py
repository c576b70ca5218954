"""Two Rasa servers and two action servers behind one store: one prospect's messages alternate
between the servers, two of them at the same moment, and the chat stays one consistent
conversation with one lead.

They share the PostgreSQL tracker store and the Redis lock store (settings refuse two servers
without them). Rasa 3.6's lock store alone does not keep two messages of one conversation that
arrive at two servers in the same instant apart (see sinyal.chat.gateway.RasaClient); the
gateways' lock per conversation does. Sixteen conversations send their pair at once, so that a
missing lock shows as a lost message in at least one of them.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.engine import URL

from sinyal.chat.gateway import RasaClient
from sinyal.store import Store
from sinyal.store.models import Conversation, Handover, Lead
from tests.support.ports import free_port
from tests.support.system import OUTREACH_ENTRY as ENTRY
from tests.support.system import RunningSystem, system_running, tracker

pytestmark = pytest.mark.slow


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


async def send_at_once(
    system: RunningSystem, senders: list[str], messages: list[str]
) -> list[tuple[float, float]]:
    """For every sender, message i to Rasa server i, all at once, each server through its own
    gateway client sharing the Redis lock (as separate gateway processes would); when each was
    sent and answered."""
    token = system.rest_headers["Authorization"].removeprefix("Bearer ")
    redis_url = system.env["SINYAL_REDIS_URL"]
    clients = [
        RasaClient(system.settings.rasa_url_of(i), token, redis_url=redis_url)
        for i in range(len(messages))
    ]

    async def send(client: RasaClient, sender: str, message: str) -> tuple[float, float]:
        started = time.monotonic()
        await client.send(sender, message, {})
        return started, time.monotonic()

    sends = [
        send(client, sender, message)
        for sender in senders
        for client, message in zip(clients, messages, strict=True)
    ]
    try:
        return list(await asyncio.gather(*sends))
    finally:
        for client in clients:
            await client.close()


def user_texts(events: list[dict[str, Any]]) -> list[str]:
    return [e.get("text", "") for e in events if e.get("event") == "user"]


def test_one_chat_alternating_between_two_servers_stays_one_conversation(
    two_servers: RunningSystem,
) -> None:
    system, sender = two_servers, f"scale-{uuid.uuid4().hex[:8]}"
    others = [f"scale-{uuid.uuid4().hex[:8]}" for _ in range(15)]
    sent: list[str] = []

    def turn(server: int, message: str, expected: str, who: str = sender) -> None:
        if who == sender:
            sent.append(message)
        replies = say_to(system, server, who, message)
        assert any(expected in r for r in replies), (message, replies)

    for who in [sender, *others]:
        turn(0, "hello", "looking for a Senior Java Developer", who)
        turn(1, "/affirm", "How many people do you need", who)

    # Each conversation sends two messages at the same moment, through two gateway clients
    # (as two web processes would), one to each server: the count and the urgency.
    pair = ["2", '/inform{"urgency":"asap"}']
    sent += pair
    in_flight = asyncio.run(send_at_once(system, [sender, *others], pair))
    starts, ends = zip(*in_flight, strict=True)
    assert max(starts) < min(ends), "the requests were in flight at the same time"
    for who in others:  # no pair lost a message, nor what it said (whichever came first)
        state = tracker(system, who)
        texts = user_texts(state["events"])
        assert Counter(texts) == Counter(["hello", "/affirm", *pair]), (who, texts)
        assert state["slots"]["positions"] == 2, (who, texts)
    state = tracker(system, sender)
    assert state["slots"]["positions"] == 2  # whichever came first, the count was taken
    if state["slots"]["urgency"] != "asap":  # the button came first, while the count was asked
        turn(0, pair[1], "Are you the person who decides")

    turn(1, "/affirm", "Do you agree that we store them")
    turn(0, "/affirm", "What is your name, and a phone number or email")
    turn(1, "Anna Schmidt", "And a phone number or email")
    turn(0, "anna.schmidt@nordwind.de", "will get in touch")
    # Every message exactly once in the conversation: nothing doubled or lost.
    assert Counter(user_texts(tracker(system, sender)["events"])) == Counter(sent)
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
