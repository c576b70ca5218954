"""Shared fixtures: real databases (SQLite always, PostgreSQL whenever one can be had).

PostgreSQL is the production store, so store tests run against it too. If the server on
127.0.0.1:5432 is down, the fixture tries to start it the way this machine's services are
started. Off CI, an unreachable PostgreSQL skips those cases with the reason; on CI (CI=true)
it fails, so a green CI always means both backends were tested.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from scrapers.demo_site.server import DemoSiteServer
from sinyal.runtime.training import ensure_model, model_is_current
from sinyal.settings import load_settings
from sinyal.store import Store
from tests.support.postgres import (
    POSTGRES_URL,
    fresh_database,
    postgres_answers,
    start_machine_postgres,
)
from tests.support.redis_server import SYSTEM_REDIS_URL, started_redis
from tests.support.telegram_api import TelegramApiStandIn

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not postgres_answers(POSTGRES_URL):
        start_machine_postgres()
    if not postgres_answers(POSTGRES_URL):
        message = f"PostgreSQL not reachable at {make_url(POSTGRES_URL).render_as_string()}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must test both backends)")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture(scope="module")
def postgres_database(postgres_url: str) -> Iterator[URL]:
    """A whole fresh PostgreSQL database: Rasa's tracker store and the lead store share it."""
    with fresh_database(postgres_url, "sinyal_sys_") as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The machine's Redis (started if installed and down), for the lock store and gateways."""
    return started_redis(SYSTEM_REDIS_URL)


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[URL]:
    """A URL whose connections live in a fresh, private schema (dropped afterwards)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> URL:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return make_url(f"sqlite:///{tmp_path / 'sinyal.db'}")
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def store(database_url: URL) -> Iterator[Store]:
    """A store migrated to head, on each backend."""
    store = Store.from_url(database_url)
    store.upgrade()
    yield store
    store.close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SINYAL_* or DATABASE_URL from the caller's shell, and a cwd without sinyal.yml."""
    for name in list(os.environ):
        if name.startswith("SINYAL_") or name in {"DATABASE_URL", "TELEGRAM_BOT_TOKEN"}:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the model, however indirectly (its fixtures' closure), so
    tests/suite.py can run all the others while the model trains."""
    for item in items:
        if "trained_model" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """Train once per session if the bot's data changed (the same call `sinyal run` makes)."""
    settings = load_settings()
    if os.environ.get("SINYAL_TEST_NO_TRAINING") and not model_is_current(settings):
        pytest.fail(
            "this test reached the model without naming the trained_model fixture (e.g. via "
            "getfixturevalue): name it, so that tests/suite.py runs it after training"
        )
    ensure_model(settings)
    return settings.model_path


@pytest.fixture
def demo_site() -> Iterator[DemoSiteServer]:
    """The demo job site on a free loopback port, with fresh per-path hit counters."""
    server = DemoSiteServer(("127.0.0.1", 0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[TelegramApiStandIn]:
    """The one local Telegram Bot API stand-in every Telegram test talks to."""
    api = TelegramApiStandIn().start()
    yield api
    api.stop()
