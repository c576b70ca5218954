"""The outbox and its dispatcher against real peers on loopback: the Telegram Bot API stand-in
(through python-telegram-bot's base URL), an SMTP server (aiosmtpd) and a webhook receiver, on
both databases."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from sqlalchemy import select, update

from sinyal.handover.notify import outbox
from sinyal.handover.notify.card import LeadCard
from sinyal.handover.notify.channels import Channel, build_channels
from sinyal.handover.notify.dispatcher import Dispatcher
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Consultant, KpiEvent, Lead, Notification, utcnow
from tests.support.factories import add_lead
from tests.support.smtp import EnvelopeSink, SmtpSink
from tests.support.telegram_api import HANG, TelegramApiStandIn
from tests.support.webhook import WEBHOOK_HANG, WebhookReceiver

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


def hand_over_lead(
    store: Store, settings: Settings, chat_id: int, email: str, **lead_fields: Any
) -> int:
    with store.transaction() as s:
        consultant = Consultant(name=f"Dewi {chat_id}", telegram_chat_id=chat_id, email=email)
        s.add(consultant)
        s.flush()
        lead = add_lead(s, consultant, **lead_fields)
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


def test_a_hanging_webhook_times_out_and_is_retried_once_it_answers(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    """The receiver holds the first request open and never answers it; the 1 s timeout ends
    the attempt, and the retry (same Idempotency-Key) is delivered."""
    settings = settings_for(api, smtp, webhook)
    chat = next(CHAT_IDS)
    lead_id = hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    key = f"new_lead:{lead_id}:webhook:crm"
    webhook.script(key, WEBHOOK_HANG)
    started = time.monotonic()
    deliver_until_idle(Dispatcher(store, settings))
    assert [status for _, status, _ in webhook.attempts_for(key)] == [None, 200]
    assert len(webhook.received) == 1
    assert time.monotonic() - started < 20
    with store.transaction() as s:
        row = s.scalars(select(Notification).where(Notification.channel == "webhook")).one()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "webhook: ReadTimeout")


def test_a_hanging_bot_api_times_out_and_the_card_is_not_sent_again(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    """The request went out and no answer came: it may have been delivered, and a second
    card cannot be told apart, so it is given up (at most once) and the rest is delivered."""
    settings = settings_for(api, smtp, webhook)
    chat = next(CHAT_IDS)
    api.script(chat, HANG)
    hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    deliver_until_idle(Dispatcher(store, settings))
    assert [a.outcome for a in api.attempts_to(chat)] == ["unanswered"]  # still held
    with store.transaction() as s:
        rows = {n.channel: n for n in s.scalars(select(Notification))}
    assert (rows["telegram"].status, rows["telegram"].attempts) == ("failed", 1)
    assert "TimedOut" in (rows["telegram"].last_error or "")
    assert "not sent again" in (rows["telegram"].last_error or "")
    assert rows["email"].status == rows["webhook"].status == "sent"


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
    first = outbox.claim(store, "a", 20, 60, 12)[1]
    second = outbox.claim(store, "b", 50, 60, 12)[1]
    assert len(first) == 20 and len(second) == 10
    assert not {n.id for n in first} & {n.id for n in second}
    assert outbox.claim(store, "c", 50, 60, 12)[1] == []  # everything is leased


# -- one bad notification never costs the others ---------------------------------------------


@pytest.fixture
def envelopes() -> Iterator[EnvelopeSink]:
    sink = EnvelopeSink()
    sink.start()
    yield sink
    sink.stop()


def deliver_past_the_lease(dispatcher: Dispatcher, settings: Settings) -> None:
    """Deliver until idle, wait until every lease of the rounds has run out, deliver again:
    anything sent but not recorded would now go out a second time."""
    deliver_until_idle(dispatcher)
    time.sleep(settings.dispatch_lease_seconds + 0.5)
    deliver_until_idle(Dispatcher(dispatcher.store, settings))


INJECTED = "Evil GmbH\r\nBcc: x@evil.example"


def test_a_header_injection_in_a_company_name_is_sent_as_one_line_and_the_rest_once(
    store: Store, api: TelegramApiStandIn, envelopes: EnvelopeSink, webhook: WebhookReceiver
) -> None:
    settings = settings_for(api, envelopes, webhook)
    chats = [next(CHAT_IDS) for _ in range(3)]
    leads = [
        hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example", **fields)
        for chat, fields in zip(chats, [{}, {"company_name": INJECTED}, {}], strict=True)
    ]
    deliver_past_the_lease(Dispatcher(store, settings), settings)

    assert [len(api.messages_to(chat)) for chat in chats] == [1, 1, 1]
    assert [len(envelopes.to(f"dewi{chat}@agency.example")) for chat in chats] == [1, 1, 1]
    assert sorted(hook.json()["lead"]["id"] for hook in webhook.received) == sorted(leads)
    (mail,) = envelopes.to(f"dewi{chats[1]}@agency.example")
    assert (
        mail["Subject"]
        == f"New lead #{leads[1]}: Evil GmbH Bcc: x@evil.example (qualified, score 75)"
    )
    assert mail["Bcc"] is None
    assert sorted(envelopes.recipients) == sorted([f"dewi{chat}@agency.example"] for chat in chats)
    (card,) = api.messages_to(chats[1])
    assert not any(line.startswith("Bcc") for line in card.params["text"].splitlines())
    bad_hook = next(h for h in webhook.received if h.json()["lead"]["id"] == leads[1])
    assert bad_hook.json()["lead"]["company"] == INJECTED  # the CRM gets the data as stored
    with store.transaction() as s:
        assert set(s.scalars(select(Notification.status))) == {"sent"}


class BrokenFor:
    """A real channel that hits an unforeseen bug (not a DeliveryError) for one recipient."""

    def __init__(self, channel: Channel, recipient: str) -> None:
        self.channel, self.recipient = channel, recipient
        self.resend_unconfirmed = channel.resend_unconfirmed

    async def send(self, recipient: str, card: LeadCard, key: str) -> str | None:
        if recipient == self.recipient:
            raise RuntimeError("a bug in the channel")
        return await self.channel.send(recipient, card, key)

    async def close(self) -> None:
        await self.channel.close()


def test_an_unexpected_error_is_recorded_on_its_row_and_the_others_go_once(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    settings = settings_for(api, smtp, webhook).model_copy(update={"dispatch_max_attempts": 2})
    chats = [next(CHAT_IDS) for _ in range(3)]
    for chat in chats:
        hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    broken = f"dewi{chats[0]}@agency.example"
    channels = build_channels(settings)
    channels["email"] = BrokenFor(channels["email"], broken)
    deliver_past_the_lease(Dispatcher(store, settings, channels), settings)

    assert [len(api.messages_to(chat)) for chat in chats] == [1, 1, 1]
    assert [len(smtp.to(f"dewi{chat}@agency.example")) for chat in chats] == [0, 1, 1]
    assert len(webhook.received) == 3
    with store.transaction() as s:
        rows = s.scalars(select(Notification).where(Notification.recipient == broken)).all()
        statuses = sorted(s.scalars(select(Notification.status)))
    (row,) = rows
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.last_error == "unexpected RuntimeError (see the dispatcher's log)"
    assert statuses == ["failed"] + ["sent"] * 8


def test_a_row_whose_attempts_are_used_up_is_failed_and_never_claimed_again(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    """Its last attempt was never recorded (the dispatcher died, perhaps because of it)."""
    settings = settings_for(api, smtp, webhook).model_copy(update={"dispatch_max_attempts": 3})
    chat = next(CHAT_IDS)
    hand_over_lead(store, settings, chat, f"dewi{chat}@agency.example")
    with store.transaction() as s:
        for channel, lease in [("telegram", -1), ("email", 60)]:  # run out; still running
            s.execute(
                update(Notification)
                .where(Notification.channel == channel)
                .values(
                    attempts=3, locked_by="dead:1", locked_until=utcnow() + timedelta(seconds=lease)
                )
            )
    dispatcher = Dispatcher(store, settings)
    assert asyncio.run(dispatcher.run_once()).attempted == 1  # the webhook alone
    assert outbox.claim(store, "next", 20, 60, 3)[1] == []  # nor later, by anyone

    with store.transaction() as s:
        rows = {n.channel: n for n in s.scalars(select(Notification))}
    assert rows["telegram"].status == "failed" and rows["telegram"].attempts == 3
    assert (rows["telegram"].last_error or "").startswith("gave up: attempts used up (3)")
    assert rows["email"].status == "pending"  # its last attempt may still succeed
    assert rows["webhook"].status == "sent"
    assert api.messages_to(chat) == [] and smtp.to(f"dewi{chat}@agency.example") == []


def test_the_global_budget_queues_what_exceeds_it(
    store: Store, api: TelegramApiStandIn, smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    """A flood of handovers waits for the next minute instead of being sent or dropped."""
    settings = settings_for(api, smtp, webhook)
    for _ in range(4):
        chat = next(CHAT_IDS)
        hand_over_lead(store, settings, chat, f"budget{chat}@agency.example")  # 3 rows each
    first = outbox.claim(store, "a", 20, 60, 12, per_minute=5)[1]
    assert len(first) == 5  # the rest is over this minute's budget
    assert outbox.claim(store, "b", 20, 60, 12, per_minute=5)[1] == []  # in flight counts
    with store.transaction() as s:  # those five were sent a minute ago: budget free again
        s.execute(
            update(Notification)
            .where(Notification.id.in_([n.id for n in first]))
            .values(status="sent", sent_at=utcnow() - timedelta(minutes=2), locked_until=None)
        )
    later = outbox.claim(store, "c", 20, 60, 12, per_minute=5)[1]
    assert len(later) == 5 and pending(store) == 12 - 5  # nothing was dropped
