"""Notification faults against the real `sinyal dispatch` process and real peers on loopback.

One dispatcher process runs for the module, against a SQLite store, the Telegram Bot API
stand-in, an SMTP server (aiosmtpd) and a webhook receiver; each test gives its leads their own
chats and addresses, and scripts the faults of those alone. What each test claims is measured
on the peers (every attempt is logged there, with when it came) and on the outbox rows.

The delivery policy under test (sinyal/handover/notify/channels.py): a refusal that retrying cannot
help is given up at once with the peer's reason; a transient one is retried with backoff (or
after Telegram's ``retry_after``) until the attempts run out; an attempt that may have been
delivered without an answer is retried where a copy carries an idempotency key (email,
webhook) and given up on Telegram, which has none (at most once: never a second card).
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from sinyal.handover.notify import outbox
from sinyal.runtime.services import DISPATCH_READY_LINE
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Consultant, Lead, Notification
from tests.support.factories import add_lead
from tests.support.sinyal_command import SINYAL, isolated_env
from tests.support.smtp import DATA, RCPT, SmtpFault, SmtpSink
from tests.support.telegram_api import (
    ANSWER_LOST,
    BLOCKED,
    CHAT_NOT_FOUND,
    HANG,
    TRICKLE,
    TelegramApiStandIn,
    flood,
)
from tests.support.webhook import WEBHOOK_HANG, WebhookReceiver

pytestmark = pytest.mark.slow

TIMEOUT = 1.0  # SINYAL_DISPATCH_TIMEOUT_SECONDS; an attempt's deadline is twice this
LEASE = 3.0  # SINYAL_DISPATCH_LEASE_SECONDS: past it, a claimed row could be claimed again
MAX_ATTEMPTS = 3
#: Long enough for a row given up by mistake to come back: past its lease and the first retry's
#: backoff (2 s, at most 2.4 s with jitter).
QUIET = LEASE + 0.5
CHAT_IDS = count(880_001)
ADDRESSES = count(1)


@dataclass
class Peers:
    api: TelegramApiStandIn
    smtp: SmtpSink
    webhook: WebhookReceiver


@dataclass
class RunningDispatcher:
    process: subprocess.Popen[str]
    store: Store
    output: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    started = Peers(TelegramApiStandIn().start(), SmtpSink().start(), WebhookReceiver())
    yield started
    started.api.stop()
    started.smtp.stop()
    started.webhook.stop()


def dispatcher_env(peers: Peers, database: Path) -> dict[str, str]:
    """Short timeouts, so that each fault costs seconds; three attempts at most."""
    return isolated_env(
        SINYAL_DATABASE_URL=f"sqlite:///{database}",
        SINYAL_CONSULTANTS_FILE="/nonexistent/consultants.yml",
        TELEGRAM_BOT_TOKEN=peers.api.token,
        SINYAL_TELEGRAM_API_URL=peers.api.base_url,
        SINYAL_SMTP_HOST="127.0.0.1",
        SINYAL_SMTP_PORT=str(peers.smtp.port),
        SINYAL_SMTP_SECURITY="none",
        SINYAL_NOTIFY_WEBHOOK_URL=peers.webhook.url,
        SINYAL_DISPATCH_TIMEOUT_SECONDS=str(TIMEOUT),
        SINYAL_DISPATCH_LEASE_SECONDS=str(LEASE),
        SINYAL_DISPATCH_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
        SINYAL_DISPATCH_POLL_SECONDS="0.2",
    )


@pytest.fixture(scope="module")
def dispatcher(
    peers: Peers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningDispatcher]:
    """`sinyal dispatch` as `sinyal run` starts it, until its ready line; stopped after."""
    database = tmp_path_factory.mktemp("notification-faults") / "sinyal.db"
    store = Store.from_url(make_url(f"sqlite:///{database}"))
    store.upgrade()
    process = subprocess.Popen(
        [str(SINYAL), "dispatch"], env=dispatcher_env(peers, database), cwd=database.parent,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    running = RunningDispatcher(process, store)
    try:
        wait_until_ready(running)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        store.close()


def wait_until_ready(running: RunningDispatcher, timeout: float = 90) -> None:
    """Reads the dispatcher's output for the whole module (a full pipe would stall it)."""
    ready = threading.Event()

    def read() -> None:
        assert running.process.stdout is not None
        for line in running.process.stdout:
            running.output.append(line)
            if DISPATCH_READY_LINE in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.2):
        log = "".join(running.output[-30:])
        assert running.process.poll() is None, f"sinyal dispatch exited:\n{log}"
        assert time.monotonic() < deadline, f"sinyal dispatch never got ready:\n{log}"


def lead_for(store: Store, telegram: int | None = None, email: str | None = None) -> int:
    """A lead handed to a new consultant with this chat and address; nothing enqueued yet."""
    with store.transaction() as s:
        consultant = Consultant(
            name=f"Dewi {next(ADDRESSES)}", telegram_chat_id=telegram, email=email
        )
        s.add(consultant)
        s.flush()
        return add_lead(s, consultant).id


def notify(running: RunningDispatcher, *lead_ids: int) -> None:
    """The leads' notifications (their consultant's chat and address, and the CRM webhook),
    in one transaction, as the handover writes them: the dispatcher takes them in one round."""
    settings = Settings(notify_webhook_url="http://crm.invalid/hook")
    with running.store.transaction() as s:
        for lead_id in lead_ids:
            lead = s.get_one(Lead, lead_id)
            consultant = s.get(Consultant, lead.consultant_id) if lead.consultant_id else None
            outbox.enqueue(s, lead, consultant, settings)


def row(store: Store, lead_id: int, channel: str) -> Notification:
    with store.transaction() as s:
        return s.scalars(
            select(Notification).where(
                Notification.lead_id == lead_id, Notification.channel == channel
            )
        ).one()


def settled(
    store: Store,
    lead_id: int,
    channel: str,
    timeout: float = 20,
    done: Callable[[Notification], bool] = lambda n: n.status != "pending",
) -> Notification:
    """The lead's row on ``channel`` once ``done`` (by default: sent or given up)."""
    deadline = time.monotonic() + timeout
    while not done(found := row(store, lead_id, channel)):
        assert time.monotonic() < deadline, (
            f"{channel} row of lead {lead_id} still {found.status} after {timeout}s, "
            f"{found.attempts} attempt(s), last error {found.last_error!r}"
        )
        time.sleep(0.1)
    return found


def key(lead_id: int) -> str:
    return f"new_lead:{lead_id}:webhook:crm"


# -- Telegram ---------------------------------------------------------------------------------

RETRY_AFTER = 3  # seconds; longer than the first backoff (at most 2.4 s), so the two differ


def test_telegram_429_is_retried_no_earlier_than_retry_after_and_delivered_once(
    dispatcher: RunningDispatcher, peers: Peers
) -> None:
    chat = next(CHAT_IDS)
    peers.api.script(chat, flood(RETRY_AFTER))
    lead = lead_for(dispatcher.store, telegram=chat)
    notify(dispatcher, lead)
    sent = settled(dispatcher.store, lead, "telegram")

    refused, accepted = peers.api.attempts_to(chat)
    assert (refused.outcome, accepted.outcome) == ("429", "delivered")
    assert refused.answered_at is not None
    waited = accepted.at - refused.answered_at
    print(f"retry_after {RETRY_AFTER}s: next attempt {waited:.3f}s after the 429 answer")
    assert waited >= RETRY_AFTER, f"retried {waited:.3f}s after the 429"
    assert waited < RETRY_AFTER + 4, f"retry_after {RETRY_AFTER}s, yet waited {waited:.3f}s"
    assert len(peers.api.messages_to(chat)) == 1
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert f"retry after {RETRY_AFTER}" in (sent.last_error or "")


def test_telegram_403_and_400_are_given_up_at_once_with_the_reason_and_never_claimed_again(
    dispatcher: RunningDispatcher, peers: Peers
) -> None:
    blocked, unknown, fine = (next(CHAT_IDS) for _ in range(3))
    peers.api.script(blocked, BLOCKED)
    peers.api.script(unknown, CHAT_NOT_FOUND)
    leads = [lead_for(dispatcher.store, telegram=chat) for chat in (blocked, unknown, fine)]
    notify(dispatcher, *leads)  # one round: the two refusals and a card that goes through
    rows = [settled(dispatcher.store, lead, "telegram") for lead in leads]
    time.sleep(QUIET)  # a retry, had there been one, would have come by now

    assert [len(peers.api.attempts_to(chat)) for chat in (blocked, unknown, fine)] == [1, 1, 1]
    assert [len(peers.api.messages_to(chat)) for chat in (blocked, unknown, fine)] == [0, 0, 1]
    rows = [row(dispatcher.store, lead, "telegram") for lead in leads]
    assert [(n.status, n.attempts) for n in rows] == [("failed", 1), ("failed", 1), ("sent", 1)]
    assert "bot was blocked by the user" in (rows[0].last_error or "")
    assert "chat not found" in (rows[1].last_error or "").lower()


def test_telegram_answer_lost_after_delivery_leaves_exactly_one_card(
    dispatcher: RunningDispatcher, peers: Peers
) -> None:
    """The Bot API delivers the card and the connection closes before its answer: the card is
    not sent again (at most once), and the row says why."""
    chat = next(CHAT_IDS)
    peers.api.script(chat, ANSWER_LOST)
    lead = lead_for(dispatcher.store, telegram=chat)
    notify(dispatcher, lead)
    settled(dispatcher.store, lead, "telegram")
    time.sleep(QUIET)

    assert len(peers.api.messages_to(chat)) == 1
    assert [a.outcome for a in peers.api.attempts_to(chat)] == ["answer lost"]
    given_up = row(dispatcher.store, lead, "telegram")
    assert (given_up.status, given_up.attempts) == ("failed", 1)
    assert "RemoteProtocolError" in (given_up.last_error or "")
    assert "not sent again: it may have been delivered" in (given_up.last_error or "")


def test_a_hang_that_never_ends_times_out_and_the_dispatcher_delivers_the_rest_and_the_next(
    dispatcher: RunningDispatcher, peers: Peers
) -> None:
    """The stand-in holds the request open, unanswered, for as long as the test runs: only the
    dispatcher's timeout can end the attempt. The Bot API may have taken the card, so it is
    given up (at most once); the card of the same round and a later one are delivered."""
    hung, same_round, later = (next(CHAT_IDS) for _ in range(3))
    peers.api.script(hung, HANG)
    leads = [lead_for(dispatcher.store, telegram=chat) for chat in (hung, same_round)]
    notify(dispatcher, *leads)
    peers.api.wait_for_messages(same_round, 1, timeout=10)
    given_up = settled(dispatcher.store, leads[0], "telegram", timeout=10)
    (held,) = peers.api.attempts_to(hung)
    assert held.outcome == "unanswered"  # the stand-in still holds it: the timeout was ours
    assert (given_up.status, given_up.attempts) == ("failed", 1)
    assert "TimedOut" in (given_up.last_error or "")
    assert "not sent again" in (given_up.last_error or "")

    next_lead = lead_for(dispatcher.store, telegram=later)
    notify(dispatcher, next_lead)
    peers.api.wait_for_messages(later, 1, timeout=10)
    assert dispatcher.process.poll() is None
    assert settled(dispatcher.store, next_lead, "telegram").status == "sent"
    assert peers.api.messages_to(hung) == []


def test_an_answer_that_trickles_forever_is_cut_by_the_attempt_deadline(
    dispatcher: RunningDispatcher, peers: Peers
) -> None:
    """A header line every 0.3 s: no read ever times out, yet the attempt ends at its deadline
    (twice the timeout) and the round is recorded, the healthy card with it."""
    trickled, healthy = (next(CHAT_IDS) for _ in range(2))
    peers.api.script(trickled, TRICKLE)
    leads = [lead_for(dispatcher.store, telegram=chat) for chat in (trickled, healthy)]
    notify(dispatcher, *leads)
    started = time.monotonic()
    given_up = settled(dispatcher.store, leads[0], "telegram", timeout=10)
    assert time.monotonic() - started < 2 * TIMEOUT + 3
    assert given_up.status == "failed"
    assert f"no answer within {2 * TIMEOUT:g}s" in (given_up.last_error or "")
    assert settled(dispatcher.store, leads[1], "telegram").status == "sent"
    assert len(peers.api.messages_to(healthy)) == 1 and peers.api.messages_to(trickled) == []


# -- SMTP -------------------------------------------------------------------------------------


def address(label: str) -> str:
    return f"{label}.{next(ADDRESSES)}@agency.example"


TRANSIENT = {
    "rcpt-421": SmtpFault(RCPT, "421 4.3.2 service shutting down, try again later"),
    "rcpt-451": SmtpFault(RCPT, "451 4.7.1 greylisted, try again later"),
    "data-451": SmtpFault(DATA, "451 4.3.0 local error in processing"),
    "drop-rcpt": SmtpFault(RCPT, None),  # mid-transaction: after MAIL, at RCPT
    "drop-data": SmtpFault(DATA, None),  # the message sent, dropped before it was taken
}
#: What each fault leaves on the row of the attempt it failed.
TRANSIENT_ERRORS = {
    "rcpt-421": "email: recipient refused: 421 4.3.2 service shutting down",
    "rcpt-451": "email: recipient refused: 451 4.7.1 greylisted",
    "data-451": "email: SMTP 451 4.3.0 local error",
    "drop-rcpt": "email: SMTPServerDisconnected",
    "drop-data": "email: SMTPServerDisconnected",
}


def test_smtp_421_451_and_a_dropped_connection_are_retried_and_each_email_delivered_once(
    dispatcher: RunningDispatcher, peers: Peers
) -> None:
    addresses = {label: address(label) for label in TRANSIENT}
    for label, fault in TRANSIENT.items():
        peers.smtp.script(addresses[label], fault)
    leads = {label: lead_for(dispatcher.store, email=to) for label, to in addresses.items()}
    notify(dispatcher, *leads.values())

    for label, lead in leads.items():
        sent = settled(dispatcher.store, lead, "email")
        assert (label, sent.status, sent.attempts) == (label, "sent", 2)
        assert (sent.last_error or "").startswith(TRANSIENT_ERRORS[label]), sent.last_error
        assert len(peers.smtp.to(addresses[label])) == 1, label


def test_smtp_5xx_is_given_up_at_once_with_the_servers_reason(
    dispatcher: RunningDispatcher, peers: Peers
) -> None:
    refused, rejected = address("unknown"), address("spam")
    peers.smtp.script(refused, SmtpFault(RCPT, "550 5.1.1 mailbox unavailable"))
    peers.smtp.script(rejected, SmtpFault(DATA, "554 5.7.1 message rejected as spam"))
    leads = [lead_for(dispatcher.store, email=to) for to in (refused, rejected)]
    notify(dispatcher, *leads)
    for lead in leads:
        settled(dispatcher.store, lead, "email")
    time.sleep(QUIET)

    rows = [row(dispatcher.store, lead, "email") for lead in leads]
    assert [(n.status, n.attempts) for n in rows] == [("failed", 1), ("failed", 1)]
    assert rows[0].last_error == "email: recipient refused: 550 5.1.1 mailbox unavailable"
    assert rows[1].last_error == "email: SMTP 554 5.7.1 message rejected as spam"
    assert [len(peers.smtp.attempts_to(to)) for to in (refused, rejected)] == [1, 2]  # RCPT+DATA
    assert peers.smtp.to(refused) == peers.smtp.to(rejected) == []


def test_smtp_attempt_limit_reached_fails_with_the_last_reason_and_is_never_claimed_again(
    dispatcher: RunningDispatcher, peers: Peers
) -> None:
    greylisted = address("greylisted")
    peers.smtp.script(greylisted, *[SmtpFault(RCPT, "451 4.7.1 try again later")] * 10)
    lead = lead_for(dispatcher.store, email=greylisted)
    notify(dispatcher, lead)
    settled(dispatcher.store, lead, "email", timeout=30)
    time.sleep(QUIET)

    given_up = row(dispatcher.store, lead, "email")
    assert (given_up.status, given_up.attempts) == ("failed", MAX_ATTEMPTS)
    assert given_up.last_error == "email: recipient refused: 451 4.7.1 try again later"
    assert len(peers.smtp.attempts_to(greylisted)) == MAX_ATTEMPTS
    assert peers.smtp.to(greylisted) == []


# -- webhook ----------------------------------------------------------------------------------


def test_webhook_5xx_and_a_hang_are_retried_and_delivered_once_under_one_key(
    dispatcher: RunningDispatcher, peers: Peers
) -> None:
    """A 503, then a request held past the timeout: both retried (a copy carries the same
    Idempotency-Key, so the CRM can drop it), the third attempt delivered."""
    lead = lead_for(dispatcher.store)
    peers.webhook.script(key(lead), 503, WEBHOOK_HANG)
    notify(dispatcher, lead)
    sent = settled(dispatcher.store, lead, "webhook", timeout=30)

    assert [status for _, status, _ in peers.webhook.attempts_for(key(lead))] == [503, None, 200]
    delivered = [r for r in peers.webhook.received if r.headers["Idempotency-Key"] == key(lead)]
    assert len(delivered) == 1
    assert (sent.status, sent.attempts) == ("sent", MAX_ATTEMPTS)
    assert sent.last_error == "webhook: ReadTimeout"
