"""The outbox and its dispatcher against real peers on loopback: the Telegram Bot API stand-in
(through python-telegram-bot's base URL), an SMTP server (aiosmtpd) and a webhook receiver, on
both databases."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterator
from itertools import count

import pytest
from sqlalchemy import select

from sinyal.notify import outbox
from sinyal.notify.dispatcher import Dispatcher
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Consultant, KpiEvent, Lead, Notification
from tests.factories import add_lead
from tests.peers import SmtpSink, WebhookReceiver
from tests.telegram_api import TelegramApiStandIn

CHAT_IDS = count(700_001)  # the stand-in is shared by the whole session: one chat per test
SECRET = "whsec-test"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def api(telegram_api: TelegramApiStandIn) -> Iterator[TelegramApiStandIn]:
    telegram_api.healthy()
    yield telegram_api
    telegram_api.healthy()


def settings_for(api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver) -> Settings:
    return Settings(
        telegram_bot_token=api.token,
        telegram_api_url=api.base_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_starttls=False,
        notify_webhook_url=webhook.url,
        notify_webhook_secret=SECRET,
        public_url="https://sinyal.example",
        dispatch_timeout_seconds=1.0,
        dispatch_lease_seconds=3.0,
    )


def hand_over_lead(store: Store, settings: Settings, chat_id: int, email: str) -> int:
    with store.transaction() as s:
        consultant = Consultant(name=f"Dewi {chat_id}", telegram_chat_id=chat_id, email=email)
        s.add(consultant)
        s.flush()
        lead = add_lead(s, consultant)
        outbox.enqueue(s, lead, consultant, settings)
        outbox.enqueue(s, lead, consultant, settings)  # a retried transaction adds nothing
        return lead.id


def deliver_until_idle(dispatcher: Dispatcher, rounds: int = 40) -> None:
    async def go() -> None:
        for _ in range(rounds):
            result = await dispatcher.run_once()
            if result.attempted == 0 and not pending(dispatcher.store):
                break
            if result.attempted == 0:
                await asyncio.sleep(0.2)
        await dispatcher.close()

    asyncio.run(go())


def pending(store: Store) -> int:
    with store.transaction() as s:
        return len(s.scalars(select(Notification.id).where(Notification.status == "pending")).all())


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after 0.1 s instead of 2 s, so fault tests take seconds (the schedule's shape,
    doubling per attempt, is unchanged)."""
    monkeypatch.setattr(outbox, "BACKOFF_FIRST", 0.1)


def test_a_lead_reaches_telegram_email_and_the_crm_once(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    settings = settings_for(api, smtp, webhook)
    chat = next(CHAT_IDS)
    lead_id = hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    deliver_until_idle(Dispatcher(store, settings))
    deliver_until_idle(Dispatcher(store, settings))  # a second dispatcher finds nothing to do

    (sent,) = api.messages_to(chat)
    assert f"New lead #{lead_id}: PT Kopi Nusantara" in sent.params["text"]
    assert "Ana Putri" in sent.params["text"] and "+6281234567890" in sent.params["text"]
    assert f"https://sinyal.example/leads/{lead_id}" in sent.params["text"]
    buttons = [b["callback_data"] for b in sent.params["reply_markup"]["inline_keyboard"][0]]
    assert buttons == [f"lead:{lead_id}:claimed", f"lead:{lead_id}:contacted",
                       f"lead:{lead_id}:unreachable"]  # fmt: skip

    (mail,) = smtp.to(f"dewi{chat}@agency.example")
    assert mail["Subject"].startswith(f"New lead #{lead_id}")
    kinds = sorted(part.get_content_type() for part in mail.iter_parts())
    assert kinds == ["text/html", "text/plain"]
    assert mail["Message-ID"].endswith("@sinyal>")

    (hook,) = webhook.received
    expected = hmac.new(SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Sinyal-Signature"] == f"sha256={expected}"
    assert hook.headers["Idempotency-Key"] == f"new_lead:{lead_id}:webhook:crm"
    assert hook.json()["lead"]["contact"]["email"] == "ana@kopi.example"

    with store.transaction() as s:
        statuses = s.scalars(select(Notification.status)).all()
        notified = s.scalars(select(KpiEvent.payload).where(KpiEvent.type == "notified")).all()
    assert sorted(statuses) == ["sent", "sent", "sent"]
    assert sorted(p["channel"] for p in notified) == ["email", "telegram", "webhook"]


def test_telegram_failing_then_recovering_delivers_exactly_once(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    settings = settings_for(api, smtp, webhook)
    chat = next(CHAT_IDS)
    api.fail_next(3)  # three 502s in a row
    hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    deliver_until_idle(Dispatcher(store, settings))
    assert len(api.messages_to(chat)) == 1
    with store.transaction() as s:
        telegram = s.scalars(select(Notification).where(Notification.channel == "telegram")).one()
    assert (telegram.status, telegram.attempts) == ("sent", 4)
    assert "Bad Gateway" in (telegram.last_error or "")


def test_a_hanging_peer_times_out_and_is_retried_once_it_answers(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    settings = settings_for(api, smtp, webhook)
    chat = next(CHAT_IDS)
    api.hang_for(2.5)  # longer than the 1 s delivery timeout
    hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    started = time.monotonic()
    deliver_until_idle(Dispatcher(store, settings))
    assert len(api.messages_to(chat)) == 1
    assert time.monotonic() - started < 20


def test_a_refused_address_is_given_up_at_once_the_others_still_go(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    settings = settings_for(api, smtp, webhook)
    webhook.status = 410  # the CRM removed the endpoint: retrying cannot help
    chat = next(CHAT_IDS)
    hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    deliver_until_idle(Dispatcher(store, settings))
    with store.transaction() as s:
        rows = {n.channel: n for n in s.scalars(select(Notification))}
    assert rows["webhook"].status == "failed" and rows["webhook"].attempts == 1
    assert rows["webhook"].last_error == "webhook: HTTP 410"
    assert rows["telegram"].status == rows["email"].status == "sent"


def test_an_erased_lead_is_never_sent(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    settings = settings_for(api, smtp, webhook)
    chat = next(CHAT_IDS)
    lead_id = hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    with store.transaction() as s:
        lead = s.get_one(Lead, lead_id)
        lead.contact_name = lead.email = lead.phone = None
        lead.erased_at = lead.created_at
    deliver_until_idle(Dispatcher(store, settings))
    assert api.messages_to(chat) == [] and smtp.to(f"dewi{chat}@agency.example") == []
    with store.transaction() as s:
        assert set(s.scalars(select(Notification.last_error))) == {"lead erased"}


def test_two_dispatchers_never_claim_the_same_notification(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    settings = settings_for(api, smtp, webhook)
    for _ in range(10):
        chat = next(CHAT_IDS)
        hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    first = outbox.claim(store, "a", 20, 60)[1]
    second = outbox.claim(store, "b", 50, 60)[1]
    assert len(first) == 20 and len(second) == 10
    assert not {n.id for n in first} & {n.id for n in second}
    assert outbox.claim(store, "c", 50, 60)[1] == []  # everything is leased
