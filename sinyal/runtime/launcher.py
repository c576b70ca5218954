"""``sinyal run``: migrate, train if needed, start every service, print URLs, stop on Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from sinyal.runtime.rasa import require_runtimes
from sinyal.runtime.run_secrets import secrets_file, with_run_secrets
from sinyal.runtime.services import (
    actions_service,
    demo_site_service,
    dispatch_service,
    rasa_service,
    scrape_worker_service,
    status_file,
    telegram_service,
    web_service,
)
from sinyal.runtime.supervisor import ServiceFailed, ServiceSpec, Supervisor
from sinyal.runtime.training import ensure_model
from sinyal.settings import Settings
from sinyal.store import Store


def prepare(settings: Settings, console: Console, *, train: bool = True) -> None:
    """Everything before the first process starts: runtimes, schema, model."""
    require_runtimes(settings)
    store = Store.from_settings(settings)
    try:
        store.upgrade()
    finally:
        store.close()
    console.print(f"[green]database[/] at head: {settings.database.render_as_string()}")
    if train:
        ensure_model(settings, say=lambda msg: console.print(f"[cyan]model[/] {msg}"))


#: What `sinyal run --only` accepts: the kinds of service one machine can run.
SERVICE_KINDS = ("demo-site", "actions", "rasa", "dispatch", "web", "telegram", "scrape-worker")


def services(settings: Settings, only: frozenset[str] | None = None) -> list[ServiceSpec]:
    """Every service this machine runs: all of them, or the kinds ``only`` names (a
    deployment over several machines runs Rasa and actions on some, the rest on others)."""
    specs = [
        *(actions_service(settings, i) for i in range(settings.action_servers)),
        *(rasa_service(settings, i) for i in range(settings.rasa_servers)),
        dispatch_service(settings),
        web_service(settings),
    ]
    if settings.demo_site:
        specs.insert(0, demo_site_service(settings))
    if settings.telegram_bot_token is not None:
        specs.append(telegram_service(settings))
    if settings.scrape_broker_url:
        specs.append(scrape_worker_service(settings))
    if only is None:
        return specs
    unknown = sorted(only - set(SERVICE_KINDS))
    if unknown:
        raise ServiceFailed(f"unknown service {', '.join(unknown)}; choose from {SERVICE_KINDS}")
    return [spec for spec in specs if spec.name.rsplit("-", 1)[0] in only or spec.name in only]


def scrape_in_background(settings: Settings, console: Console) -> threading.Thread:
    """Scrape every flow once, then read its news, so a first run already shows triggers and
    signals; the chat is up meanwhile."""

    def work() -> None:
        from sinyal.flows import FlowError, load_flows
        from sinyal.signals.refresh import describe, refresh, refresh_news

        try:
            flows = load_flows(settings.flows_path)
            with Store.from_settings(settings) as store:
                result = refresh(settings, store, flows)
                for line in describe(result):
                    console.print(f"[cyan]scrape[/] {line}")
                for news in refresh_news(settings, store, flows):
                    for line in news.lines():
                        console.print(f"[cyan]news[/] {line}")
        except (FlowError, OSError, SQLAlchemyError) as exc:
            console.print(f"[red]scrape[/] failed: {exc}")

    console.print(
        f"[cyan]scrape[/] scraping the sources of {settings.flows_path} in the background"
    )
    thread = threading.Thread(target=work, name="first-scrape", daemon=True)
    thread.start()
    return thread


def sweep_erasures_in_background(
    settings: Settings, console: Console, stop: threading.Event, every: float = 5.0
) -> threading.Thread:
    """Carry out "delete my data" requests (see sinyal.privacy) while the system runs."""
    from sinyal.privacy import sweep

    def work() -> None:
        store = Store.from_settings(settings)
        try:
            while not stop.wait(every):
                try:
                    result = sweep(settings, store)
                except SQLAlchemyError as exc:
                    console.print(f"[red]privacy[/] sweep failed, will retry: {exc}")
                    continue
                if result.completed:
                    console.print(f"[cyan]privacy[/] {result.completed} erasure request(s) done")
        finally:
            store.close()

    thread = threading.Thread(target=work, name="erasure-sweeper", daemon=True)
    thread.start()
    return thread


def urls_table(settings: Settings) -> Table:
    table = Table(title="Sinyal is running", show_header=True)
    table.add_column("what")
    table.add_column("where")
    for url in settings.rasa_urls:
        table.add_row("Rasa REST channel (token)", f"{url}/webhooks/rest/webhook")
        table.add_row("Rasa HTTP API (token)", f"{url}/status")
    for i in range(settings.action_servers):
        table.add_row("Action server (token)", f"{settings.actions_url_of(i)}/health")
    if settings.demo_site:
        table.add_row("Demo job site", f"{settings.demo_site_url}/careers/")
    if settings.telegram_bot_token is not None:
        mode = f"{settings.telegram_mode} via {settings.telegram_api_url}"
        table.add_row("Telegram bridge", mode)
    table.add_row("Web app (the public entry: links, chat)", f"{settings.web_url}/chat")
    table.add_row("Tokens (when not set in the environment)", str(secrets_file(settings)))
    table.add_row("Store", settings.database.render_as_string())
    return table


def run(
    settings: Settings,
    console: Console,
    *,
    train: bool = True,
    only: frozenset[str] | None = None,
) -> int:
    """Run until Ctrl-C/SIGTERM (exit 0) or until a service keeps failing (exit 1)."""
    settings = with_run_secrets(settings)
    try:
        specs = services(settings, only)
    except ServiceFailed as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2
    prepare(settings, console, train=train and any(s.name.startswith("rasa") for s in specs))
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        console.print(f"\n[yellow]stopping[/] ({signal.Signals(signum).name})")
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    supervisor = Supervisor(status_file=status_file(settings))
    try:
        if settings.demo_site:
            # The shipped demo flow finds the demo site through this variable.
            os.environ["SINYAL_DEMO_SITE_URL"] = settings.demo_site_url
        # All at once, then wait for all together: no service needs another to start (the front
        # doors answer "try again" until Rasa is up, as they do while it restarts), so start-up
        # takes as long as the slowest service (Rasa loading its model), not the sum of all.
        started = []
        for spec in specs:
            console.print(f"[cyan]starting[/] {spec.name}")
            started.append(supervisor.start(spec))
        supervisor.wait_healthy(*started, stop=stop)
        if stop.is_set():
            return 0
        for running in started:
            supervisor.mark_running(running)
        console.print(urls_table(settings))
        sweep_erasures_in_background(settings, console, stop)
        if settings.scrape_on_start and only is None:
            scrape_in_background(settings, console)
        console.print("Press Ctrl-C to stop.")
        failing = supervisor.wait_until_stopped(stop)
        if failing is not None:
            console.print(f"[red]{failing.spec.name} keeps failing; stopping the rest[/]")
            return 1
        return 0
    except ServiceFailed as exc:
        console.print(f"[red]error:[/] {exc}")
        return 1
    finally:
        supervisor.stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        console.print("all services stopped")
