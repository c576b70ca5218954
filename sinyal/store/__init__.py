"""The lead store: SQLAlchemy models, engines and Alembic migrations.

from sinyal.store import Store
store = Store.from_settings(load_settings())
with store.transaction() as session:
    session.add(...)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from sinyal.settings import Settings
from sinyal.store.db import create_db_engine, session_factory, transaction


@dataclass
class Store:
    """One database: an engine plus a session factory, opened from a URL or from settings."""

    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = session_factory(self.engine)

    @classmethod
    def from_url(cls, url: URL | str) -> Store:
        return cls(create_db_engine(url))

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(
            create_db_engine(
                settings.database,
                connect_timeout=settings.db_connect_timeout,
                statement_timeout=settings.db_statement_timeout,
            )
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    def upgrade(self, revision: str = "head") -> None:
        from sinyal.store import migrate  # Alembic: only where migrations run, not every process

        migrate.upgrade(self.engine, revision)

    def is_current(self) -> bool:
        from sinyal.store import migrate

        return migrate.is_current(self.engine)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["Store"]
