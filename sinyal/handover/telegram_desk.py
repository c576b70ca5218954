"""The consultants' side of the Telegram bot: lead-card buttons and commands.

The bot that chats with prospects also serves consultants (one token, one long poll). Only a
configured consultant may act: their private chat, or their own account pressing a button in
the team chat. Anyone else is refused and nothing changes. Every change goes through
``sinyal.leads.lifecycle``, like the CLI's.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from sinyal.handover.notify.channels import lead_buttons
from sinyal.leads.lifecycle import LifecycleError, change_stage, open_leads, record_contact_attempt
from sinyal.store import Store
from sinyal.store.models import Consultant, Lead, LeadStage

logger = logging.getLogger("sinyal.desk")
T = TypeVar("T")

BUTTON = re.compile(r"^lead:(\d+):(claimed|contacted|unreachable)$")
BUTTON_PATTERN = BUTTON.pattern
REFUSED = "Only Sinyal consultants can act on leads."
STATUS_USAGE = (
    "Usage: /status LEAD_ID STATUS [reason]  (claimed, contacted, meeting, proposal, won, lost)"
)
NEXT_BUTTONS: dict[LeadStage, tuple[str, ...]] = {LeadStage.CLAIMED: ("contacted", "unreachable")}


def next_buttons(lead_id: int, stage: LeadStage) -> InlineKeyboardMarkup | None:
    """What is left to press on a card once the lead is at ``stage``."""
    actions = NEXT_BUTTONS.get(stage)
    return lead_buttons(lead_id, actions) if actions else None


def lead_line(lead: Lead) -> str:
    company = lead.company_name or "unknown company"
    return f"#{lead.id} {company}: {lead.stage} ({lead.status}, score {lead.score:.0f})"


class ConsultantDesk:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        match = BUTTON.match(query.data)
        if match is None:
            return
        lead_id, action = int(match.group(1)), match.group(2)
        consultant = await self._consultant(update)
        if consultant is None:
            logger.warning("lead button from unknown chat %s refused", update.effective_chat)
            await query.answer(REFUSED, show_alert=True)
            return
        actor = f"telegram:{consultant.name}"
        try:
            stage = await self._in_store(
                lambda s: self._press(s, lead_id, action, consultant, actor)
            )
        except LifecycleError as exc:
            await query.answer(str(exc), show_alert=True)
            return
        done = "not reachable (noted)" if action == "unreachable" else stage.value
        await query.answer(f"Lead #{lead_id}: {done}")
        if query.message is not None and action != "unreachable":
            try:
                await query.edit_message_reply_markup(reply_markup=next_buttons(lead_id, stage))
            except Exception:  # an old card may no longer be editable; the change is made
                logger.warning("could not update the buttons of lead card #%s", lead_id)

    async def on_leads(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/leads``: every open lead."""
        await self._list(update, mine=False)

    async def on_mine(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/mine``: the open leads assigned to me."""
        await self._list(update, mine=True)

    async def on_status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/status ID STATUS [reason]``."""
        asker = await self._asker(update)
        if asker is None:
            return
        message, consultant = asker
        args = context.args or []
        if len(args) < 2 or not args[0].lstrip("#").isdigit():
            await message.reply_text(STATUS_USAGE)
            return
        lead_id, status, reason = int(args[0].lstrip("#")), args[1], " ".join(args[2:]) or None
        actor = f"telegram:{consultant.name}"
        try:
            change = await self._in_store(
                lambda s: change_stage(
                    s, lead_id, status, actor=actor, consultant_id=consultant.id, reason=reason
                )
            )
        except LifecycleError as exc:
            await message.reply_text(f"Not changed: {exc}")
            return
        await message.reply_text(
            f"Lead #{lead_id}: {change.previous.value} -> {change.stage.value}"
            if change.changed
            else f"Lead #{lead_id} is already {change.stage.value}"
        )

    async def _list(self, update: Update, *, mine: bool) -> None:
        asker = await self._asker(update)
        if asker is None:
            return
        message, consultant = asker

        def lines(session: Session) -> list[str]:
            leads = open_leads(session, consultant.id if mine else None)
            return [lead_line(lead) for lead in leads[:30]]

        found = await self._in_store(lines)
        title = "Your open leads" if mine else "Open leads"
        await message.reply_text("\n".join([f"{title}:", *found]) if found else f"{title}: none")

    @staticmethod
    def _press(
        session: Session, lead_id: int, action: str, consultant: Consultant, actor: str
    ) -> LeadStage:
        if action == "unreachable":
            record_contact_attempt(session, lead_id, "not_reachable", actor=actor)
            lead = session.get_one(Lead, lead_id)
            return LeadStage(lead.stage)
        return change_stage(
            session, lead_id, action, actor=actor, consultant_id=consultant.id
        ).stage

    async def _asker(self, update: Update) -> tuple[Message, Consultant] | None:
        """The command's message and the consultant who sent it; anyone else is refused."""
        message = update.effective_message
        if message is None:
            return None
        consultant = await self._consultant(update)
        if consultant is None:
            await message.reply_text(REFUSED)
            return None
        return message, consultant

    async def _consultant(self, update: Update) -> Consultant | None:
        """The active consultant behind this update: their chat, or their own account."""
        ids = {
            i for i in (
                update.effective_chat.id if update.effective_chat else None,
                update.effective_user.id if update.effective_user else None,
            ) if i is not None
        }  # fmt: skip
        if not ids:
            return None

        def find(session: Session) -> Consultant | None:
            return session.scalars(
                select(Consultant).where(
                    Consultant.active.is_(True),
                    or_(*(Consultant.telegram_chat_id == i for i in ids)),
                )
            ).first()

        return await self._in_store(find)

    async def _in_store(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self.store.transaction() as session:
                return work(session)

        return await asyncio.to_thread(run)
