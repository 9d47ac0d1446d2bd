"""Engine tuning, and the one explicit way a service says "this writes".

SQLite gets foreign keys, WAL and a busy timeout. Reads run in a plain deferred transaction (no
lock on SQLite); a unit of work that writes says so with `writing()`, which on SQLite begins with
`BEGIN IMMEDIATE`, so read-then-write writers queue for the one write lock instead of failing with
"database is locked" (SQLAlchemy's pysqlite recipe). Keep it short: load, decide, write, commit.

A flush outside `writing()` is a bug: it upgrades a read to a write mid-way. In requests and job
runs (`strict_scope()`) it raises `UnitOfWorkError` under `STRICT_UNIT_OF_WORK` (tests, CI); in
production it proceeds (refusing a save would do more harm) and warns once per place. The stray
change is committed at the next `writing()` or when the request (below 400) or job ends
(`settle_stray_writes`), else rolled back; settling runs before the audit trail's after_request hook.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import ColumnElement, Engine, event, func
from sqlalchemy.orm import Session, scoped_session

SQLITE_BUSY_TIMEOUT_MS = 15_000

# Set while a unit of work that writes is open in this thread or task: the
# engine's `begin` listener reads it to choose the kind of BEGIN on SQLite.
_WRITE_INTENT: ContextVar[bool] = ContextVar("twofold_write_intent", default=False)
WRITING = "twofold_writing"  # key in Session.info while writing() is open on that session
STRAY = "twofold_stray_write"  # key in Session.info: the open transaction holds a change flushed outside writing()
# Set while code outside a request is held to the rule as a request is (a job run).
_STRICT_SCOPE: ContextVar[bool] = ContextVar("twofold_strict_scope", default=False)
_THIS_FILE = Path(__file__).resolve()
_PACKAGE = _THIS_FILE.parents[1]  # practice/, two up from practice/platform/database.py
log = logging.getLogger(__name__)
_warned_origins: set[str] = set()


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


def contains_text(column, text: str) -> ColumnElement[bool]:
    """`column` holds `text` anywhere, ignoring case; % and _ typed in a search match themselves."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def is_writing(session: Session) -> bool:
    """Whether `session` is inside `writing()`."""
    return bool(session.info.get(WRITING))


@contextmanager
def writing(session: Session | scoped_session | None = None) -> Iterator[Session]:
    """A unit of work that writes: one short transaction, committed on exit, rolled back on error.

    An open read transaction is ended first (it must hold no changes), so the block loads under the
    write lock; objects loaded before are expired. Nested calls join the outer unit, which commits once.
    """
    if session is None:
        from practice.extensions import db

        session = db.session
    if isinstance(session, scoped_session):
        session = session()  # the request's own Session, whose transaction state we ask about
    if is_writing(session):
        yield session
        return
    if session.new or session.dirty or session.deleted:
        raise UnitOfWorkError("Changes were made before writing() began; make them inside it.")
    end_transaction(session)
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


def end_transaction(session: Session) -> None:
    """End an open read transaction: it holds nothing to write, unless a stray write is in it, which this keeps."""
    if not session.in_transaction():
        return
    stray = session.info.get(STRAY)
    session.commit()  # ends the read; nothing of the caller's is written but a stray write, which it keeps
    if stray is not None:
        log.warning("A change flushed outside writing(), from %s, was committed as the next unit of work began.",
                    stray)


@contextmanager
def strict_scope() -> Iterator[None]:
    """Hold the code run inside to the unit-of-work rule as a request is (the job queue runs each task in one)."""
    token = _STRICT_SCOPE.set(True)
    try:
        yield
    finally:
        _STRICT_SCOPE.reset(token)


@contextmanager
def job_unit_of_work() -> Iterator[None]:
    """Hold a job to the unit-of-work rule as a request is, and settle a stray write when it ends."""
    from practice.extensions import db

    with strict_scope():
        try:
            yield
        except BaseException:
            settle_stray_writes(db.session, succeeded=False)
            raise
        settle_stray_writes(db.session, succeeded=True)


def listen_once(target, name: str, function) -> None:
    """`event.listen`, once however many apps the process builds: the factory installs every session hook."""
    if not event.contains(target, name, function):
        event.listen(target, name, function)


def guard_unit_of_work() -> None:
    """Make every session refuse (STRICT_UNIT_OF_WORK) or report a flush outside `writing()`, and settle it."""
    listen_once(Session, "before_flush", _refuse_flush_outside_writing)
    listen_once(Session, "after_commit", _stray_write_settled)
    listen_once(Session, "after_rollback", _stray_write_settled)


def _refuse_flush_outside_writing(session: Session, _flush_context, _instances) -> None:
    """Only the app's own code is held to it: a request, or a job (`strict_scope`); not test set-up."""
    if not (session.new or session.dirty or session.deleted) or is_writing(session):
        return
    if not (has_request_context() or (_STRICT_SCOPE.get() and has_app_context())):
        return
    if current_app.config.get("STRICT_UNIT_OF_WORK"):
        raise UnitOfWorkError(
            "A change was flushed outside writing(): wrap the unit of work in `with writing():`."
        )
    origin = _origin()
    session.info[STRAY] = origin
    if origin not in _warned_origins:
        _warned_origins.add(origin)
        log.warning("A change was flushed outside writing(), from %s; it is kept if the request or job "
                    "succeeds, but should be wrapped in `with writing():`.", origin)


def _stray_write_settled(session: Session) -> None:
    session.info.pop(STRAY, None)


def settle_stray_writes(session: Session | scoped_session, *, succeeded: bool) -> None:
    """End a transaction that holds a stray write: commit it if the work succeeded, else roll it back; log which."""
    if isinstance(session, scoped_session):
        session = session()
    origin = session.info.get(STRAY)
    if origin is None or is_writing(session):
        return
    if succeeded:
        session.commit()
        log.warning("A change flushed outside writing(), from %s, was committed as the work succeeded.", origin)
    else:
        session.rollback()
        log.warning("A change flushed outside writing(), from %s, was rolled back as the work failed.", origin)


def settle_request_writes(response):
    """`after_request`: a stray write is kept with a response that succeeded, and dropped with one that failed."""
    from practice.extensions import db

    if db.session.registry.has():  # a request that never touched the database has no session to settle
        settle_stray_writes(db.session, succeeded=response.status_code < 400)
    return response


def _origin() -> str:
    """The innermost frame of our own code (not this module) on the stack: where the stray write came from."""
    for frame in reversed(traceback.extract_stack()):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(_PACKAGE) and path != _THIS_FILE:
            return f"{path.relative_to(_PACKAGE.parent)}:{frame.lineno} in {frame.name}"
    return "outside the practice package"
