"""``sinyal accounts``: one company's whole story in the terminal (the dashboard's account
page, for those who live in a shell)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sinyal.commands import console, fail, open_store, settings_or_exit

if TYPE_CHECKING:
    from sinyal.accounts.account import Account

app = typer.Typer(help="Accounts: everything known about one company.", no_args_is_help=True)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The company (legal form optional) or part of it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Postings, triggers, news, outreach, clicks, chats, leads, lookalike score, timeline."""
    from sinyal.accounts.account import find_companies, load_account

    if not name.strip() or len(name) > 300:
        raise fail("NAME: give a company name (at most 300 characters)")
    with open_store(settings_or_exit()) as store, store.transaction() as session:
        found = find_companies(session, name)
        if len(found) != 1:
            names = ", ".join(c.name for c in found[:10])
            found_names = f": {names}" if found else ""
            raise fail(escape(f"{len(found)} companies match {name!r}{found_names}"))
        account = load_account(session, found[0].id)
    assert account is not None  # found in this very transaction
    if as_json:
        typer.echo(json.dumps(account.as_json(), ensure_ascii=False, indent=2))
        return
    _print(account)


def _print(account: Account) -> None:
    company = account.company
    where = ", ".join(company[k] for k in ("city", "country") if company.get(k))
    console.print(f"[bold]{escape(company['name'])}[/] {escape(company['domain'] or '')} "
                  f"{escape(where)}", highlight=False)  # fmt: skip
    if account.lookalike:
        like = account.lookalike
        console.print(
            f"lookalike {like['score']:.2f}, like {escape(str(like['nearest_won']))}: "
            f"{escape('; '.join(like['reasons']))}",
            highlight=False,
        )
    sections = {
        "postings": account.postings, "triggers": account.triggers, "news": account.signals,
        "messages": account.messages, "clicks": account.clicks, "chats": account.chats,
        "leads": account.leads,
    }  # fmt: skip
    console.print(", ".join(f"{len(rows)} {name}" for name, rows in sections.items()))
    table = Table("when", "what", "", title="timeline")
    for moment in account.timeline:
        table.add_row(moment.at.strftime("%Y-%m-%d %H:%M"), moment.kind, escape(moment.text))
    console.print(table)
