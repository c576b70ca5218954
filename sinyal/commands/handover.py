"""``sinyal dispatch``, ``sinyal leads ...`` and ``sinyal consultants sync``: the handover side."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sinyal.commands import console, fail, open_store, settings_or_exit

if TYPE_CHECKING:  # the engine (and asyncio) is imported inside each command: help stays fast
    import asyncio

    from sinyal.handover.pending_leads import PendingLeadSweeper
    from sinyal.settings import Settings
    from sinyal.store import Store

leads_app = typer.Typer(help="Leads handed over to consultants.", no_args_is_help=True)
consultants_app = typer.Typer(help="The consultants who receive leads.", no_args_is_help=True)


def dispatch(
    once: Annotated[bool, typer.Option(help="one round, then exit (for cron or a test)")] = False,
) -> None:
    """Deliver queued lead notifications (Telegram, email, webhook) until stopped."""
    import asyncio

    settings = settings_or_exit()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with open_store(settings) as store:
        sync_from_file(settings, store)
        asyncio.run(_dispatch(store, settings, once))


async def _dispatch(store: Store, settings: Settings, once: bool) -> None:
    import asyncio

    from sinyal.handover.notify.dispatcher import Dispatcher
    from sinyal.handover.pending_leads import PendingLeadSweeper
    from sinyal.runtime.run_secrets import stored_run_secrets
    from sinyal.runtime.services import DISPATCH_READY_LINE

    dispatcher = Dispatcher(store, settings)
    sweeper = PendingLeadSweeper.from_settings(store, stored_run_secrets(settings))
    if sweeper is None:
        console.print("[yellow]pending leads are not swept: no Rasa token or tracker store[/]")
    try:
        if once:
            if sweeper is not None:
                swept = await asyncio.to_thread(sweeper.sweep)
                console.print(f"{swept.saved} pending lead(s) saved, {swept.failed} still pending")
            result = await dispatcher.run_once()
            console.print(
                f"{result.sent} sent, {result.retrying} to retry, {result.failed} given up"
            )
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        print(DISPATCH_READY_LINE, flush=True)
        sweeping = sweep_pending_leads(sweeper, settings, stop) if sweeper else asyncio.sleep(0)
        await asyncio.gather(dispatcher.run(stop), sweeping)
    finally:
        await dispatcher.close()
        if sweeper is not None:
            sweeper.close()


async def sweep_pending_leads(
    sweeper: PendingLeadSweeper, settings: Settings, stop: asyncio.Event
) -> None:
    """Every ``pending_sweep_seconds``, save the leads chats could not
    (sinyal.handover.pending_leads)."""
    import asyncio

    from sinyal.handover.pending_leads import SweepResult

    while not stop.is_set():
        try:
            result = await asyncio.to_thread(sweeper.sweep)
        except Exception as exc:  # never take the dispatcher down; the next round retries
            logging.getLogger("sinyal.handover.pending_leads").error("sweep failed: %r", type(exc))
            result = SweepResult()
        if result.saved:
            logging.getLogger("sinyal.handover.pending_leads").info(
                "%d pending lead(s) saved from their chats", result.saved
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.pending_sweep_seconds)


def sync_from_file(settings: Settings, store: Store) -> dict[str, int]:
    """Without a consultants file the table is left as it is (managed some other way)."""
    from sinyal.handover.consultants import ConsultantsError, load_consultants, sync_consultants

    if not settings.consultants_path.exists():
        return {}
    try:
        configs = load_consultants(settings.consultants_path)
    except ConsultantsError as exc:
        raise fail(str(exc), code=2) from None
    with store.transaction() as session:
        return sync_consultants(session, configs)


@consultants_app.command("sync")
def consultants_sync() -> None:
    """Make the consultants table match consultants.yml (`sinyal run` does this at start)."""
    settings = settings_or_exit()
    with open_store(settings) as store:
        if not settings.consultants_path.exists():
            raise fail(f"{settings.consultants_path}: no such file", code=2)
        counts = sync_from_file(settings, store)
    console.print(", ".join(f"{n} {what}" for what, n in counts.items()))


@leads_app.command("status")
def leads_status(
    lead_id: Annotated[int, typer.Argument(help="the lead's number")],
    status: Annotated[str, typer.Argument(help="claimed, contacted, meeting, proposal, won, lost")],
    reason: Annotated[str | None, typer.Option(help="why it was lost")] = None,
    value: Annotated[float | None, typer.Option(help="fee won, for ROI")] = None,
    actor: Annotated[str, typer.Option(help="who made the change")] = "cli",
) -> None:
    """Move a lead along new -> claimed -> contacted -> meeting -> proposal -> won / lost."""
    from sinyal.leads.lifecycle import LifecycleError, change_stage

    settings = settings_or_exit()
    with open_store(settings) as store:
        try:
            with store.transaction() as session:
                change = change_stage(
                    session, lead_id, status, actor=actor, reason=reason, value=value
                )
        except LifecycleError as exc:
            raise fail(str(exc), code=2) from None
    verb = "moved" if change.changed else "already"
    console.print(f"lead #{lead_id} {verb} {change.previous.value} -> {change.stage.value}")


@leads_app.command("list")
def leads_list(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Open leads (not won or lost), newest first."""
    from sinyal.leads.lifecycle import open_leads

    settings = settings_or_exit()
    with open_store(settings) as store, store.transaction() as session:
        rows = [
            {
                "id": lead.id,
                "company": lead.company_name,
                "status": lead.status,
                "stage": lead.stage,
                "score": lead.score,
                "consultant_id": lead.consultant_id,
                "created_at": lead.created_at.isoformat(),
            }
            for lead in open_leads(session)
        ]
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return
    table = Table("#", "company", "status", "stage", "score", "since")
    for row in rows:
        table.add_row(
            str(row["id"]), str(row["company"] or "-"), str(row["status"]), str(row["stage"]),
            f"{row['score']:.0f}", str(row["created_at"])[:16],
        )  # fmt: skip
    console.print(table)


@leads_app.command("export")
def leads_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx")] = "csv",
    output: Annotated[
        Path | None, typer.Option(help="file to write (csv: stdout if not given)")
    ] = None,
) -> None:
    """Every lead with its answers and contact details, for a CRM or a spreadsheet."""
    from sinyal.leads.export import export_leads

    if fmt != "csv" and fmt != "xlsx":
        raise fail(f"--format: {fmt!r} is not csv or xlsx", code=2)
    settings = settings_or_exit()
    with open_store(settings) as store:
        try:
            with store.transaction() as session:
                text = export_leads(session, "csv" if fmt == "csv" else "xlsx", output)
        except ValueError as exc:
            raise fail(str(exc), code=2) from None
    if text is not None:
        sys.stdout.write(text)
    else:
        console.print(f"leads written to {output}")
