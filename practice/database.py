"""Engine tuning that the ORM does not do for us.

SQLite needs a few settings to behave like a real multi-user database:
foreign keys on, WAL so readers do not block the writer, a busy timeout, and
transactions that take the write lock up front (`BEGIN IMMEDIATE`). Without
the last one, two workers that both read and then write fail at once with
"database is locked" instead of waiting their turn. This is SQLAlchemy's
documented pysqlite recipe: stop the driver from issuing its own BEGIN and
emit ours.
"""

from __future__ import annotations

from sqlalchemy import Engine, event

SQLITE_BUSY_TIMEOUT_MS = 15_000


def configure_engine(engine: Engine) -> None:
    """Apply per-dialect settings to a freshly created engine."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin_immediate)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
