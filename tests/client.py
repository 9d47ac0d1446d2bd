"""The test client: a browser talking to a real server, one application context per request."""

from __future__ import annotations

import secrets

from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from practice.extensions import db


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
