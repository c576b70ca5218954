"""A qualification chat through real faults: the lead store's PostgreSQL stopped and started,
the action server and Rasa SIGKILLed. Nothing is lost and nothing is doubled.

One `sinyal run` for the module: the lead store is a throwaway PostgreSQL cluster the test
stops and starts (tests/faults/conftest.py), Rasa's tracker store is the machine's PostgreSQL
(``SINYAL_TRACKER_DATABASE_URL``), the lock store is Redis, and consultants hear of leads
through the Telegram Bot API stand-in. The chats use buttons' payloads and plain answers, so
they do not depend on how one trained model reads free text.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from sinyal.runtime.services import status_file
from sinyal.store import Store
from sinyal.store.models import Consultant, Conversation, Handover, Lead, Notification
from tests.support.postgres import ThrowawayPostgres
from tests.support.sinyal_command import SINYAL
from tests.support.system import OUTREACH_ENTRY as ENTRY
from tests.support.system import RunningSystem, say, system_running, tracker
from tests.support.telegram_api import TelegramApiStandIn
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

CONSULTANT_CHAT = 777_015
#: (what the prospect sends, a piece of the bot's next reply)
OPENING = [
    ("hello", "looking for a Senior Java Developer"),
    ("/affirm", "How many people do you need to hire as Senior Java Developer?"),
]
COUNT = ("2", "How urgent is it?")
URGENCY = ('/inform{"urgency":"asap"}', "Are you the person who decides")
CLOSING = [
    ("/affirm", "Do you agree that we store them"),
    ("/affirm", "What is your name, and a phone number or email"),
    ("Anna Schmidt", "And a phone number or email"),
]
EMAIL = "anna.schmidt@nordwind.de"
STORE_FAILED = "I could not save your details just now"


@pytest.fixture(scope="module")
def system(
    tmp_path_factory: pytest.TempPathFactory,
    trained_model: Path,
    telegram_api: TelegramApiStandIn,
    throwaway_postgres: ThrowawayPostgres,
    postgres_database: URL,
    redis_url: str,
) -> Iterator[RunningSystem]:
    extra = {
        "DATABASE_URL": throwaway_postgres.url,
        "SINYAL_TRACKER_DATABASE_URL": postgres_database.render_as_string(hide_password=False),
        "SINYAL_REDIS_URL": redis_url,
        "TELEGRAM_BOT_TOKEN": telegram_api.token,
        "SINYAL_TELEGRAM_API_URL": telegram_api.base_url,
        "SINYAL_SCRAPE_ON_START": "false",
        "SINYAL_DB_CONNECT_TIMEOUT": "2",
        "SINYAL_PENDING_SWEEP_SECONDS": "1",
        "SINYAL_PENDING_IDLE_SECONDS": "8",
    }
    with system_running(tmp_path_factory.mktemp("faults"), extra) as running:
        store = Store.from_url(throwaway_postgres.url)
        with store.transaction() as session:
            session.add(Consultant(name="Markus Brandt", telegram_chat_id=CONSULTANT_CHAT))
        store.close()
        yield running


@pytest.fixture
def store(throwaway_postgres: ThrowawayPostgres) -> Iterator[Store]:
    store = Store.from_url(throwaway_postgres.url)
    yield store
    store.close()


def turn(system: RunningSystem, sender: str, message: str, expected: str) -> list[str]:
    metadata = ENTRY if message == "hello" else {}
    replies = say(system, sender, message, **metadata)
    assert any(expected in reply for reply in replies), f"{message!r}: {replies}"
    return replies


def service_state(system: RunningSystem, name: str) -> dict[str, object]:
    services = json.loads(status_file(system.settings).read_text())["services"]
    return dict(services[name])


def kill(system: RunningSystem, name: str) -> None:
    """SIGKILL the service's whole process group, as the OOM killer or a crash would."""
    os.killpg(int(str(service_state(system, name)["pid"])), signal.SIGKILL)


def restarted(system: RunningSystem, name: str, times: int) -> bool:
    state = service_state(system, name)
    return state["state"] == "running" and int(str(state["restarts"])) >= times


def leads_of(store: Store, sender: str) -> tuple[list[Lead], list[str], int]:
    """The chat's leads, their handovers' reasons and their queued notifications."""
    with store.transaction() as session:
        leads = list(
            session.scalars(select(Lead).join(Conversation).where(Conversation.sender_id == sender))
        )
        ids = [lead.id for lead in leads]
        reasons = list(session.scalars(select(Handover.reason).where(Handover.lead_id.in_(ids))))
        queued = session.scalar(
            select(func.count()).select_from(Notification).where(Notification.lead_id.in_(ids))
        )
        session.expunge_all()
    return leads, reasons, int(queued or 0)


def cards_for(telegram_api: TelegramApiStandIn, lead_id: int) -> int:
    return sum(
        f"#{lead_id}:" in m.params["text"] for m in telegram_api.messages_to(CONSULTANT_CHAT)
    )


def test_lead_store_down_mid_chat_each_lead_is_saved_and_handed_over_once_when_it_is_back(
    system: RunningSystem,
    store: Store,
    throwaway_postgres: ThrowawayPostgres,
    telegram_api: TelegramApiStandIn,
) -> None:
    """Two prospects finish while the store is down: one leaves (the sweeper in `sinyal
    dispatch` saves the lead), one writes again at once (the chat's own retry saves it)."""
    leaving, returning = (f"fault-{uuid.uuid4().hex[:8]}" for _ in range(2))
    for sender in (leaving, returning):
        for message, expected in [*OPENING, COUNT]:
            turn(system, sender, message, expected)
    throwaway_postgres.stop()
    try:
        slowest = 0.0
        for sender in (leaving, returning):
            for message, expected in [URGENCY, *CLOSING, (EMAIL, STORE_FAILED)]:
                started = time.monotonic()
                turn(system, sender, message, expected)  # the chat goes on, store down
                slowest = max(slowest, time.monotonic() - started)
            assert tracker(system, sender)["slots"]["lead_pending"] is True
        print(f"slowest turn with the lead store down: {slowest:.2f}s")
        assert slowest < 15, f"a turn took {slowest:.1f}s with the store down"
        time.sleep(2)  # sweeps fail meanwhile; `sinyal dispatch` must live through them
    finally:
        throwaway_postgres.start()
    say(system, returning, "/greet")  # back before the sweeper would touch a quiet chat
    assert len(leads_of(store, returning)[0]) == 1, "the chat's own retry saved the lead"
    wait_until(lambda: leads_of(store, leaving)[0], 60, "the sweeper to save the pending lead")
    wait_until(
        lambda: tracker(system, leaving)["slots"]["lead_pending"] is False,
        30,
        "the sweeper to clear lead_pending",
    )
    before = {sender: leads_of(store, sender) for sender in (leaving, returning)}
    for leads, reasons, _ in before.values():
        (lead,) = leads
        assert (lead.status, lead.email, lead.contact_name) == ("qualified", EMAIL, "Anna Schmidt")
        assert reasons == ["qualified"]
        card_sent = partial(lambda lead_id: cards_for(telegram_api, lead_id) == 1, lead.id)
        wait_until(card_sent, 30, "the consultant's card")
    # Both write again: nothing doubles, whoever saved the lead.
    for sender in (leaving, returning):
        say(system, sender, "/greet")
    time.sleep(4)  # sweeps and dispatcher rounds
    for sender, (leads, reasons, queued) in before.items():
        after, reasons_after, queued_after = leads_of(store, sender)
        assert [x.id for x in after] == [leads[0].id]
        assert (reasons_after, queued_after) == (reasons, queued)
        assert cards_for(telegram_api, leads[0].id) == 1
    assert service_state(system, "dispatch")["restarts"] == 0, "the outage crashed dispatch"
    assert system.process.poll() is None, "`sinyal run` must outlive a database outage"


def test_the_action_server_killed_mid_form_is_restarted_and_the_chat_goes_on(
    system: RunningSystem,
) -> None:
    sender = f"fault-{uuid.uuid4().hex[:8]}"
    for message, expected in OPENING:
        turn(system, sender, message, expected)
    before = int(str(service_state(system, "actions")["restarts"]))
    kill(system, "actions")
    wait_until(lambda: restarted(system, "actions", before + 1), 90, "the action server restart")
    turn(system, sender, *COUNT)  # the answer to the question asked before the crash
    turn(system, sender, *URGENCY)
    doctor = subprocess.run(
        [str(SINYAL), "doctor"], env=system.env, capture_output=True, text=True, timeout=120
    )
    assert f"actions running, restarted {before + 1}x" in doctor.stdout, doctor.stdout


def test_rasa_killed_mid_form_resumes_from_the_tracker_store(system: RunningSystem) -> None:
    sender = f"fault-{uuid.uuid4().hex[:8]}"
    for message, expected in [*OPENING, COUNT]:
        turn(system, sender, message, expected)
    kill(system, "rasa")
    with pytest.raises(requests.RequestException):
        say(system, sender, URGENCY[0])  # nobody answers meanwhile (the gateways say so)
    wait_until(lambda: restarted(system, "rasa", 1), 300, "the Rasa server restart", every=2)
    turn(system, sender, *URGENCY)  # the same question, answered now
    turn(system, sender, *CLOSING[0])
    assert system.process.poll() is None
