"""The `sinyal` command as a user runs it: a real subprocess of the installed entry point."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from sinyal.commands import outreach as outreach_commands
from sinyal.outreach import suppression
from sinyal.store import Store, migrate
from tests.support.sinyal_command import isolated_env, run_sinyal


@pytest.fixture
def env(clean_env: Path) -> dict[str, str]:
    return isolated_env(SINYAL_DATA_DIR=str(clean_env / "var"))


def sinyal(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_sinyal(*args, env=env, cwd=cwd, timeout=120)


def test_db_upgrade_then_current(env: dict[str, str], clean_env: Path) -> None:
    done = sinyal("db", "upgrade", env=env, cwd=clean_env)
    assert done.returncode == 0, done.stderr
    store = Store.from_url(f"sqlite:///{clean_env / 'var' / 'sinyal.db'}")
    try:
        assert "leads" in inspect(store.engine).get_table_names()
    finally:
        store.close()
    current = sinyal("db", "current", env=env, cwd=clean_env)
    assert current.returncode == 0
    head = migrate.head_revision()
    assert f"current: {head}" in current.stdout and f"head: {head}" in current.stdout


def test_db_upgrade_against_postgres(
    env: dict[str, str], clean_env: Path, postgres_schema_url
) -> None:
    env["DATABASE_URL"] = postgres_schema_url.render_as_string(hide_password=False)
    done = sinyal("db", "upgrade", env=env, cwd=clean_env)
    assert done.returncode == 0, done.stderr
    store = Store.from_url(postgres_schema_url)
    try:
        assert store.is_current()
    finally:
        store.close()


def test_bad_setting_stops_with_one_clear_line(env: dict[str, str], clean_env: Path) -> None:
    env["SINYAL_ACTIONS_PORT"] = "99999"
    done = sinyal("db", "upgrade", env=env, cwd=clean_env)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "SINYAL_ACTIONS_PORT" in lines[0] and "65535" in lines[0]


def test_unreachable_database_is_reported_by_doctor(env: dict[str, str], clean_env: Path) -> None:
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    done = sinyal("doctor", env=env, cwd=clean_env)
    assert done.returncode == 1
    assert "cannot reach" in done.stdout


# `sinyal --help` must stay instant (issue 16): building the command tree, as `--help` and the
# docs generator do, may import typer, rich and the command modules, never the engine or its
# heavy libraries: each command imports those inside its function. A fresh interpreter checks.
HEAVY_LIBRARIES = frozenset(
    {
        "alembic", "dramatiq", "extruct", "fastapi", "httpx", "jinja2", "lxml", "matplotlib",
        "numpy", "openpyxl", "pandas", "psycopg", "pydantic_settings", "rasa_sdk", "redis",
        "requests", "scipy", "scrapers", "socketio", "sqlalchemy", "starlette", "statsmodels",
        "telegram", "uvicorn", "yaml",
    }
)  # fmt: skip
LIGHT_SINYAL_MODULES = ("sinyal.cli", "sinyal.commands")
PROBE = """
import contextlib, io, json, sys
import typer.main
from sinyal.cli import app

def walk(command, path):
    yield " ".join(path), command.help or ""
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, [*path, name])

tree = dict(walk(typer.main.get_command(app), ["sinyal"]))
built = sorted(sys.modules)
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    app(["kpi", "report", "--help"], prog_name="sinyal")
print(json.dumps({"tree": tree, "built": built, "helped": sorted(sys.modules)}))
"""


def heavy(modules: list[str]) -> list[str]:
    """The heavy libraries (top-level names) and engine modules among ``modules``."""
    libraries = {m.partition(".")[0] for m in modules} & HEAVY_LIBRARIES
    engine = {
        m for m in modules if m.startswith("sinyal.") and not m.startswith(LIGHT_SINYAL_MODULES)
    }
    return sorted(libraries | engine)


def test_the_command_tree_is_built_without_the_heavy_libraries() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout)
    assert heavy(probe["built"]) == [], "import these inside the command function"
    assert heavy(probe["helped"]) == [], "`sinyal kpi report --help` imported these"
    documented = {name for name, help_text in probe["tree"].items() if help_text}
    for command in ("doctor", "db upgrade", "dispatch", "kpi report", "contacts suppress"):
        assert f"sinyal {command}" in documented, "the docs walk this tree: names and help"


def test_suppress_offers_exactly_the_suppression_reasons() -> None:
    """`contacts suppress --reason` lists its choices without importing the store."""
    offered = {reason.name: reason.value for reason in outreach_commands.Reason}
    assert offered == {reason.name: reason.value for reason in suppression.Reason}
