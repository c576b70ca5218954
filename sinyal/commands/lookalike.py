"""``sinyal lookalike``: companies ranked by resemblance to the won clients, its honest
evaluation, and the ad platforms' custom audience in that order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sinyal.commands import console, err_console, fail, open_store, settings_or_exit

if TYPE_CHECKING:
    from sinyal.signals.lookalike.universe import Universe

app = typer.Typer(
    help="Next best customers: companies ranked by resemblance to the clients already won.",
    no_args_is_help=True,
)

CompaniesOption = Annotated[
    Path | None,
    typer.Option(help="CSV: name,domain,industry,employees,city,country (default: the store)."),
]
WonOption = Annotated[
    Path | None, typer.Option(help="CSV with a name column (optional won_at): the won clients.")
]
LostOption = Annotated[Path | None, typer.Option(help="CSV with a name column: lost clients.")]
PostingsOption = Annotated[
    Path | None,
    typer.Option(help='JSON lines {"company","title","first_seen"} (optional "closed_at").'),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _universe_from_files(
    companies: Path | None, won: Path | None, lost: Path | None, postings: Path | None
) -> Universe | None:
    """The universe the files give, None when no file was given (the store's then)."""
    from sinyal.signals.lookalike.files import LookalikeInputError, read_universe

    if companies is None and won is None and lost is None and postings is None:
        return None
    if companies is None or won is None:
        raise fail("--companies and --won go together (or neither, to rank the store)")
    try:
        universe, warnings = read_universe(companies, won, lost, postings)
    except LookalikeInputError as exc:
        raise fail(escape(str(exc))) from None
    for warning in warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if not universe.won:
        raise fail(escape(f"{won}: no won client matches a company in {companies}"))
    return universe


@app.command("rank")
def rank_command(
    companies: CompaniesOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    postings: PostingsOption = None,
    top: Annotated[int | None, typer.Option(min=1, help="Only the best K.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Rank companies by resemblance to the won clients, best first (won and lost left out).
    Without files, the store's companies are ranked and their scores kept for the triggers."""
    from sinyal.signals.lookalike.ranking import rank

    universe = _universe_from_files(companies, won, lost, postings)
    if universe is not None:
        ranked = rank(universe, top=top)
    else:
        from sinyal.signals.lookalike.scores import refresh_scores

        with open_store(settings_or_exit()) as store, store.transaction() as session:
            ranked = refresh_scores(session)[:top]
        if not ranked:
            raise fail("no won clients in the store yet: nothing to resemble")
    if as_json:
        typer.echo(json.dumps([r.as_json() for r in ranked], ensure_ascii=False, indent=2))
        return
    table = Table("score", "company", "nearest won client", "why", title="lookalikes")
    for r in ranked:
        nearest = r.nearest_won.name if r.nearest_won else ""
        table.add_row(
            f"{r.score:.2f}", escape(r.company.name), escape(nearest), escape("; ".join(r.reasons))
        )
    console.print(table)


@app.command("eval")
def eval_command(
    companies: CompaniesOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    postings: PostingsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Leave-one-out over the won clients: hit@10, hit@50 and MRR, beside random order and
    size alone."""
    from rich.progress import Progress

    from sinyal.signals.lookalike.evaluation import leave_one_out

    universe = _universe_from_files(companies, won, lost, postings)
    if universe is None:
        from sinyal.signals.lookalike.from_store import universe_from_store

        with open_store(settings_or_exit()) as store, store.transaction() as session:
            universe = universe_from_store(session)
    if len(universe.won) < 2:
        raise fail("leave-one-out needs at least two won clients")
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("leave one out", total=len(universe.won))
        report = leave_one_out(universe, on_fold=lambda: progress.advance(task))
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2))
        return
    figures = report.as_json()
    table = Table("", "hit@10", "hit@50", "MRR", title=f"{report.won} won clients, "
                  f"{report.companies} companies")  # fmt: skip
    rows = {"model": figures["model"], **figures["baselines"]}
    for name, values in rows.items():
        table.add_row(name, *(f"{values[k]:.3f}" for k in ("hit@10", "hit@50", "mrr")))
    console.print(table)
    if report.undated:
        err_console.print(
            f"[yellow]warning:[/] {report.undated} won clients have no win date (won_at): "
            "their folds used all data, later postings included",
            highlight=False,
        )


@app.command("audience")
def audience_command(
    out: Annotated[Path, typer.Option(help="Where to write the CSV.")],
    top: Annotated[int, typer.Option(min=1, help="At most this many companies.")] = 1000,
) -> None:
    """The custom audience for ad platforms: name, website, domain, country, city of the
    store's best lookalikes, best first (clients, lost and opted-out companies left out)."""
    from sinyal.outreach.audience import AUDIENCE_MINIMUM, lookalike_audience, write_audience

    with open_store(settings_or_exit()) as store, store.transaction() as session:
        rows = lookalike_audience(session, top)
    if not rows:
        raise fail("no lookalike scores yet: run `sinyal lookalike rank` once clients are won")
    try:
        write_audience(out, rows)
    except OSError as exc:
        raise fail(escape(f"--out {out}: cannot write: {exc.strerror or exc}")) from None
    console.print(f"{len(rows)} companies written to {escape(str(out))}", highlight=False)
    if len(rows) < AUDIENCE_MINIMUM:
        err_console.print(
            f"[yellow]warning:[/] ad platforms match company lists reliably from about "
            f"{AUDIENCE_MINIMUM} companies",
            highlight=False,
        )
