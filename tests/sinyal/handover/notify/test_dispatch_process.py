"""`sinyal dispatch` as a process: killed while a delivery hangs, then restarted."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from sinyal.handover.notify import outbox
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Consultant, Notification
from tests.support.factories import add_lead
from tests.support.sinyal_command import SINYAL, isolated_env
from tests.support.telegram_api import TelegramApiStandIn

CHAT_IDS = count(790_001)  # one chat per run: the stand-in is shared by the session


@pytest.fixture
def api(telegram_api: TelegramApiStandIn) -> Iterator[TelegramApiStandIn]:
    telegram_api.healthy()
    yield telegram_api
    telegram_api.healthy()


def start_dispatcher(env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [str(SINYAL), "dispatch"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:  # migrations log first; then the ready line
        if "dispatcher ready" in line:
            return process
    raise AssertionError(f"dispatcher exited with {process.wait()}")


def notification(store: Store) -> Notification:
    with store.transaction() as s:
        return s.scalars(select(Notification)).one()


def test_killed_mid_delivery_and_restarted_nothing_lost_nothing_doubled(
    store: Store, database_url: URL, api: TelegramApiStandIn
) -> None:
    chat = next(CHAT_IDS)
    env = isolated_env(
        SINYAL_DATABASE_URL=database_url.render_as_string(hide_password=False),
        TELEGRAM_BOT_TOKEN=api.token,
        SINYAL_TELEGRAM_API_URL=api.base_url,
        SINYAL_DISPATCH_TIMEOUT_SECONDS="2",
        SINYAL_DISPATCH_LEASE_SECONDS="6",
        SINYAL_CONSULTANTS_FILE="/nonexistent/consultants.yml",
    )
    with store.transaction() as s:
        consultant = Consultant(name="Markus", telegram_chat_id=chat)
        s.add(consultant)
        s.flush()
        outbox.enqueue(s, add_lead(s, consultant), consultant, Settings())
    api.hang()  # the Bot API stops answering, until healthy() below
    first = start_dispatcher(env)
    deadline = time.monotonic() + 20
    while notification(store).attempts == 0:  # claimed, and its request is in flight
        assert time.monotonic() < deadline, "the dispatcher never claimed the notification"
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    api.healthy()  # the Bot API is back; the killed dispatcher's lease is still running

    second = start_dispatcher(env)
    try:
        api.wait_for_messages(chat, 1, timeout=30)  # once the lease has run out
        time.sleep(2)  # room for a second copy, had there been one
        assert len(api.messages_to(chat)) == 1
        row = notification(store)
        assert row.status == "sent" and row.sent_at is not None
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(15) == 0
