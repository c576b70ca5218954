"""Helpers shared by the ``sinyal`` subcommands: consoles and settings validated at the edge."""

from __future__ import annotations

import typer
from rich.console import Console

from sinyal.settings import Settings, SettingsError, load_settings
from sinyal.store import Store

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear error line; ``raise fail(...)`` ends the command with ``code``."""
    err_console.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    """Settings are validated at the edge: one clear line and exit code 2 when wrong."""
    try:
        return load_settings()
    except SettingsError as exc:
        raise fail(str(exc), code=2) from None


def open_store(settings: Settings) -> Store:
    """The store, migrated to head (every command may be the first one run on a new machine)."""
    store = Store.from_settings(settings)
    store.upgrade()
    return store
