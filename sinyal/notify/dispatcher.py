"""The dispatcher: delivers the outbox, with retries, from as many processes as you like.

Each round claims a batch of due notifications (a lease in the database, see ``outbox``),
renders each lead's card from the store, and sends them concurrently. It sleeps
``dispatch_poll_seconds`` when there is nothing to do, so a new lead waits at most about that
long before its first attempt. Killed at any point, it loses nothing: a claimed notification
whose lease runs out is claimed again by whichever dispatcher runs next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass

from sinyal.escalation import escalate_unclaimed
from sinyal.notify import outbox
from sinyal.notify.card import LeadCard, render
from sinyal.notify.channels import Channel, DeliveryError, build_channels
from sinyal.notify.outbox import Outcome
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
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    async def run_once(self) -> RoundResult:
        """One round: claim what is due, render the cards, send them all at once, record how
        each went."""
        s = self.settings
        token, batch = await asyncio.to_thread(
            outbox.claim, self.store, self.worker, s.dispatch_batch, s.dispatch_lease_seconds
        )
        if not batch:
            return RoundResult()
        cards = await asyncio.to_thread(self._cards, batch)
        outcomes = await asyncio.gather(*(self._deliver(n, cards.get(n.id)) for n in batch))
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

    async def _deliver(self, notification: Notification, card: LeadCard | None) -> Outcome:
        channel = self.channels.get(notification.channel)
        if channel is None:
            return Outcome(
                notification, False, error=f"no {notification.channel} settings", permanent=True
            )
        if card is None:
            return Outcome(notification, False, error="lead erased", permanent=True)
        try:
            ref = await channel.send(notification.recipient, card, notification.idempotency_key)
        except DeliveryError as exc:
            logger.warning(
                "notification %s (%s, attempt %s of %s): %s",
                notification.id, notification.channel, notification.attempts,
                self.settings.dispatch_max_attempts, exc,
            )  # fmt: skip
            return Outcome(
                notification, False, error=str(exc), permanent=exc.permanent,
                retry_after=exc.retry_after,
            )  # fmt: skip
        return Outcome(notification, True, ref=ref)

    def _cards(self, batch: list[Notification]) -> dict[int, LeadCard]:
        """Each notification's card, from the store as it is now; none for an erased lead."""
        cards = {}
        with self.store.transaction() as session:
            for notification in batch:
                lead = session.get(Lead, notification.lead_id)
                if lead is None or lead.erased_at is not None:
                    continue
                consultant = (
                    session.get(Consultant, notification.consultant_id)
                    if notification.consultant_id
                    else None
                )
                cards[notification.id] = render(
                    lead, consultant, self.settings.public_url, kind=notification.kind
                )
        return cards
