"""Shared fixtures: one migrated database per run, emptied after each test.

The database is SQLite in a temporary folder, or the PostgreSQL server named
by TEST_DATABASE_URL. The schema is built by the real Alembic migrations,
so every test also exercises them.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import uuid
from datetime import date
from io import BytesIO
from itertools import count

import flask_migrate
import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from pypdf import PdfReader
from sqlalchemy import text

from config import TestConfig, normalise_database_url
from practice import create_app
from practice.extensions import db, limiter
from practice.models import Clinician, Couple, Partner, Practice
from practice.passwords import hash_password
from practice.pdf.fetcher import AssetFetcher, RefusedURL

PASSWORD = "correct horse battery staple"
_serial = count(1)


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


class FormClient(FlaskClient):
    """A test client that behaves like a browser talking to a real server.

    Each request runs in its own application context (its own database
    session and `g`), as it would in production, while the test keeps its
    own context for factories and assertions. The test's transaction is
    ended first so SQLite's write lock is free for the request.
    """

    def open(self, *args, **kwargs):
        db.session.rollback()
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        payload = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=payload, **kwargs)


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


# Factories ---------------------------------------------------------------


# Every practice made for a test can invite partners; a test about the missing numbers blanks them.
CRISIS_NUMBERS = {
    "emergency_label": "Emergency services", "emergency_number": "999",
    "crisis_line_label": "Crisis line", "crisis_line_number": "116 123",
    "dv_line_label": "Domestic abuse helpline", "dv_line_number": "0808 2000 247",
}


def make_practice(**fields) -> Practice:
    practice = Practice(name=fields.pop("name", f"Practice {next(_serial)}"), **(CRISIS_NUMBERS | fields))
    db.session.add(practice)
    db.session.commit()
    return practice


def make_clinician(practice: Practice | None = None, *, owner: bool = False, **fields) -> Clinician:
    practice = practice or make_practice()
    n = next(_serial)
    clinician = Clinician(
        practice=practice,
        name=fields.pop("name", f"Clinician {n}"),
        email=fields.pop("email", f"clinician{n}@example.com"),
        password_hash=hash_password(fields.pop("password", PASSWORD)),
        is_owner=owner,
        **fields,
    )
    db.session.add(clinician)
    db.session.commit()
    return clinician


def make_couple(clinician: Clinician, names=("Alex", "Sam"), **fields) -> Couple:
    couple = Couple(
        clinician=clinician,
        concerns=fields.pop("concerns", ["stonewalling"]),
        stage=fields.pop("stage", "deescalation"),
        start_date=fields.pop("start_date", date(2026, 1, 5)),
        **fields,
    )
    couple.partners = [Partner(position=i, name=name) for i, name in enumerate(names, start=1)]
    db.session.add(couple)
    db.session.commit()
    return couple


def login(client: FormClient, person, password: str = PASSWORD):
    """Sign in through the real login form."""
    response = client.post_form("/login", {"email": person.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


def csrf_token_in(html: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1).decode()


@pytest.fixture()
def clinician(app) -> Clinician:
    return make_clinician(owner=True)


@pytest.fixture()
def logged_in(client, clinician) -> FormClient:
    login(client, clinician)
    return client


def utcnow_plus_days(days: int):
    from datetime import timedelta

    from practice.models import utcnow

    return utcnow() + timedelta(days=days)


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


ALL_PROMPT_TYPES = [  # one prompt of every type, for previews and answer forms
    {"key": "story", "type": "long_text", "label": "Tell the story"},
    {"key": "word", "type": "short_text", "label": "One word", "required": False},
    {"key": "close", "type": "scale", "label": "How close?", "min_label": "Far apart", "max_label": "Very close"},
    {"key": "talk", "type": "single_choice", "label": "Talk?",
     "options": [{"value": "yes", "label": "Yes, please"}, {"value": "no", "label": "Not yet"}]},
    {"key": "kinds", "type": "multi_choice", "label": "Which kinds?", "max_choices": 2,
     "options": [{"value": "hug", "label": "A hug"}, {"value": "kiss", "label": "A kiss"}, {"value": "hand", "label": "A hand"}]},
    {"key": "log", "type": "daily_log", "label": "Each evening", "days": 3,
     "fields": [{"key": "moment", "type": "short_text", "label": "A moment"}]},
]


def exercise_content(**overrides):
    """Valid content for a small exercise of one's own."""
    from practice.library.schema import ExerciseContent

    data = {
        "title": "Noticing small kindnesses",
        "purpose": "Helps each partner notice the small things the other does.",
        "instructions": "Each evening, write down **one** kind thing your partner did.",
        "minutes": 10, "mode": "individual", "areas": ["taken_for_granted"],
        "strategy": "affection", "stage": "consolidation",
        "prompts": [{"key": "noticed", "type": "long_text", "label": "What did you notice?"}],
    }
    return ExerciseContent.model_validate(data | overrides)


def make_exercise(clinician: Clinician, **overrides):
    """A practice's own exercise at version 1, created by `clinician`."""
    from practice.library.services import create_exercise

    return create_exercise(clinician, exercise_content(**overrides))

# PDFs --------------------------------------------------------------------

LETTERHEAD = {
    "name": "Harbour Couples Practice",
    "address": "12 Quay Street\nBristol BS1 4DJ",
    "phone": "0117 496 0000",
}


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


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


def connection_attempted(server: socket.socket) -> bool:
    """Whether a connection is waiting on a `listener` socket."""
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def visible(html):
    """A page as people read it: names' <bdi> wrappers and Unicode isolates (U+2068, U+2069) removed."""
    if isinstance(html, bytes):
        return visible(html.decode()).encode()
    for mark in ("<bdi>", "</bdi>", "\u2068", "\u2069"):
        html = html.replace(mark, "")
    return html


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
