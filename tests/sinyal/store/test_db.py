"""Every engine Sinyal creates hides bound parameters: they are names, emails and phone numbers,
and SQLAlchemy would otherwise put them into error messages and its log."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from sinyal.chat import transcripts
from sinyal.kpi import conversations
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Lead

PERSONAL = ("Ana Rahasia", "ana.rahasia@kopi.example", "+6281299990000")


def test_a_database_error_does_not_show_the_personal_values(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # as if echo were on
    name, email, phone = PERSONAL
    lead = Lead(company_name="Acme", contact_name=name, email=email, phone=phone)
    lead.consultant_id = 999_999  # no such consultant: the INSERT fails
    with pytest.raises(IntegrityError) as caught, store.transaction() as session:
        session.add(lead)
    message = str(caught.value)
    assert "SQL parameters hidden" in message
    for value in PERSONAL:
        assert value not in message and value not in caplog.text


def test_the_tracker_store_readers_hide_parameters_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engines: list[Engine] = []
    for module in (transcripts, conversations):
        real = module.create_engine

        def recording(*args: Any, _real: Any = real, **kwargs: Any) -> Engine:
            engine: Engine = _real(*args, **kwargs)
            engines.append(engine)
            return engine

        monkeypatch.setattr(module, "create_engine", recording)
    transcripts.transcript(Settings(data_dir=tmp_path, database_url=""), "tg-1")
    conversations._tracker_rows(make_url(f"sqlite:///{tmp_path / 'tracker.db'}"), ["tg-1"])
    assert len(engines) == 2 and all(engine.hide_parameters for engine in engines)


def test_a_statement_that_runs_too_long_is_cancelled(postgres_schema_url: Any) -> None:
    """The URL's own options (the schema) are kept beside the statement timeout."""
    from sqlalchemy import text

    from sinyal.store.db import create_db_engine

    engine = create_db_engine(postgres_schema_url, statement_timeout=0.3)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "300ms"
            assert conn.execute(text("SHOW search_path")).scalar() != '"$user", public'
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(5)"))
    finally:
        engine.dispose()


def test_a_database_that_never_answers_fails_the_connection_in_time() -> None:
    """A listener that accepts and stays silent (a hung server) is given up after the timeout."""
    import socket
    import time

    from sqlalchemy import text

    from sinyal.store.db import create_db_engine

    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        engine = create_db_engine(f"postgresql+psycopg://x@127.0.0.1:{port}/x", connect_timeout=2)
        started = time.monotonic()
        with pytest.raises(OperationalError), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert time.monotonic() - started < 8
        engine.dispose()
