"""``sinyal users``: adding, changing and disabling dashboard users, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sinyal.cli import app
from sinyal.settings import load_settings
from sinyal.store import Store
from sinyal.store.models import User
from sinyal.web.users import authenticate


@pytest.fixture
def cli(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SINYAL_DATA_DIR", str(clean_env / "var"))
    return CliRunner()


def stored(username: str) -> User | None:
    store = Store.from_settings(load_settings())
    try:
        with store.sessions() as s:
            return s.scalars(select(User).where(User.username == username)).one_or_none()
    finally:
        store.close()


def test_add_change_and_disable_a_user(cli: CliRunner) -> None:
    added = cli.invoke(
        app, ["users", "add", "Mia", "--role", "marketing", "--password-stdin"],
        input="a long enough secret\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    user = stored("mia")
    assert user is not None and user.role == "marketing"
    assert user.password_hash.startswith("$argon2id$") and "secret" not in user.password_hash
    assert cli.invoke(app, ["users", "role", "mia", "manager"]).exit_code == 0
    assert cli.invoke(app, ["users", "disable", "mia"]).exit_code == 0
    user = stored("mia")
    assert user is not None and (user.role, user.active) == ("manager", False)
    store = Store.from_settings(load_settings())
    with store.transaction() as s:
        assert authenticate(s, "mia", "a long enough secret") is None  # disabled
    store.close()
    assert "mia" in cli.invoke(app, ["users", "list"]).stdout


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["users", "add", "x y", "--role", "manager"], "a long enough secret", "username"),
        (["users", "add", "max", "--role", "boss"], "a long enough secret", "unknown role"),
        (["users", "add", "max", "--role", "manager"], "short", "at least 10"),
        (["users", "add", "max", "--role", "consultant", "--consultant", "Nobody"],
         "a long enough secret", "no consultant named"),
        (["users", "role", "ghost", "manager"], "", "no user 'ghost'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(
    cli: CliRunner, args: list[str], password: str, message: str
) -> None:
    if args[1] == "add":
        args = [*args, "--password-stdin"]
    done = cli.invoke(app, args, input=f"{password}\n")
    assert done.exit_code == 2 and message in done.stderr
