"""``sinyal privacy sweep``: carry out pending "delete my data" requests now."""

from __future__ import annotations

import typer

from sinyal.commands import console, open_store, settings_or_exit

app = typer.Typer(help="Personal data: erasure requests.", no_args_is_help=True)


@app.command("sweep")
def sweep() -> None:
    """Erase the data of every pending request (`sinyal run` does this every few seconds)."""
    from sinyal.privacy import sweep as sweep_erasures

    settings = settings_or_exit()
    with open_store(settings) as store:
        result = sweep_erasures(settings, store)
    console.print(
        f"{result.swept} pending request(s) swept, {result.completed} completed, "
        f"{result.tracker_rows} tracker rows deleted"
    )
