"""Helpers shared by the ``sinyal`` subcommands: consoles and settings validated at the edge.

The command modules are imported to build the command tree (``sinyal --help``, the docs): they
import only typer and rich at the top and their engine modules (settings, store, pandas, ...)
inside each command function, so that help stays instant. tests/sinyal/test_cli.py guards it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sinyal.settings import Settings
    from sinyal.store import Store

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear error line; ``raise fail(...)`` ends the command with ``code``."""
    err_console.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    """Settings are validated at the edge: one clear line and exit code 2 when wrong."""
    from sinyal.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        raise fail(str(exc), code=2) from None


def open_store(settings: Settings) -> Store:
    """The store, migrated to head (every command may be the first one run on a new machine)."""
    from sinyal.store import Store

    store = Store.from_settings(settings)
    store.upgrade()
    return store
