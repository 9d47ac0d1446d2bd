"""Shared fixtures: one migrated database per run, emptied after each test.

Only fixtures live here; what tests import lives in modules named for it:
factories, reading, logins (a plugin, listed below), database, client.

The database is SQLite in a temporary folder, or the PostgreSQL server named
by TEST_DATABASE_URL. The schema is built by the real Alembic migrations,
so every test also exercises them.
"""

from __future__ import annotations

import socket

import flask_migrate
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from config import TestConfig
from practice import create_app
from practice.extensions import db, limiter
from practice.pdf.fetcher import AssetFetcher, RefusedURL
from tests.client import FormClient
from tests.database import database_settings, wipe_database

pytest_plugins = ["tests.logins"]


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    config = type("Config", (TestConfig,), database_settings(tmp_path_factory))
    app = create_app(config)
    app.test_client_class = FormClient
    schema = app.config.get("TEST_SCHEMA")
    with app.app_context():
        if schema:
            with db.engine.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        if schema:
            with db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        db.engine.dispose()  # close pooled connections before PostgreSQL's driver warns about them


@pytest.fixture(autouse=True)
def _fresh_state(app):
    """Each test starts with empty tables, an empty outbox and fresh rate limits."""
    with app.app_context():
        yield
        wipe_database()
    limiter.reset()
    app.extensions["mailman"].outbox = []


@pytest.fixture()
def client(app) -> FormClient:
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def outbox(app) -> list:
    """Messages sent during the test (Flask-Mailman's locmem backend appends here)."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


# The exercise library ------------------------------------------------------


@pytest.fixture(scope="session")
def builtin_files():
    """The packaged exercise files, read once per run."""
    from practice.library.loader import load_builtins

    return load_builtins()


@pytest.fixture()
def builtins(builtin_files):
    """The built-in exercises, synced into the (empty) database."""
    from practice.library.services import sync_builtins

    sync_builtins(builtin_files)


@pytest.fixture()
def fetched(monkeypatch) -> list[tuple[str, bool]]:
    """Every URL WeasyPrint asks our fetcher for in this process, and whether it was served."""
    calls: list[tuple[str, bool]] = []
    fetch = AssetFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = fetch(self, url, headers)
        except RefusedURL:
            calls.append((url, False))
            raise
        calls.append((url, True))
        return response

    monkeypatch.setattr(AssetFetcher, "fetch", spy)
    return calls


@pytest.fixture()
def listener():
    """A TCP port on loopback that records whether anything tried to connect to it."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        yield server


@pytest.fixture()
def verifications(monkeypatch) -> list[str]:
    """Every argon2 verification made, by hash (one per password check)."""
    calls: list[str] = []
    verify = PasswordHasher.verify

    def counting(self, password_hash, password):
        calls.append(password_hash)
        return verify(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls
