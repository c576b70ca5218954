"""Database engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    String,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the Rasa action server, the web app and the dispatcher read while one writes;
    # SQLite leaves foreign keys off unless asked, on every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


#: libpq: notice within about 30 s a server or network that went away without closing the
#: connection (a statement timeout is the server's own and cannot fire then).
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


def create_db_engine(
    url: URL | str,
    *,
    connect_timeout: int = 10,
    statement_timeout: float = 0,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout.

    PostgreSQL connections give up after ``connect_timeout`` seconds and cancel a statement
    after ``statement_timeout`` (0: never), so that a database that stops answering fails a
    chat turn or a dispatcher round quickly instead of hanging it.

    Bound parameters are never shown (``hide_parameters``): they are names, emails and phone
    numbers, and SQLAlchemy would otherwise put them into every error message and log line.
    """
    url = make_url(url)
    kwargs["hide_parameters"] = True
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_timeout", connect_timeout)
    connect_args: dict[str, Any] = {"connect_timeout": connect_timeout, **KEEPALIVES}
    if statement_timeout:
        # Added to the URL's own options (a search_path, say), which this would replace.
        given = url.query.get("options", "")
        given = given if isinstance(given, str) else " ".join(given)
        limit = f"-c statement_timeout={int(statement_timeout * 1000)}"
        connect_args["options"] = f"{given} {limit}".strip()
    kwargs["connect_args"] = {**connect_args, **kwargs.get("connect_args", {})}
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def upsert(session: Session, model: type[Any]) -> Any:
    """An INSERT into ``model`` that takes ``on_conflict_do_*`` on this session's backend
    (PostgreSQL and SQLite spell it alike, but SQLAlchemy keeps one class per dialect)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def insert_ignoring_conflicts(
    session: Session, model: type[Any], rows: list[dict[str, Any]], conflict_columns: list[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, so concurrent writers of the same key both succeed."""
    if not rows:
        return
    statement = upsert(session, model).on_conflict_do_nothing(index_elements=conflict_columns)
    session.execute(statement, rows)


def bulk_insert(
    session: Session, table: Table, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """executemany straight to the DB driver, converting values with the columns' own types.

    SQLAlchemy's per-row parameter handling costs more than SQLite's insert itself at 100k
    rows; the conversion here is the same (each column type's bind processor, resolved once),
    only the per-row bookkeeping is skipped. Use for plain INSERTs of many rows.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    # Column by column (transposed), and each distinct value once: dates and timestamps repeat
    # a lot in a batch (one scan time, a few hundred posting days).
    columns_values: list[Any] = list(zip(*rows, strict=True))
    for i, process in enumerate(processors):
        if process is not None:
            seen: dict[Any, Any] = {None: None}
            columns_values[i] = [
                seen[v] if v in seen else seen.setdefault(v, process(v)) for v in columns_values[i]
            ]
    converted = list(zip(*columns_values, strict=True))
    connection.exec_driver_sql(sql, converted)


def in_values(
    session: Session,
    column: ColumnElement[Any] | QueryableAttribute[Any],
    values: Collection[str],
) -> ColumnElement[bool]:
    """``column IN values`` with the values as one bound parameter, for thousands of them.

    A plain ``in_()`` renders a placeholder per value, and compiling 10,000 of them costs more
    than the query; PostgreSQL takes an array (``= ANY``), SQLite a JSON list (``json_each``).
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(String())))
    each = func.json_each(json.dumps(list(values))).table_valued("value")
    return column.in_(select(each.c.value))
