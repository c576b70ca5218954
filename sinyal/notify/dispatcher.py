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
        """One round: claim what is due and try to deliver all of it."""
        s = self.settings
        token, batch = await asyncio.to_thread(
            outbox.claim, self.store, self.worker, s.dispatch_batch, s.dispatch_lease_seconds
        )
        result = RoundResult()
        outcomes = await asyncio.gather(*(self._deliver(token, n) for n in batch))
        for outcome in outcomes:
            setattr(result, outcome, getattr(result, outcome) + 1)
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

    async def _deliver(self, token: str, notification: Notification) -> str:
        channel = self.channels.get(notification.channel)
        max_attempts = self.settings.dispatch_max_attempts
        if channel is None:
            return await self._failed(
                token, notification, f"no {notification.channel} settings", permanent=True
            )
        card = await asyncio.to_thread(self._card, notification)
        if card is None:
            return await self._failed(token, notification, "lead erased", permanent=True)
        try:
            ref = await channel.send(notification.recipient, card, notification.idempotency_key)
        except DeliveryError as exc:
            logger.warning(
                "notification %s (%s, attempt %s of %s): %s",
                notification.id, notification.channel, notification.attempts, max_attempts, exc,
            )  # fmt: skip
            return await self._failed(
                token, notification, str(exc), permanent=exc.permanent, retry_after=exc.retry_after
            )
        await asyncio.to_thread(outbox.mark_sent, self.store, notification, token, ref)
        return "sent"

    async def _failed(
        self,
        token: str,
        notification: Notification,
        error: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
    ) -> str:
        status = await asyncio.to_thread(
            outbox.mark_failed,
            self.store,
            notification,
            token,
            error,
            max_attempts=self.settings.dispatch_max_attempts,
            permanent=permanent,
            retry_after=retry_after,
        )
        if status == outbox.FAILED:
            logger.error("notification %s given up: %s", notification.id, error)
            return "failed"
        return "retrying"

    def _card(self, notification: Notification) -> LeadCard | None:
        with self.store.transaction() as session:
            lead = session.get(Lead, notification.lead_id)
            if lead is None or lead.erased_at is not None:
                return None
            consultant = (
                session.get(Consultant, notification.consultant_id)
                if notification.consultant_id
                else None
            )
            return render(lead, consultant, self.settings.public_url, kind=notification.kind)
