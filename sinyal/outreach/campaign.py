"""``sinyal outreach run FLOW``: plan messages for new triggers, then send or export them."""

from __future__ import annotations

from pathlib import Path

from sinyal.flows import FlowDefinition
from sinyal.outreach.links import ChatTargetError
from sinyal.outreach.planner import PlanResult, plan
from sinyal.outreach.sending import (
    Progress,
    SendResult,
    export_messages,
    send_emails,
)
from sinyal.settings import Settings
from sinyal.signals.triggers import sync_flow
from sinyal.store import Store


def check_reachable(settings: Settings, flow: FlowDefinition) -> None:
    """Refuse before anything is sent if the flow's links could not lead anywhere."""
    if flow.chat == "telegram" and not settings.telegram_bot_username:
        raise ChatTargetError(
            f"flow {flow.name} opens the Telegram bot: set SINYAL_TELEGRAM_BOT_USERNAME"
        )
    if flow.channel == "email" and not settings.smtp_host:
        raise ChatTargetError(f"flow {flow.name} sends email: set SINYAL_SMTP_HOST")


def plan_flow(store: Store, flow: FlowDefinition) -> tuple[int, PlanResult]:
    with store.transaction() as session:
        flow_row = sync_flow(session, flow)
        return flow_row.id, plan(session, flow_row, flow)


def deliver(
    store: Store,
    settings: Settings,
    flow: FlowDefinition,
    flow_id: int,
    export_dir: Path,
    progress: Progress | None = None,
) -> SendResult:
    if flow.channel == "email":
        return send_emails(store, settings, flow, flow_id, progress)
    return export_messages(store, settings, flow, flow_id, export_dir)
