"""``sinyal run``: migrate, train if needed, start every service, print URLs, stop on Ctrl-C."""

from __future__ import annotations

import signal
import threading
from types import FrameType

from rich.console import Console
from rich.table import Table

from sinyal.runtime.rasa import require_runtimes
from sinyal.runtime.services import actions_service, rasa_service
from sinyal.runtime.supervisor import ServiceFailed, Supervisor
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


def urls_table(settings: Settings) -> Table:
    table = Table(title="Sinyal is running", show_header=True)
    table.add_column("what")
    table.add_column("where")
    table.add_row("Rasa REST channel", f"{settings.rasa_url}/webhooks/rest/webhook")
    table.add_row("Rasa socket.io (web chat)", f"{settings.rasa_url}/socket.io")
    table.add_row("Rasa HTTP API", f"{settings.rasa_url}/status")
    table.add_row("Action server", f"{settings.actions_url}/health")
    table.add_row("Store", settings.database.render_as_string())
    return table


def run(
    settings: Settings,
    console: Console,
    *,
    train: bool = True,
) -> int:
    """Run until Ctrl-C/SIGTERM (exit 0) or until a service dies (exit 1)."""
    prepare(settings, console, train=train)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        console.print(f"\n[yellow]stopping[/] ({signal.Signals(signum).name})")
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    supervisor = Supervisor()
    try:
        for spec in (actions_service(settings), rasa_service(settings)):
            console.print(f"[cyan]starting[/] {spec.name}")
            supervisor.wait_healthy(supervisor.start(spec))
            if stop.is_set():
                return 0
        console.print(urls_table(settings))
        console.print("Press Ctrl-C to stop.")
        exited = supervisor.wait_until_stopped(stop)
        if exited is not None:
            console.print(f"[red]{exited.spec.name} exited unexpectedly; stopping the rest[/]")
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
