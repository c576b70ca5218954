"""The ``sinyal`` command. Subcommands stay thin: they parse, call the engine, and print.

They import the engine inside the command function, never at the top of a module: building
the command tree (``sinyal --help``, the docs) must not import pandas, SQLAlchemy, ... (issue
16; tests/sinyal/test_cli.py checks, benchmarks/cli_startup.py measures).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sinyal.commands import ab as ab_commands
from sinyal.commands import accounts as account_commands
from sinyal.commands import console, err_console, settings_or_exit
from sinyal.commands import handover as handover_commands
from sinyal.commands import kpi as kpi_commands
from sinyal.commands import lookalike as lookalike_commands
from sinyal.commands import outreach as outreach_commands
from sinyal.commands import privacy as privacy_commands
from sinyal.commands import scrape as scrape_commands
from sinyal.commands import signals as signal_commands
from sinyal.commands import triggers as trigger_commands
from sinyal.commands import users as user_commands

app = typer.Typer(help="Sinyal: buying signals to qualified leads.", no_args_is_help=True)
db_app = typer.Typer(help="The lead store's schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(scrape_commands.app, name="scrape")
app.add_typer(signal_commands.app, name="signals")
app.add_typer(trigger_commands.app, name="triggers")
app.add_typer(lookalike_commands.app, name="lookalike")
app.add_typer(account_commands.app, name="accounts")
app.add_typer(privacy_commands.app, name="privacy")
app.add_typer(handover_commands.leads_app, name="leads")
app.add_typer(handover_commands.consultants_app, name="consultants")
app.command()(handover_commands.dispatch)
app.add_typer(outreach_commands.flows_app, name="flows")
app.add_typer(outreach_commands.contacts_app, name="contacts")
app.add_typer(outreach_commands.outreach_app, name="outreach")
app.add_typer(ab_commands.app, name="ab")
app.add_typer(kpi_commands.app, name="kpi")
app.add_typer(user_commands.app, name="users")


@app.command()
def run(
    train: Annotated[
        bool, typer.Option(help="Train the Rasa model first if its data changed.")
    ] = True,
    only: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated kinds to run on this machine (rasa,actions,web,dispatch,"
            "telegram,demo-site,scrape-worker); default: all"
        ),
    ] = None,
) -> None:
    """Start the whole system (store, Rasa server, action server) until Ctrl-C."""
    from sinyal.runtime.launcher import run as run_system
    from sinyal.runtime.rasa import RuntimeMissing
    from sinyal.runtime.training import TrainingFailed

    settings = settings_or_exit()
    try:
        kinds = frozenset(k.strip() for k in only.split(",") if k.strip()) if only else None
        code = run_system(settings, console, train=train, only=kinds)
    except (RuntimeMissing, TrainingFailed) as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    raise typer.Exit(code)


@app.command()
def train(
    force: Annotated[bool, typer.Option(help="Train even if nothing changed.")] = False,
) -> None:
    """Train the Rasa model into bot/models/current.tar.gz if its inputs changed."""
    from sinyal.runtime.rasa import RuntimeMissing
    from sinyal.runtime.training import TrainingFailed, ensure_model

    settings = settings_or_exit()
    try:
        ensure_model(settings, force=force, say=console.print)
    except (RuntimeMissing, TrainingFailed) as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None


@app.command()
def doctor() -> None:
    """Check both runtimes, the database, the model and the ports; say what is wrong."""
    from sinyal.runtime.doctor import Status, diagnose
    from sinyal.runtime.run_secrets import stored_run_secrets

    settings = stored_run_secrets(settings_or_exit())
    findings = diagnose(settings)
    table = Table(title="sinyal doctor")
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    colour = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "red"}
    for finding in findings:
        table.add_row(
            finding.check, f"[{colour[finding.status]}]{finding.status}[/]", finding.detail
        )
    console.print(table)
    if any(f.status is Status.FAIL for f in findings):
        raise typer.Exit(1)


@app.command()
def telegram() -> None:
    """Relay prospects' Telegram chats to the Rasa server (`sinyal run` starts this itself)."""
    import logging

    from sinyal.runtime import telegram_bot
    from sinyal.runtime.run_secrets import stored_run_secrets

    settings = stored_run_secrets(settings_or_exit())
    if settings.telegram_bot_token is None:
        err_console.print("[red]error:[/] TELEGRAM_BOT_TOKEN is not set")
        raise typer.Exit(2)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll otherwise
    try:
        telegram_bot.run(settings)
    except ValueError as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


@app.command()
def web() -> None:
    """Serve the web app: tracked links, unsubscribe pages, the website chat."""
    import uvicorn

    from sinyal.commands import open_store
    from sinyal.runtime.run_secrets import stored_run_secrets
    from sinyal.web.app import create_asgi

    settings = stored_run_secrets(settings_or_exit())
    with open_store(settings) as store:
        try:
            app = create_asgi(settings, store)
        except ValueError as exc:  # a missing token or key: `sinyal run` would have made them
            err_console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        # No access log: paths carry tracked tokens (capabilities such as unsubscribe links).
        # uvicorn takes X-Forwarded-For from a proxy on this machine (FORWARDED_ALLOW_IPS).
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.web_port,
            access_log=False,
            log_level="warning",
        )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the schema forward (to the newest revision by default)."""
    from sinyal.store import Store

    settings = settings_or_exit()
    store = Store.from_settings(settings)
    try:
        store.upgrade(revision)
    finally:
        store.close()
    console.print(f"database {settings.database.render_as_string()} upgraded to {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1 or base")]) -> None:
    """Migrate the schema back to REVISION."""
    from sinyal.store import Store, migrate

    settings = settings_or_exit()
    store = Store.from_settings(settings)
    try:
        migrate.downgrade(store.engine, revision)
    finally:
        store.close()
    console.print(f"database downgraded to {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision the database is at, and the newest one."""
    from sinyal.store import Store, migrate

    settings = settings_or_exit()
    store = Store.from_settings(settings)
    try:
        current = migrate.current_revision(store.engine)
    finally:
        store.close()
    console.print(f"current: {current or 'empty database'}  head: {migrate.head_revision()}")


if __name__ == "__main__":
    app()
