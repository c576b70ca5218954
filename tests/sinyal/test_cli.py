"""The `sinyal` command as a user runs it: a real subprocess of the installed entry point."""

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import inspect

from sinyal.store import Store, migrate
from tests.helpers import isolated_env, run_sinyal


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
