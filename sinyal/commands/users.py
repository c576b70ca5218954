"""``sinyal users``: who may log in to the dashboard, and with which role."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from sinyal.commands import console, fail, open_store, settings_or_exit

app = typer.Typer(help="Dashboard users and their roles.", no_args_is_help=True)
RoleOption = Annotated[str, typer.Option(help="consultant, marketing, manager or none")]


@app.command("add")
def add(
    username: str,
    role: RoleOption,
    consultant: Annotated[
        str | None, typer.Option(help="the consultant (consultants.yml) this user is")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="read the password from standard input (for scripts)")
    ] = False,
) -> None:
    """Create a user; the password is asked for (never given on the command line)."""
    from sinyal.web.users import UserError, add_user, parse_role

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    settings = settings_or_exit()
    with open_store(settings) as store:
        try:
            with store.transaction() as session:
                user = add_user(session, username, password, parse_role(role), consultant)
                name, chosen = user.username, user.role or "no role"
        except UserError as exc:
            raise fail(str(exc), code=2) from None
    console.print(f"user {name} added ({chosen})")


@app.command("role")
def set_role(
    username: str,
    role: Annotated[str, typer.Argument(help="consultant, marketing, manager or none")],
) -> None:
    """Change a user's role (takes effect on their next page)."""
    from sinyal.web.users import UserError, find_user, parse_role

    settings = settings_or_exit()
    with open_store(settings) as store:
        try:
            with store.transaction() as session:
                chosen = parse_role(role)
                find_user(session, username).role = chosen.value if chosen else None
        except UserError as exc:
            raise fail(str(exc), code=2) from None
    console.print(f"{username}: {role}")


@app.command("disable")
def disable(username: str) -> None:
    """Stop a user from logging in (their past actions stay attributed)."""
    from sinyal.web.users import UserError, find_user

    settings = settings_or_exit()
    with open_store(settings) as store:
        try:
            with store.transaction() as session:
                find_user(session, username).active = False
        except UserError as exc:
            raise fail(str(exc), code=2) from None
    console.print(f"{username} disabled")


@app.command("list")
def list_users() -> None:
    from sqlalchemy import select

    from sinyal.store.models import Consultant, User

    settings = settings_or_exit()
    with open_store(settings) as store, store.sessions() as session:
        rows = session.execute(
            select(User, Consultant.name)
            .outerjoin(Consultant, Consultant.id == User.consultant_id)
            .order_by(User.username)
        ).all()
    table = Table(title="users")
    for column in ("user", "role", "consultant", "active", "last login"):
        table.add_column(column)
    for user, consultant in rows:
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "-"
        table.add_row(user.username, user.role or "-", consultant or "-", str(user.active), last)
    console.print(table)
