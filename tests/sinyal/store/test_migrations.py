from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import URL

from sinyal.store import Store, migrate
from sinyal.store.models import Base

EXPECTED_TABLES = {
    "companies",
    "job_postings",
    "triggers",
    "flows",
    "message_variants",
    "outreach_messages",
    "conversations",
    "leads",
    "consultants",
    "handovers",
    "kpi_events",
}


def test_upgrade_creates_every_table_and_reaches_head(database_url: URL) -> None:
    store = Store.from_url(database_url)
    try:
        assert migrate.current_revision(store.engine) is None
        store.upgrade()
        tables = set(inspect(store.engine).get_table_names())
        assert tables >= EXPECTED_TABLES
        assert store.is_current()
    finally:
        store.close()


def test_migrations_match_the_models(store: Store) -> None:
    """No drift: autogenerate finds nothing to change after the migrations ran."""
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_downgrade_to_base_removes_tables(store: Store) -> None:
    store.upgrade()  # second time: nothing to do
    assert store.is_current()
    migrate.downgrade(store.engine, "base")
    assert EXPECTED_TABLES.isdisjoint(inspect(store.engine).get_table_names())
    store.upgrade()
    assert set(inspect(store.engine).get_table_names()) >= EXPECTED_TABLES


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    store = Store.from_url(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()
