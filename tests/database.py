"""The test database: where it lives (SQLite or a private PostgreSQL schema), and emptying it."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import text

from config import normalise_database_url
from practice.extensions import db


def database_settings(tmp_path_factory) -> dict:
    """SQLite in a temporary folder, or a private schema on TEST_DATABASE_URL.

    Each PostgreSQL run gets its own schema, so two runs against the same
    server (a developer and CI, or parallel worktrees) never collide.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"}
    schema = f"test_{uuid.uuid4().hex[:12]}"
    return {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-c search_path={schema}"}},
        "TEST_SCHEMA": schema,
    }


def wipe_database() -> None:
    """Empty every table (tests that start over several times within one test use this too)."""
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            empty_table(connection, table)


def empty_table(connection, table) -> None:
    """DELETE every row; the audit table's PostgreSQL trigger refuses DELETE, so TRUNCATE it."""
    if table.name == "audit_events" and connection.dialect.name == "postgresql":
        connection.execute(text("TRUNCATE audit_events"))
    else:
        connection.execute(table.delete())
