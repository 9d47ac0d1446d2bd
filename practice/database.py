"""Engine tuning, and the one explicit way a service says "this writes".

SQLite needs a few settings to behave like a real multi-user database:
foreign keys on, WAL so readers run beside the writer, and a busy timeout.

Transactions come in two kinds. A request that only reads runs in a plain
deferred transaction: on SQLite it takes no lock, so any number of readers
run beside the one writer. A unit of work that writes says so with
`writing()`: on SQLite its transaction starts with `BEGIN IMMEDIATE`, taking
the only write lock up front, so two writers that both read and then write
wait their turn instead of failing with "database is locked" (SQLAlchemy's
documented pysqlite recipe: stop the driver from issuing its own BEGIN and
emit ours). It should be short: load, decide, write, commit. PostgreSQL
behaves as before (read committed; the unit of work is one transaction).

A flush outside `writing()` is a bug: it would upgrade a read transaction to
a write mid-way, which on SQLite fails at once when another writer committed
since the read began. With `STRICT_UNIT_OF_WORK` (tests) it raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

SQLITE_BUSY_TIMEOUT_MS = 15_000

# Set while a unit of work that writes is open in this thread or task: the
# engine's `begin` listener reads it to choose the kind of BEGIN on SQLite.
_WRITE_INTENT: ContextVar[bool] = ContextVar("twofold_write_intent", default=False)
WRITING = "twofold_writing"  # key in Session.info while writing() is open on that session


class UnitOfWorkError(RuntimeError):
    """A change was flushed outside `writing()`."""


def configure_engine(engine: Engine) -> None:
    """Apply per-dialect settings to a freshly created engine."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _WRITE_INTENT.get() else "BEGIN")


def is_writing(session: Session) -> bool:
    """Whether `session` is inside `writing()`."""
    return bool(session.info.get(WRITING))


@contextmanager
def writing(session: Session | None = None) -> Iterator[Session]:
    """A unit of work that writes: one short transaction, committed on exit, rolled back on error.

    A read transaction already open on the session is ended first (it holds
    no changes, or this raises), so what the block loads it loads under the
    write lock; objects loaded before are expired and reload on first use.
    Nested calls join the outer unit of work, which commits once.
    """
    if session is None:
        from practice.extensions import db

        session = db.session()  # the scoped session's Session: it alone has in_transaction()
    if is_writing(session):
        yield session
        return
    if session.new or session.dirty or session.deleted:
        raise UnitOfWorkError("Changes were made before writing() began; make them inside it.")
    if session.in_transaction():
        session.commit()  # a read transaction: nothing to write, it only ends
    token = _WRITE_INTENT.set(True)
    session.info[WRITING] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(WRITING, None)
        _WRITE_INTENT.reset(token)


def guard_unit_of_work() -> None:
    """Make every session refuse a flush outside `writing()` where the app sets STRICT_UNIT_OF_WORK."""
    if not event.contains(Session, "before_flush", _refuse_flush_outside_writing):
        event.listen(Session, "before_flush", _refuse_flush_outside_writing)


def _refuse_flush_outside_writing(session: Session, _flush_context, _instances) -> None:
    """Only the app's own code is held to it: a request, or a job (practice.jobqueue); not test set-up."""
    if not (has_request_context() and current_app.config.get("STRICT_UNIT_OF_WORK")):
        return
    if (session.new or session.dirty or session.deleted) and not is_writing(session):
        raise UnitOfWorkError(
            "A change was flushed outside writing(): wrap the unit of work in `with writing():`."
        )
