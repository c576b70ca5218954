"""The consultants' side of the Telegram bot, run as `sinyal telegram` against the Bot API
stand-in: lead-card buttons and /leads, /mine, /status, refused for anyone not a consultant."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from sinyal.handover.telegram_desk import REFUSED
from sinyal.store import Store
from sinyal.store.models import Consultant, KpiEvent, Lead
from tests.support.factories import add_lead
from tests.support.ports import free_port
from tests.support.sinyal_command import SINYAL, isolated_env
from tests.support.telegram_api import TelegramApiStandIn

CHAT_IDS = count(810_001)  # the stand-in is shared by the session: fresh chats per test


@pytest.fixture
def desk(
    store: Store, database_url: URL, telegram_api: TelegramApiStandIn
) -> Iterator[tuple[int, int, int]]:
    """`sinyal telegram` running; yields (consultant chat, stranger chat, lead id)."""
    consultant_chat, stranger = next(CHAT_IDS), next(CHAT_IDS)
    with store.transaction() as s:
        consultant = Consultant(name=f"Markus {consultant_chat}", telegram_chat_id=consultant_chat)
        s.add(consultant)
        s.flush()
        lead_id = add_lead(s, consultant).id
    env = isolated_env(
        SINYAL_DATABASE_URL=database_url.render_as_string(hide_password=False),
        TELEGRAM_BOT_TOKEN=telegram_api.token,
        SINYAL_TELEGRAM_API_URL=telegram_api.base_url,
        SINYAL_RASA_PORT=str(free_port()),  # no Rasa: consultants' commands never need it
        SINYAL_RASA_TOKEN="consultant-desk-test-token",  # the bridge refuses to start without
        SINYAL_SECRET_KEY="consultant-desk-test-secret",
    )
    process = subprocess.Popen(
        [str(SINYAL), "telegram"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if "telegram bridge ready" in line:
            break
    else:
        raise AssertionError(f"sinyal telegram exited with {process.wait()}")
    try:
        yield consultant_chat, stranger, lead_id
    finally:
        process.terminate()
        process.wait(15)


def stage_of(store: Store, lead_id: int) -> str:
    with store.transaction() as s:
        return s.get_one(Lead, lead_id).stage


def test_buttons_act_for_consultants_and_refuse_anyone_else(
    desk: tuple[int, int, int], store: Store, telegram_api: TelegramApiStandIn
) -> None:
    consultant_chat, stranger, lead_id = desk
    query = telegram_api.press_button(stranger, 5001, f"lead:{lead_id}:claimed")
    refused = telegram_api.wait_for_call("answerCallbackQuery", callback_query_id=query)
    assert refused.params["text"] == REFUSED and str(refused.params["show_alert"]).lower() == "true"
    assert stage_of(store, lead_id) == "new"

    query = telegram_api.press_button(consultant_chat, 5002, f"lead:{lead_id}:claimed")
    answer = telegram_api.wait_for_call("answerCallbackQuery", callback_query_id=query)
    assert answer.params["text"] == f"Lead #{lead_id}: claimed"
    edited = telegram_api.wait_for_call("editMessageReplyMarkup", message_id=5002)
    remaining = [b["callback_data"] for b in edited.params["reply_markup"]["inline_keyboard"][0]]
    assert remaining == [f"lead:{lead_id}:contacted", f"lead:{lead_id}:unreachable"]
    assert stage_of(store, lead_id) == "claimed"

    query = telegram_api.press_button(consultant_chat, 5002, f"lead:{lead_id}:unreachable")
    telegram_api.wait_for_call("answerCallbackQuery", callback_query_id=query)
    with store.transaction() as s:
        actors = s.execute(select(KpiEvent.type, KpiEvent.actor)).all()
    assert ("contact_attempted", f"telegram:Markus {consultant_chat}") in actors
    assert stage_of(store, lead_id) == "claimed"


def test_commands_list_and_change_leads_for_consultants_only(
    desk: tuple[int, int, int], store: Store, telegram_api: TelegramApiStandIn
) -> None:
    consultant_chat, stranger, lead_id = desk
    telegram_api.push_text(stranger, "/leads")
    (refusal,) = telegram_api.wait_for_messages(stranger, 1)
    assert refusal.params["text"] == REFUSED

    telegram_api.push_text(consultant_chat, "/mine")
    (mine,) = telegram_api.wait_for_messages(consultant_chat, 1)
    assert f"#{lead_id} PT Kopi Nusantara: new (qualified, score 75)" in mine.params["text"]

    telegram_api.push_text(consultant_chat, f"/status {lead_id} lost")
    reply = telegram_api.wait_for_messages(consultant_chat, 2)[-1]
    assert "Not changed: a lost lead needs a reason" in reply.params["text"]
    telegram_api.push_text(consultant_chat, f"/status {lead_id} contacted")
    reply = telegram_api.wait_for_messages(consultant_chat, 3)[-1]
    assert reply.params["text"] == f"Lead #{lead_id}: new -> contacted"
    telegram_api.push_text(consultant_chat, "/status soon")
    reply = telegram_api.wait_for_messages(consultant_chat, 4)[-1]
    assert reply.params["text"].startswith("Usage: /status LEAD_ID STATUS")
    assert stage_of(store, lead_id) == "contacted"
