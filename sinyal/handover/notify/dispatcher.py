"""The dispatcher: delivers the outbox, with retries, from as many processes as you like.

Each round claims a batch of due notifications (a lease in the database, see ``outbox``),
renders each lead's card from the store, and sends them concurrently. It sleeps
``dispatch_poll_seconds`` when there is nothing to do, so a new lead waits at most about that
long before its first attempt. Killed at any point, it loses nothing: a claimed notification
whose lease runs out is claimed again by whichever dispatcher runs next.

Whatever goes wrong with one notification (a peer's refusal, a card that cannot be rendered,
a bug in a channel) is that notification's outcome, recorded on its row with the others of
the round: an exception escaping the round would leave the messages already sent unrecorded,
to be sent again once their lease ran out.

The round waits for all of its sends, so each attempt has a deadline of its own (twice
``dispatch_timeout_seconds``, ``attempt_deadline``): the clients' timeouts are per read or
write, and a peer that trickles a byte now and then would otherwise hold the whole round past
its lease, to be claimed and sent again by the next dispatcher. An attempt cut by the deadline,
or one that ended without an answer after the request went out, may have been delivered: it is
sent again only where the channel allows (``Channel.resend_unconfirmed``), else given up with
that reason, never doubled. An email or webhook send cut by the deadline runs on in its thread
until its socket times out; a copy it delivers late carries the same idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sinyal.handover.escalation import escalate_unclaimed
from sinyal.handover.notify import outbox
from sinyal.handover.notify.card import LeadCard, erasure_card, render
from sinyal.handover.notify.channels import Channel, DeliveryError, build_channels
from sinyal.handover.notify.outbox import ERASED_KIND, Outcome
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Consultant, Lead, Notification

logger = logging.getLogger("sinyal.dispatch")
ESCALATION_EVERY = 10.0  # seconds; claim windows are minutes


@dataclass
class RoundResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


class Dispatcher:
    def __init__(
        self, store: Store, settings: Settings, channels: dict[str, Channel] | None = None
    ) -> None:
        self.store = store
        self.settings = settings
        self.channels = channels if channels is not None else build_channels(settings)
        # The claim token adds 13 characters and must fit notifications.locked_by (64).
        self.worker = f"{socket.gethostname()[:40]}:{os.getpid()}"
        # A connect and an answer, each up to the timeout; the settings keep the lease longer.
        self.attempt_deadline = 2 * settings.dispatch_timeout_seconds

    async def run_once(self) -> RoundResult:
        """One round: claim what is due, render the cards, send them all at once, record how
        each went."""
        s = self.settings
        token, batch = await asyncio.to_thread(
            outbox.claim,
            self.store,
            self.worker,
            s.dispatch_batch,
            s.dispatch_lease_seconds,
            s.dispatch_max_attempts,
            s.dispatch_per_minute,
        )
        if not batch:
            return RoundResult()
        cards = await asyncio.to_thread(self._cards, batch)
        outcomes = await asyncio.gather(*(self._deliver(n, cards[n.id]) for n in batch))
        statuses = await asyncio.to_thread(
            outbox.settle, self.store, token, list(outcomes), s.dispatch_max_attempts
        )
        result = RoundResult()
        for outcome, status in zip(outcomes, statuses, strict=True):
            if status == outbox.SENT:
                result.sent += 1
            elif status == outbox.FAILED:
                result.failed += 1
                logger.error("notification %s given up: %s", outcome.notification.id, outcome.error)
            else:
                result.retrying += 1
        return result

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set; a full batch is followed at once by the next round. Every
        ``ESCALATION_EVERY`` seconds it also escalates leads nobody claimed in time."""
        logger.info("dispatcher %s: channels %s", self.worker, ", ".join(self.channels) or "none")
        next_escalation = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_escalation:
                    next_escalation = time.monotonic() + ESCALATION_EVERY
                    await asyncio.to_thread(escalate_unclaimed, self.store, self.settings)
                result = await self.run_once()
            except Exception:  # the database may be restarting: wait and go on
                logger.exception("dispatch round failed")
                result = RoundResult()
            if result.attempted < self.settings.dispatch_batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.dispatch_poll_seconds)

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()

    async def _deliver(self, notification: Notification, card: LeadCard | DeliveryError) -> Outcome:
        """One attempt's outcome; never raises (see the module's docstring)."""
        try:
            ref = await self._send(notification, card)
        except DeliveryError as exc:
            failure = self._judge(notification, exc)
            logger.warning(
                "notification %s (%s, attempt %s of %s): %s",
                notification.id, notification.channel, notification.attempts,
                self.settings.dispatch_max_attempts, failure,
            )  # fmt: skip
            return Outcome(
                notification, False, error=str(failure), permanent=failure.permanent,
                retry_after=failure.retry_after,
            )  # fmt: skip
        except Exception as exc:
            logger.exception("notification %s: unexpected error", notification.id)
            error = f"unexpected {type(exc).__name__} (see the dispatcher's log)"
            return Outcome(notification, False, error=error)
        return Outcome(notification, True, ref=ref)

    async def _send(self, notification: Notification, card: LeadCard | DeliveryError) -> str | None:
        channel = self.channels.get(notification.channel)
        if channel is None:
            raise DeliveryError(f"no {notification.channel} settings", permanent=True)
        if isinstance(card, DeliveryError):
            raise card
        deadline = asyncio.timeout(self.attempt_deadline)
        try:
            async with deadline:
                return await channel.send(
                    notification.recipient, card, notification.idempotency_key
                )
        except TimeoutError:
            if not deadline.expired():
                raise  # not ours: a bug in the channel, recorded as unexpected
            raise DeliveryError(
                f"{notification.channel}: no answer within {self.attempt_deadline:g}s",
                unconfirmed=True,
            ) from None

    def _judge(self, notification: Notification, exc: DeliveryError) -> DeliveryError:
        """``exc``, given up at once when it may have been delivered and its channel must not
        send it again (Telegram: at most once, see sinyal.handover.notify.channels)."""
        channel = self.channels.get(notification.channel)
        if not exc.unconfirmed or exc.permanent or channel is None or channel.resend_unconfirmed:
            return exc
        return DeliveryError(
            f"{exc}; not sent again: it may have been delivered, and a copy cannot be told "
            "apart (at most once)",
            permanent=True,
        )

    def _cards(self, batch: list[Notification]) -> dict[int, LeadCard | DeliveryError]:
        """Each notification's card, from the store as it is now, or why it has none."""
        with self.store.transaction() as session:
            return {n.id: self._card(session, n) for n in batch}

    def _card(self, session: Session, notification: Notification) -> LeadCard | DeliveryError:
        lead = session.get(Lead, notification.lead_id)
        if lead is not None and notification.kind == ERASED_KIND:
            return erasure_card(lead)
        if lead is None or lead.erased_at is not None:
            return DeliveryError("lead erased", permanent=True)
        consultant = (
            session.get(Consultant, notification.consultant_id)
            if notification.consultant_id
            else None
        )
        try:
            return render(lead, consultant, self.settings.public_url, kind=notification.kind)
        except Exception as exc:  # one odd lead must not hold up the others' cards
            logger.exception("notification %s: the card cannot be rendered", notification.id)
            return DeliveryError(f"card: unexpected {type(exc).__name__} (see the log)")
