"""The factory, health check and the database settings that keep SQLite safe."""

import sqlite3

import pytest
from sqlalchemy import text

from practice.extensions import db
from practice.platform.database import writing


def test_health_check_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_anonymous_home_goes_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def require_sqlite():
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings")


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(app):
    require_sqlite()
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_sqlite_takes_the_write_lock_at_begin_only_for_a_unit_of_work_that_writes(app):
    """A read leaves the lock free; `writing()` takes it at BEGIN IMMEDIATE, so a second writer waits its turn."""
    require_sqlite()
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        db.session.rollback()
        db.session.execute(text("SELECT 1"))  # a plain deferred BEGIN: a read transaction
        other.execute("BEGIN IMMEDIATE")  # free: taken at once
        other.execute("ROLLBACK")
        db.session.rollback()
        with writing():
            db.session.execute(text("SELECT 1"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
