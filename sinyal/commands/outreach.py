"""``sinyal flows``, ``sinyal contacts`` and ``sinyal outreach``: marketing's side."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sinyal.commands import console, err_console, fail, open_store, settings_or_exit


class Reason(enum.StrEnum):
    """The choices of ``contacts suppress --reason``: sinyal.outreach.suppression.Reason's
    values (a test keeps them equal), here so that help never imports SQLAlchemy."""

    UNSUBSCRIBED = "unsubscribed"
    OPTED_OUT = "opted_out"
    ERASED = "erased"
    CLIENT = "client"


flows_app = typer.Typer(help="Flow definitions (flows/*.yml).", no_args_is_help=True)
contacts_app = typer.Typer(help="Contact lists and the suppression list.", no_args_is_help=True)
outreach_app = typer.Typer(help="Tracked outreach messages.", no_args_is_help=True)


@flows_app.command("validate")
def validate(
    files: Annotated[list[Path] | None, typer.Argument(help="default: every flows/*.yml")] = None,
) -> None:
    """Check flow files; every problem is printed as file:line: field: message."""
    from sinyal.flows import FlowError, load_flow, load_flows

    settings = settings_or_exit()
    paths = files or sorted(settings.flows_path.glob("*.yml"))
    if not paths:
        raise fail(f"no flow files in {settings.flows_path}")
    problems = 0
    for path in paths:
        try:
            flow = load_flow(path)
        except FlowError as exc:
            err_console.print(f"[red]invalid:[/] {exc}", highlight=False, soft_wrap=True)
            problems += 1
            continue
        console.print(f"[green]ok[/] {path}: {flow.name} ({len(flow.variants)} variants)")
    if not files:
        try:
            load_flows(settings.flows_path)  # names unique across files
        except FlowError as exc:
            err_console.print(f"[red]invalid:[/] {exc}", highlight=False, soft_wrap=True)
            problems += 1
    if problems:
        raise typer.Exit(1)


@flows_app.command("list")
def list_flows() -> None:
    """The flows, their channel, variants, split and allocation."""
    from sinyal.flows import FlowError, load_flows

    settings = settings_or_exit()
    try:
        flows = load_flows(settings.flows_path)
    except FlowError as exc:
        raise fail(str(exc), code=2) from None
    table = Table(title=f"flows in {settings.flows_path}")
    for column in ("flow", "channel", "chat", "persona", "variants (weight)", "allocation"):
        table.add_column(column)
    for flow in flows:
        variants = ", ".join(f"{v.key} ({v.weight:g})" for v in flow.variants) or "-"
        allocation: str = flow.allocation.method
        if flow.allocation.method == "thompson":
            allocation += f" on {flow.allocation.event}, floor {flow.allocation.min_share:.0%}"
        persona = flow.persona.description or ", ".join(flow.persona.titles)
        table.add_row(flow.name, flow.channel, flow.chat, persona, variants, allocation)
    console.print(table)


@contacts_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV: company,name,email,title")],
) -> None:
    """Import HR contacts; bad rows are listed with their line and skipped, the rest kept."""
    from sinyal.outreach.contacts import ContactsFileError, import_contacts

    settings = settings_or_exit()
    with open_store(settings) as store:
        try:
            with store.transaction() as session:
                result = import_contacts(session, file)
        except ContactsFileError as exc:
            raise fail(str(exc), code=2) from None
    for error in result.errors:
        err_console.print(f"[yellow]skipped:[/] {error}", highlight=False, soft_wrap=True)
    console.print(
        f"{result.created} contacts added, {result.updated} updated, "
        f"{result.suppressed} on the suppression list, {len(result.errors)} rows skipped"
    )


@contacts_app.command("suppress")
def suppress(
    value: Annotated[str, typer.Argument(help="an email address, or @domain for a company")],
    reason: Annotated[Reason, typer.Option(help="why")] = Reason.OPTED_OUT,
) -> None:
    """Never contact this address (or domain) again; its stored contacts are deleted."""
    from sinyal.contact_details import ContactError
    from sinyal.outreach import suppression
    from sinyal.outreach.contacts import opt_out

    settings = settings_or_exit()
    with open_store(settings) as store:
        try:
            with store.transaction() as session:
                removed = opt_out(session, value, suppression.Reason(reason.value))
        except ContactError as exc:
            raise fail(f"{value!r} is not an email address or @domain: {exc}", code=2) from None
    console.print(f"suppressed ({reason.value}); {removed} stored contact(s) deleted")


@outreach_app.command("run")
def run(
    flow_name: Annotated[str, typer.Argument(metavar="FLOW")],
    plan_only: Annotated[bool, typer.Option(help="create the messages, send nothing")] = False,
    export_dir: Annotated[
        Path | None, typer.Option(help="where telegram/ads exports go (default var/exports)")
    ] = None,
) -> None:
    """Plan a tracked message for every new trigger's recipients, then send or export them."""
    import smtplib

    from rich.progress import Progress

    from sinyal.flows import FlowError, find_flow
    from sinyal.outreach.campaign import check_reachable, deliver, plan_flow
    from sinyal.outreach.links import ChatTargetError
    from sinyal.outreach.planner import NoVariantsError
    from sinyal.outreach.sending import count_pending

    settings = settings_or_exit()
    try:
        flow = find_flow(settings.flows_path, flow_name)
        if not plan_only:
            check_reachable(settings, flow)
    except (FlowError, ChatTargetError) as exc:
        raise fail(str(exc), code=2) from None
    with open_store(settings) as store:
        try:
            flow_id, planned = plan_flow(store, flow)
        except NoVariantsError as exc:
            raise fail(str(exc), code=2) from None
        split = ", ".join(f"{k} {v:.0%}" for k, v in planned.shares.items())
        console.print(
            f"planned {planned.created} new message(s) ({planned.already_planned} planned "
            f"before, {planned.suppressed} suppressed); split {split}"
        )
        if planned.no_contact:
            console.print(
                f"[yellow]{len(planned.no_contact)} trigger(s) have no contact matching the "
                f"persona:[/] {', '.join(planned.no_contact[:10])}"
            )
        if plan_only:
            return
        total = count_pending(store, flow_id)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"sending {flow.channel}", total=total)
            try:
                result = deliver(
                    store,
                    settings,
                    flow,
                    flow_id,
                    export_dir or settings.data_path / "exports",
                    lambda n: progress.advance(task, n),
                )
            except (OSError, smtplib.SMTPException) as exc:
                raise fail(f"SMTP server unreachable, the rest stay pending: {exc}") from None
    console.print(
        f"{result.sent} sent, {result.suppressed} suppressed, {result.failed} failed, "
        f"{result.retrying} to retry"
    )
    for path in result.files:
        console.print(f"wrote {path}")
    for variant, link in result.links.items():
        console.print(f"ad link for variant {variant}: {link}")
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
